/**
 * The step engine on the CPU (docs/ARCHITECTURE.md, "The native CPU step engine"): the WebGPU engine's
 * plan and step code (../webgpu/step-engine.ts) run by the native kernels (./cpu-executor.ts) on
 * `device.threads` threads. Micro-batches follow a host memory budget (SPT_NATIVE_MEMORY_MB, default
 * 4 GiB of activations) and train.micro_batch.
 */
import * as os from 'node:os';
import type { PromptedViT } from '../model/prompted-vit';
import type { AdamW } from '../train/adamw';
import { stepEngineUnsupported, vitDims } from '../webgpu/host-weights';
import { StepEngine, type StepEngineOptions } from '../webgpu/step-engine';
import { activationFootprint, type VitDims } from '../webgpu/vit-buffers';
import { CpuExecutor } from './cpu-executor';
import { requireNativeAddon } from './native-addon';

export const NATIVE_DEFAULT_MEMORY = 4 * 2 ** 30;

/** `device.threads`, or one per core (null), within the pool's 64. */
export function resolveNativeThreads(threads: number | null | undefined): number {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(64, threads ?? cores));
}

/** The largest micro-batch whose activations fit the budget (at least one image). */
export function chooseNativeMicroBatch(
  dims: VitDims,
  batch: number,
  budget: number,
  cap?: number | null,
): number {
  const per = activationFootprint(dims).perImage;
  return Math.max(1, Math.min(batch, cap ?? batch, Math.floor(budget / per)));
}

/** A CPU executor on the loaded addon with `threads` threads (throws why the addon did not load). */
export function openCpuExecutor(threads: number | null | undefined): CpuExecutor {
  const { addon, reason } = requireNativeAddon();
  const n = addon.setThreads(resolveNativeThreads(threads));
  return new CpuExecutor(addon, n, `${reason}, ${n} thread${n === 1 ? '' : 's'}`);
}

export interface NativeStepEngineOptions extends StepEngineOptions {
  /** device.threads (null: one per core). */
  threads?: number | null;
}

async function create(model: PromptedViT, opt: AdamW, opts: NativeStepEngineOptions): Promise<StepEngine> {
  const why = stepEngineUnsupported(model);
  if (why) throw new Error(`the native step engine cannot train this model: ${why}`);
  const exec = openCpuExecutor(opts.threads);
  const dims = vitDims(model);
  const envBudget = Number(process.env.SPT_NATIVE_MEMORY_MB);
  const budget = opts.memoryBudget ?? (envBudget > 0 ? envBudget * 2 ** 20 : NATIVE_DEFAULT_MEMORY);
  const micro = chooseNativeMicroBatch(dims, opts.batch, budget, opts.microBatch);
  const engine = await StepEngine.open(exec, model, opt, opts, dims, micro);
  opts.log?.(
    `native step engine: ${exec.description}; micro-batch ${micro} of ${opts.batch}; ${(exec.device.bytes / 2 ** 20).toFixed(0)} MiB of buffers`,
  );
  return engine;
}

export const NativeStepEngine = { create, unsupported: stepEngineUnsupported };
