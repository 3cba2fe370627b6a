/**
 * Checks a canonical backbone against the configured ViT size before anything is built from it.
 * All problems are collected and reported together in one CheckpointError.
 */

import { NAMED_VITS, type NamedViT, type ViTConfig } from '../../config/architectures';
import { CheckpointError } from '../../run-folder/tensors/checkpoint-error';
import {
  formatShape,
  type HostTensor,
  sameShape,
  type TensorMap,
} from '../../run-folder/tensors/host-tensor';
import { inferBackboneSize } from './layouts';
import { posEmbedGrid } from './resample-pos-embed';

/** Most problems listed in one error; the rest are counted. */
const MAX_LISTED = 40;

/** Every canonical key with its PyTorch shape; pos_embed uses the checkpoint's own grid. */
export function expectedBackboneShapes(cfg: ViTConfig, checkpointGrid: number): Map<string, number[]> {
  const d = cfg.embedDim;
  const hidden = Math.round(cfg.mlpRatio * d);
  const shapes = new Map<string, number[]>([
    ['cls_token', [1, 1, d]],
    ['pos_embed', [1, 1 + checkpointGrid * checkpointGrid, d]],
    ['patch_embed.proj.weight', [d, cfg.inChans, cfg.patchSize, cfg.patchSize]],
    ['patch_embed.proj.bias', [d]],
  ]);
  for (let i = 0; i < cfg.depth; i++) {
    const b = `blocks.${i}.`;
    shapes.set(`${b}norm1.weight`, [d]);
    shapes.set(`${b}norm1.bias`, [d]);
    shapes.set(`${b}attn.qkv.weight`, [3 * d, d]);
    shapes.set(`${b}attn.qkv.bias`, [3 * d]);
    shapes.set(`${b}attn.proj.weight`, [d, d]);
    shapes.set(`${b}attn.proj.bias`, [d]);
    shapes.set(`${b}norm2.weight`, [d]);
    shapes.set(`${b}norm2.bias`, [d]);
    shapes.set(`${b}mlp.fc1.weight`, [hidden, d]);
    shapes.set(`${b}mlp.fc1.bias`, [hidden]);
    shapes.set(`${b}mlp.fc2.weight`, [d, hidden]);
    shapes.set(`${b}mlp.fc2.bias`, [d]);
  }
  shapes.set('norm.weight', [d]);
  shapes.set('norm.bias', [d]);
  return shapes;
}

function namedArch(size: { embedDim: number; depth: number; patchSize: number; numHeads?: number }) {
  return (Object.keys(NAMED_VITS) as NamedViT[]).find((name) => {
    const v = NAMED_VITS[name];
    return (
      v.embedDim === size.embedDim &&
      v.depth === size.depth &&
      v.patchSize === size.patchSize &&
      (size.numHeads === undefined || v.numHeads === size.numHeads)
    );
  });
}

/** The checkpoint's size as far as its keys tell, without throwing. */
function checkpointSize(backbone: TensorMap) {
  const conv = backbone.get('patch_embed.proj.weight');
  const cls = backbone.get('cls_token');
  let depth = 0;
  for (const key of backbone.keys()) {
    const m = /^blocks\.(\d+)\./.exec(key);
    if (m) depth = Math.max(depth, Number(m[1]) + 1);
  }
  let numHeads: number | undefined;
  try {
    numHeads = inferBackboneSize(backbone).numHeads;
  } catch {
    numHeads = undefined;
  }
  const embedDim =
    conv?.shape.length === 4 ? conv.shape[0] : cls?.shape.length === 3 ? cls.shape[2] : undefined;
  const patchSize = conv?.shape.length === 4 ? conv.shape[2] : undefined;
  return { embedDim, depth, patchSize, numHeads };
}

