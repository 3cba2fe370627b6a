/**
 * Micro-batch size from a memory budget: the activations kept for the backward pass grow with the
 * batch, and the wasm heap stops at 4 GiB. The effective batch stays `batch_size` (gradients are
 * accumulated over the micro-batches and weighted by their size).
 */
import { activationBytesPerImage, type ViTConfig } from '../../config/architectures';

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
