/**
 * Micro-batch size from a memory budget: the activations kept for the backward pass grow with the
 * batch, and the wasm heap stops at 4 GiB. The effective batch stays `batch_size` (gradients are
 * accumulated over the micro-batches and weighted by their size).
 */
import type { ViTConfig } from '../../config/architectures';

/**
 * Bytes of wasm heap one image of a training step needs (float32), an upper bound for frozen backbones.
 * Calibrated by `npm run bench` (docs/PERFORMANCE.md), which measures the peak heap of one training step
 * at several batch sizes: ~22 [L, D] tensors and one [H, L, L] map per block and image (the nine tensors a
 * frozen block saves, the transients of the block being run and the allocator's slack); 24 and 2 leave a
 * margin. Full fine-tuning (autodiff through every op) needs several times more.
 */
export function activationBytesPerImage(cfg: ViTConfig, promptLength: number): number {
  const L = 1 + promptLength + (cfg.imageSize / cfg.patchSize) ** 2;
  const D = cfg.embedDim;
  return 4 * cfg.depth * (24 * L * D + 2 * cfg.numHeads * L * L);
}

/** tfjs's budget: on native, tfjs runs on wasm (4 GiB heap) like the wasm backend. */
export function defaultMemoryBudget(backend: string): number {
  return backend === 'wasm' || backend === 'native' ? 1.5 * 2 ** 30 : 3 * 2 ** 30;
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
