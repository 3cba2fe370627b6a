/**
 * Stochastic depth in the frozen backbone (`train.drop_path`), as timm's `DropPath` in its ViT blocks
 * (the SPT authors train with drop_path 0.1 and the backbone in train mode): each block's attention and
 * MLP branch is dropped per sample with the block's rate p_i, kept branches scaled by 1 / (1 - p_i), the
 * rates rising linearly over the blocks, `torch.linspace(0, drop_path, depth)` (block 0 never drops).
 * Training steps only; evaluation, analysis and prediction are deterministic.
 *
 * The masks are drawn on the host from a stream keyed by the seed, the epoch and the step in the epoch,
 * for the whole batch at once: a resumed run draws the same masks, and micro-batching does not change them.
 */
import { type Tensor, tf } from '../tf';
import { Rng } from '../util/rng';

/** Per-sample scales of one block's two residual branches, each [b, 1, 1]: 0 (dropped) or 1/(1-p). */
export interface BlockDropPath {
  attn: Tensor;
  mlp: Tensor;
}

/** Where a training step is: the masks' key. `epoch` and `step` are 0-based (the step within the epoch). */
export interface DropPathKey {
  seed: number;
  epoch: number;
  step: number;
}

/** timm's per-block rates, torch.linspace(0, rate, depth). */
export function dropPathRates(rate: number, depth: number): number[] {
  if (depth <= 1) return [0];
  return Array.from({ length: depth }, (_, i) => (rate * i) / (depth - 1));
}

/**
 * The scales of a batch of B samples, [depth, 2, B] (branch 0 attention, 1 MLP): 0 or 1/(1 - p_i),
 * 1 for blocks whose rate is 0. Null when `rate` is 0 (nothing is dropped).
 */
export function dropPathScales(
  rate: number,
  depth: number,
  B: number,
  key: DropPathKey,
): Float32Array | null {
  if (!(rate > 0)) return null;
  if (rate >= 1) throw new Error(`train.drop_path must be below 1, got ${rate}`);
  const rng = new Rng(`${key.seed}:drop-path:${key.epoch}:${key.step}`);
  const rates = dropPathRates(rate, depth);
  const out = new Float32Array(depth * 2 * B).fill(1);
  for (let i = 0; i < depth; i++) {
    const keep = 1 - rates[i];
    if (keep === 1) continue;
    for (let j = 0; j < 2 * B; j++) out[i * 2 * B + j] = rng.uniform() < keep ? 1 / keep : 0;
  }
  return out;
}

/**
 * Samples [s, e) of `scales` ([depth, 2, B]) as per-block tensors (null for a block that never drops).
 * The caller disposes them (`disposeDropPath`) after the step's backward pass.
 */
export function dropPathTensors(
  scales: Float32Array,
  depth: number,
  B: number,
  s: number,
  e: number,
): (BlockDropPath | null)[] {
  const branch = (i: number, k: number) =>
    tf.tensor3d(scales.slice((i * 2 + k) * B + s, (i * 2 + k) * B + e), [e - s, 1, 1]);
  return Array.from({ length: depth }, (_, i) => {
    // all scales 1: the block's rate is 0 (a kept branch of a dropping block is scaled by 1/(1-p) > 1)
    const never = scales.subarray(i * 2 * B, (i + 1) * 2 * B).every((v) => v === 1);
    return never ? null : { attn: branch(i, 0), mlp: branch(i, 1) };
  });
}

export function disposeDropPath(drop: readonly (BlockDropPath | null)[] | undefined): void {
  for (const d of drop ?? []) if (d) tf.dispose([d.attn, d.mlp]);
}
