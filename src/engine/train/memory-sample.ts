/**
 * What a run's process holds in memory, sampled per metric line for the dashboard's system panel (W&B's
 * "system" charts): the process's resident set and the bytes held by TensorFlow.js tensors on the active
 * backend (for WebGPU and CUDA that is device memory; the backend's own pools and caches are not counted),
 * and, when the fused step engine trains the run (src/engine/webgpu), the bytes of its buffers.
 */
import { tf } from '../tf';

const MiB = 1024 * 1024;

export interface MemorySample {
  /** Resident set size of the trainer process, MiB. */
  rss_mb: number;
  /** Bytes held by live TensorFlow.js tensors on the backend, MiB. */
  tensor_mb: number;
  /** Bytes of the fused step engine's buffers (WebGPU device memory, or host memory for the native
   * engine), MiB; absent when the steps run as TensorFlow.js ops. */
  engine_mb?: number;
}

/** The memory now; `engineBytes`: what the fused step engine holds, when one trains the run. */
export function sampleMemory(engineBytes?: number): MemorySample {
  const sample: MemorySample = {
    rss_mb: round1(process.memoryUsage.rss() / MiB),
    tensor_mb: round1(tf.memory().numBytes / MiB),
  };
  if (engineBytes !== undefined) sample.engine_mb = round1(engineBytes / MiB);
  return sample;
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
