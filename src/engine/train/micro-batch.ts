/**
 * Micro-batch size from a memory budget: the activations kept for the backward pass grow with the
 * batch, and the wasm heap stops at 4 GiB. The effective batch stays `batch_size` (gradients are
 * accumulated over the micro-batches and weighted by their size).
 */
import type { ViTConfig } from '../model/vit-config';

/** Rough bytes of activations one image keeps for the backward pass (float32). */
export function activationBytesPerImage(cfg: ViTConfig, promptLength: number): number {
  const L = 1 + promptLength + (cfg.imageSize / cfg.patchSize) ** 2;
  const D = cfg.embedDim;
  // per block: ~14 [L, D] tensors (norms, qkv, attention output, MLP 4D in and out) + 3 [H, L, L] (scores, probs, grads)
  return 4 * cfg.depth * (14 * L * D + 3 * cfg.numHeads * L * L);
}

export function defaultMemoryBudget(backend: string): number {
  return backend === 'wasm' ? 1.5 * 2 ** 30 : 3 * 2 ** 30;
}

export function chooseMicroBatch(
  batchSize: number,
  cfg: ViTConfig,
  promptLength: number,
  budgetBytes: number,
): number {
  const per = activationBytesPerImage(cfg, promptLength);
  return Math.max(1, Math.min(batchSize, Math.floor(budgetBytes / per)));
}

/** [start, end) chunks of a batch of n for micro-batches of size m. */
export function microChunks(n: number, m: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < n; s += m) out.push([s, Math.min(n, s + m)]);
  return out;
}
