/**
 * The frozen (or, for full fine-tuning, trainable) backbone weights as tf tensors, built from a
 * canonical timm-named state dict (PyTorch shapes) as the checkpoint layouts produce it.
 */

import { patchGrid, type ViTConfig } from '../../config/architectures';
import {
  formatShape,
  type HostTensor,
  sameShape,
  type TensorMap,
} from '../../run-folder/tensors/host-tensor';
import { type Tensor, tf } from '../tf';
import type { AttentionWeights } from './attention';
import type { LayerNormWeights, LinearWeights } from './layers';

export interface BlockWeights {
  norm1: LayerNormWeights;
  attn: AttentionWeights;
  norm2: LayerNormWeights;
  fc1: LinearWeights; // [D, 4D]
  fc2: LinearWeights; // [4D, D]
}

export interface ViTWeights {
  patch: LinearWeights; // [C*P*P, D]: the patch conv as a matmul over (C, ph, pw)-flattened patches
  cls: Tensor; // [1, 1, D]
  pos: Tensor; // [1, 1+T, D]
  blocks: BlockWeights[];
  norm: LayerNormWeights; // final norm
}

export interface WeightOptions {
  /** Make every backbone tensor a tf.Variable (the `full` fine-tuning baseline). */
  trainable: boolean;
  /**
   * Frozen linears keep PyTorch's (out, in) copy so their input gradient is a plain matmul (default
   * true). false lets autodiff use a transposed matmul instead (measured in scripts/measure-wasm-traps.ts).
   */
  pretransposed?: boolean;
}

function get(state: TensorMap, key: string, shape: number[]): HostTensor {
  const t = state.get(key);
  if (!t) throw new Error(`backbone state has no '${key}'`);
  if (!sameShape(t.shape, shape)) {
    throw new Error(`backbone '${key}' has shape ${formatShape(t.shape)}, expected ${formatShape(shape)}`);
  }
  return t;
}

/** Builds all backbone tensors; `state` must already be checked and its pos_embed resampled to cfg's grid. */
export function vitWeightsFromState(state: TensorMap, cfg: ViTConfig, opts: WeightOptions): ViTWeights {
  const D = cfg.embedDim;
  const H = D * cfg.mlpRatio;
  const { numPatches } = patchGrid(cfg);
  const patchIn = cfg.inChans * cfg.patchSize * cfg.patchSize;
  const param = (t: HostTensor, shape = t.shape): Tensor => {
    const x = tf.tensor(t.data as Float32Array, shape, 'float32');
    return opts.trainable ? tf.variable(x, true) : x;
  };
  // PyTorch (out, in) -> w [in, out] (+ the (out, in) original for frozen input gradients).
  const lin = (prefix: string, out: number, inp: number): LinearWeights => {
    const wt = tf.tensor2d(
      get(
        state,
        `${prefix}.weight`,
        prefix === 'patch_embed.proj' ? [out, cfg.inChans, cfg.patchSize, cfg.patchSize] : [out, inp],
      ).data as Float32Array,
      [out, inp],
    );
    const w = tf.transpose(wt); // [in, out]
    const b = param(get(state, `${prefix}.bias`, [out]));
    if (opts.trainable) {
      wt.dispose();
      return { w: tf.variable(w, true), b };
    }
    if (opts.pretransposed === false) {
      wt.dispose();
      return { w, b };
    }
    return { w, wt, b };
  };
  const ln = (prefix: string): LayerNormWeights => ({
    g: param(get(state, `${prefix}.weight`, [D])),
    b: param(get(state, `${prefix}.bias`, [D])),
  });
  // Frozen qkv also split into per-role linears, q pre-scaled by head_dim^-0.5 (./attention.ts).
  const heads = (prefix: string): AttentionWeights['heads'] => {
    if (opts.trainable || opts.pretransposed === false) return undefined;
    const w = get(state, `${prefix}.weight`, [3 * D, D]).data as Float32Array; // (3D, D)
    const b = get(state, `${prefix}.bias`, [3 * D]).data as Float32Array; // (3D,)
    const scale = (D / cfg.numHeads) ** -0.5;
    const part = (i: number, s: number): LinearWeights =>
      tf.tidy(() => {
        const wt = tf.mul(tf.tensor2d(w.subarray(i * D * D, (i + 1) * D * D), [D, D]), s); // (out, in)
        return {
          w: tf.keep(tf.transpose(wt)),
          wt: tf.keep(wt),
          b: tf.keep(tf.mul(tf.tensor1d(b.subarray(i * D, (i + 1) * D)), s)),
        };
      });
    return { q: part(0, scale), k: part(1, 1), v: part(2, 1) };
  };
  // With the split copies the fused qkv is never multiplied: its (out, in) copy is dropped.
  const withHeads = (
    qkv: LinearWeights,
    proj: LinearWeights,
    h: AttentionWeights['heads'],
  ): AttentionWeights => {
    if (!h) return { qkv, proj };
    qkv.wt?.dispose();
    return { qkv: { w: qkv.w, b: qkv.b }, proj, heads: h };
  };
  const blocks: BlockWeights[] = [];
  for (let i = 0; i < cfg.depth; i++) {
    const p = `blocks.${i}`;
    blocks.push({
      norm1: ln(`${p}.norm1`),
      attn: withHeads(lin(`${p}.attn.qkv`, 3 * D, D), lin(`${p}.attn.proj`, D, D), heads(`${p}.attn.qkv`)),
      norm2: ln(`${p}.norm2`),
      fc1: lin(`${p}.mlp.fc1`, H, D),
      fc2: lin(`${p}.mlp.fc2`, D, H),
    });
  }
  return {
    patch: lin('patch_embed.proj', D, patchIn),
    cls: param(get(state, 'cls_token', [1, 1, D])),
    pos: param(get(state, 'pos_embed', [1, 1 + numPatches, D])),
    blocks,
    norm: ln('norm'),
  };
}