function architectureMismatch(
  backbone: TensorMap,
  cfg: ViTConfig,
): { summary: string; fix: string } | undefined {
  const ck = checkpointSize(backbone);
  if (ck.embedDim === undefined || ck.patchSize === undefined || ck.depth === 0) return undefined;
  const headsDiffer = ck.numHeads !== undefined && ck.numHeads !== cfg.numHeads;
  if (
    ck.embedDim === cfg.embedDim &&
    ck.depth === cfg.depth &&
    ck.patchSize === cfg.patchSize &&
    !headsDiffer
  ) {
    return undefined;
  }
  const cfgName = namedArch(cfg);
  const asked = cfgName
    ? `${cfgName} (${cfg.embedDim}, ${cfg.depth}, ${cfg.patchSize}${headsDiffer ? `, ${cfg.numHeads} heads` : ''})`
    : `a custom ViT (embed_dim ${cfg.embedDim}, depth ${cfg.depth}, patch ${cfg.patchSize}, ${cfg.numHeads} heads)`;
  const heads = ck.numHeads !== undefined ? `, ${ck.numHeads} heads` : '';
  const summary =
    `checkpoint is a ViT with embed_dim ${ck.embedDim}, depth ${ck.depth}, patch ${ck.patchSize}${heads} ` +
    `but backbone.arch asks for ${asked}`;
  const match = namedArch({
    embedDim: ck.embedDim,
    depth: ck.depth,
    patchSize: ck.patchSize,
    numHeads: ck.numHeads,
  });
  const fix = match
    ? `set backbone.arch to ${match}`
    : `set backbone.arch to a custom size {embed_dim: ${ck.embedDim}, depth: ${ck.depth}, ` +
      `num_heads: ${ck.numHeads ?? '<heads>'}, patch_size: ${ck.patchSize}, image_size: ${cfg.imageSize}}`;
  return { summary: `${summary}; ${fix}`, fix };
}

export function nonFinite(t: HostTensor): { count: number; first: number; value: number } | undefined {
  if (!(t.data instanceof Float32Array)) return undefined;
  const d = t.data;
  let count = 0;
  let first = -1;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i])) {
      if (first < 0) first = i;
      count++;
    }
  }
  return count ? { count, first, value: d[first] } : undefined;
}

export function unravel(index: number, shape: readonly number[]): string {
  const idx: number[] = [];
  for (let a = shape.length - 1; a >= 0; a--) {
    idx.unshift(index % shape[a]);
    index = Math.floor(index / shape[a]);
  }
  return `[${idx.join(', ')}]`;
}

/**
 * Throws one CheckpointError listing every problem: an architecture mismatch first (with the arch to
 * set), then missing keys, wrong shapes, unexpected keys and non-finite values. A pos_embed grid that
 * differs from imageSize / patchSize is fine (it is resampled).
 */
export function checkBackbone(backbone: TensorMap, cfg: ViTConfig, file: string): void {
  const problems: string[] = [];
  const arch = architectureMismatch(backbone, cfg);
  if (arch) problems.push(arch.summary);

  const pos = backbone.get('pos_embed');
  let grid = posEmbedGrid(pos?.shape ?? []);
  if (pos && grid === undefined) {
    problems.push(
      `'pos_embed' has shape ${formatShape(pos.shape)}, which is not (1, 1 + g*g, ${cfg.embedDim})`,
    );
  }
  grid ??= cfg.imageSize / cfg.patchSize;

  const expected = expectedBackboneShapes(cfg, grid);
  for (const [key, shape] of expected) {
    const t = backbone.get(key);
    if (!t) problems.push(`missing key '${key}' (expected shape ${formatShape(shape)})`);
    else if (!sameShape(t.shape, shape) && !(key === 'pos_embed' && posEmbedGrid(t.shape) === undefined)) {
      problems.push(`'${key}' has shape ${formatShape(t.shape)}, expected ${formatShape(shape)}`);
    }
  }
  for (const [key, t] of backbone) {
    if (!expected.has(key)) {
      problems.push(
        `unexpected key '${key}' ${formatShape(t.shape)}: not part of a ${cfg.depth}-block timm ViT`,
      );
    }
  }
  for (const [key, t] of backbone) {
    const bad = nonFinite(t);
    if (bad) {
      problems.push(
        `'${key}' holds ${bad.count} non-finite value${bad.count > 1 ? 's' : ''} (first: ${bad.value} at ${unravel(bad.first, t.shape)})`,
      );
    }
  }
  if (problems.length === 0) return;
  const listed = problems.slice(0, MAX_LISTED);
  const more = problems.length - listed.length;
  const text =
    `the backbone weights do not fit backbone.arch (${problems.length} problem${problems.length > 1 ? 's' : ''}):\n` +
    listed.map((p) => `  - ${p}`).join('\n') +
    (more > 0 ? `\n  - ... and ${more} more` : '');
  throw new CheckpointError(file, text, arch?.fix);
}
