/**
 * Reads a PromptedViT's frozen backbone and trainable state to the host in the step engine's layouts
 * (all reads asynchronous and together: webgpu in Node has no synchronous readback).
 */
import type { PromptedViT } from '../model/prompted-vit';
import type { Tensor } from '../tf';
import type { HostBackbone, HostBlock, VitDims } from './vit-buffers';

/** Why the step engine cannot train this model, or null when it can. */
export function stepEngineUnsupported(model: PromptedViT): string | null {
  if (model.method === 'full')
    return 'full fine-tuning trains the backbone (the step engine keeps it frozen)';
  if (model.backbone.blocks.some((b) => !b.attn.heads || !b.fc1.wt))
    return 'the backbone is not in the frozen split-attention layout';
  if (model.cfg.embedDim % model.cfg.numHeads !== 0) return 'the width is not a multiple of the head count';
  if (model.dropPath > 0)
    return `train.drop_path is ${model.dropPath}: the step engine has no stochastic depth`;
  return null;
}

export function vitDims(model: PromptedViT): VitDims {
  const cfg = model.cfg;
  const g = cfg.imageSize / cfg.patchSize;
  const N = model.prompts?.length ?? 0;
  const sets = model.prompts?.sets.length ?? 0;
  return {
    D: cfg.embedDim,
    H: cfg.numHeads,
    depth: cfg.depth,
    L: 1 + N + g * g,
    N,
    T: g * g,
    P: cfg.patchSize,
    g,
    S: cfg.imageSize,
    C: 3,
    classes: model.head.b.shape[0] as number,
    sets,
    pool: model.poolMode,
    eps: cfg.layerNormEps,
  };
}

async function read(t: Tensor): Promise<Float32Array> {
  return (await t.data()) as Float32Array;
}

/** [D, D] x3 (q pre-scaled, k, v) -> [D, 3D] rows [q | k | v]; biases likewise. */
function fuseQkv(q: Float32Array, k: Float32Array, v: Float32Array, D: number): Float32Array {
  const out = new Float32Array(D * 3 * D);
  for (let r = 0; r < D; r++) {
    out.set(q.subarray(r * D, (r + 1) * D), r * 3 * D);
    out.set(k.subarray(r * D, (r + 1) * D), r * 3 * D + D);
    out.set(v.subarray(r * D, (r + 1) * D), r * 3 * D + 2 * D);
  }
  return out;
}

export async function backboneToHost(model: PromptedViT): Promise<HostBackbone> {
  const w = model.backbone;
  const D = model.cfg.embedDim;
  const blocks: HostBlock[] = await Promise.all(
    w.blocks.map(async (b) => {
      const h = b.attn.heads;
      if (!h) throw new Error('the step engine needs split attention weights');
      const [qw, kw, vw, qb, kb, vb] = await Promise.all(
        [h.q.w, h.k.w, h.v.w, h.q.b, h.k.b, h.v.b].map(read),
      );
      const bqkv = new Float32Array(3 * D);
      bqkv.set(qb, 0);
      bqkv.set(kb, D);
      bqkv.set(vb, 2 * D);
      const [ln1g, ln1b, wproj, bproj, ln2g, ln2b, wfc1, bfc1, wfc2, bfc2] = await Promise.all(
        [
          b.norm1.g,
          b.norm1.b,
          b.attn.proj.w,
          b.attn.proj.b,
          b.norm2.g,
          b.norm2.b,
          b.fc1.w,
          b.fc1.b,
          b.fc2.w,
          b.fc2.b,
        ].map(read),
      );
      return {
        ln1g,
        ln1b,
        wqkv: fuseQkv(qw, kw, vw, D),
        bqkv,
        wproj,
        bproj,
        ln2g,
        ln2b,
        wfc1,
        bfc1,
        wfc2,
        bfc2,
      };
    }),
  );
  const [wpatch, bpatch, cls, pos, normg, normb] = await Promise.all(
    [w.patch.w, w.patch.b, w.cls, w.pos, w.norm.g, w.norm.b].map(read),
  );
  return { wpatch, bpatch, cls, pos, blocks, normg, normb };
}

/** Trainable parameters, flat in AdamW.params() order: prompt sets, head weight [D, C], head bias. */
export async function trainableToHost(model: PromptedViT): Promise<Float32Array[]> {
  const vars = [...(model.prompts?.sets ?? []), model.head.w, model.head.b];
  return Promise.all(vars.map(read));
}
