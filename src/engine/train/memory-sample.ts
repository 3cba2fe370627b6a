/**
 * What a run's process holds in memory, sampled per metric line for the dashboard's system panel (W&B's
 * "system" charts): the process's resident set and the bytes held by TensorFlow.js tensors on the active
 * backend (for WebGPU and CUDA that is device memory; the backend's own pools and caches are not counted).
 */
import { tf } from '../tf';

const MiB = 1024 * 1024;

export interface MemorySample {
  /** Resident set size of the trainer process, MiB. */
  rss_mb: number;
  /** Bytes held by live TensorFlow.js tensors on the backend, MiB. */
  tensor_mb: number;
}

export function sampleMemory(): MemorySample {
  return { rss_mb: round1(process.memoryUsage.rss() / MiB), tensor_mb: round1(tf.memory().numBytes / MiB) };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
