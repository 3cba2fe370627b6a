/**
 * What runs the step engine's plan (vit-step-plan.ts): the same dispatch list, on the GPU through WebGPU
 * (./webgpu-executor.ts) or on the CPU through the native kernels (../native/cpu-executor.ts). The
 * engine (./step-engine.ts) only builds programs, runs them in order, uploads and reads back.
 */
import type { Dispatch, Gpu } from './gpu-program';

/** A compiled dispatch list. */
export interface StepProgram {
  readonly length: number;
  /** Marks dispatch i's uniform as rewritten between runs (AdamW's learning-rate terms). */
  slot(i: number): void;
  setUniform(i: number, values: Record<string, number>): void;
  destroy(): void;
}

export interface StepExecutor {
  /** Which engine this is, for logs: 'webgpu' or 'native'. */
  readonly kind: 'webgpu' | 'native';
  /** The device in words (the adapter; the BLAS and the thread count). */
  readonly description: string;
  /**
   * The device the buffers live on: `createBuffer({ label, size, usage })` and
   * `queue.writeBuffer(buffer, offset, data)`, all that VitBuffers and the uploads use.
   */
  readonly device: Gpu;
  /** Kernel variants compiled so far (WebGPU pipelines; native kernel codes). */
  readonly kernels: number;
  compile(dispatches: Dispatch[], label: string): StepProgram;
  /** Runs a program after everything run before it; `clear` is zeroed first. */
  run(program: StepProgram, clear?: Gpu): void;
  /** The first `floats` of each source, back to back (through `staging` where the device needs it). */
  read(staging: Gpu, sources: { buffer: Gpu; floats: number }[]): Promise<Float32Array>;
  /** Starts collecting the errors of what runs next (WebGPU validation); `end` throws them. */
  begin(): void;
  end(what: string): Promise<void>;
  /** Makes the buffers with `make`; an allocation the device refuses throws `fail(reason)`. */
  allocate<T extends { destroy(): void }>(make: () => T, fail: (why: string) => string): Promise<T>;
  destroy(): void;
}