/**
 * Every tensor of the backbone, for disposal, parameter counts and the `full` trainable set (the
 * split attention copies exist only for frozen backbones, after the timm-ordered ones of each block).
 */
export function backboneTensors(w: ViTWeights): Tensor[] {
  const lin = (l: LinearWeights) => (l.wt ? [l.w, l.wt, l.b] : [l.w, l.b]);
  const ln = (l: LayerNormWeights) => [l.g, l.b];
  const heads = (a: AttentionWeights) => (a.heads ? [a.heads.q, a.heads.k, a.heads.v].flatMap(lin) : []);
  return [
    ...lin(w.patch),
    w.cls,
    w.pos,
    ...w.blocks.flatMap((b) => [
      ...ln(b.norm1),
      ...lin(b.attn.qkv),
      ...lin(b.attn.proj),
      ...heads(b.attn),
      ...ln(b.norm2),
      ...lin(b.fc1),
      ...lin(b.fc2),
    ]),
    ...ln(w.norm),
  ];
}

/** Parameter count as PyTorch counts it (the pre-transposed copies are not parameters). */
export function backboneParamCount(w: ViTWeights): number {
  const lin = (l: LinearWeights) => l.w.size + l.b.size;
  const ln = (l: LayerNormWeights) => l.g.size + l.b.size;
  let n = lin(w.patch) + w.cls.size + w.pos.size + ln(w.norm);
  for (const b of w.blocks)
    n += ln(b.norm1) + lin(b.attn.qkv) + lin(b.attn.proj) + ln(b.norm2) + lin(b.fc1) + lin(b.fc2);
  return n;
}

export function disposeViTWeights(w: ViTWeights): void {
  for (const t of backboneTensors(w)) t.dispose();
}

/** The inverse of vitWeightsFromState: canonical timm names and PyTorch shapes (for full fine-tuning checkpoints). */
export async function vitWeightsToState(w: ViTWeights, cfg: ViTConfig): Promise<Map<string, HostTensor>> {
  // `out.set` collects (name, tensor, shape); the tensors are read together below, asynchronously
  // (webgpu in Node has no synchronous readback).
  const entries: [string, Tensor, number[]][] = [];
  const transposed: Tensor[] = [];
  const out = { set: (name: string, e: [Tensor, number[]]) => entries.push([name, ...e]) };
  const host = (t: Tensor, shape = [...t.shape]): [Tensor, number[]] => [t, shape];
  const lin = (prefix: string, l: LinearWeights, torchShape?: number[]) => {
    const wt = tf.tidy(() => tf.transpose(l.w)); // [out, in]
    transposed.push(wt);
    out.set(`${prefix}.weight`, host(wt, torchShape ?? [...wt.shape]));
    out.set(`${prefix}.bias`, host(l.b));
  };
  const ln = (prefix: string, l: LayerNormWeights) => {
    out.set(`${prefix}.weight`, host(l.g));
    out.set(`${prefix}.bias`, host(l.b));
  };
  out.set('cls_token', host(w.cls));
  out.set('pos_embed', host(w.pos));
  lin('patch_embed.proj', w.patch, [cfg.embedDim, cfg.inChans, cfg.patchSize, cfg.patchSize]);
  w.blocks.forEach((b, i) => {
    const p = `blocks.${i}`;
    ln(`${p}.norm1`, b.norm1);
    lin(`${p}.attn.qkv`, b.attn.qkv);
    lin(`${p}.attn.proj`, b.attn.proj);
    ln(`${p}.norm2`, b.norm2);
    lin(`${p}.mlp.fc1`, b.fc1);
    lin(`${p}.mlp.fc2`, b.fc2);
  });
  ln('norm', w.norm);
  const data = await Promise.all(entries.map(([, t]) => t.data())).finally(() => tf.dispose(transposed));
  return new Map(
    entries.map(([name, , shape], i): [string, HostTensor] => [
      name,
      { dtype: 'float32', shape, data: data[i] as Float32Array },
    ]),
  );
}
