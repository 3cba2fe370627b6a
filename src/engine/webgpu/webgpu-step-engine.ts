/**
 * The step engine on WebGPU (docs/ARCHITECTURE.md, "The WebGPU step engine"): the shared engine
 * (./step-engine.ts) with the WebGPU executor (./webgpu-executor.ts), micro-batches sized to the
 * adapter's buffer limits and a memory budget.
 */
import type { PromptedViT } from '../model/prompted-vit';
import type { AdamW } from '../train/adamw';
import { stepEngineUnsupported, vitDims } from './host-weights';
import { StepEngine, type StepEngineOptions } from './step-engine';
import { activationFootprint, type VitDims } from './vit-buffers';
import { type GpuLimits, WebGpuExecutor } from './webgpu-executor';

export type { StepEngineOptions, StepEngineStats, StepResult } from './step-engine';

/** Largest micro-batch whose activations fit the budget and whose largest buffer fits one binding. */
export function chooseGpuMicroBatch(
  dims: VitDims,
  batch: number,
  limits: GpuLimits,
  budget: number,
  cap?: number | null,
): number {
  const f = activationFootprint(dims);
  const bindingCap = Math.floor(
    Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize) / f.largestPerImage,
  );
  const budgetCap = Math.floor(budget / f.perImage);
  const m = Math.min(batch, cap ?? batch, bindingCap, budgetCap);
  if (m < 1)
    throw new Error(
      `one image's activations (${(f.largestPerImage / 2 ** 20).toFixed(1)} MB in one buffer, ${(f.perImage / 2 ** 20).toFixed(0)} MB in all) exceed the GPU's limits`,
    );
  return m;
}

/** Opens a GPUDevice and builds the engine's buffers on it. */
async function create(model: PromptedViT, opt: AdamW, opts: StepEngineOptions): Promise<StepEngine> {
  const why = stepEngineUnsupported(model);
  if (why) throw new Error(`the WebGPU step engine cannot train this model: ${why}`);
  const exec = await WebGpuExecutor.open();
  const dims = vitDims(model);
  const envBudget = Number(process.env.SPT_WEBGPU_MEMORY_MB);
  const budget = opts.memoryBudget ?? (envBudget > 0 ? envBudget * 2 ** 20 : 10 * 2 ** 30);
  let micro: number;
  try {
    micro = chooseGpuMicroBatch(dims, opts.batch, exec.limits, budget, opts.microBatch);
  } catch (err) {
    exec.destroy();
    throw err;
  }
  const engine = await StepEngine.open(exec, model, opt, opts, dims, micro);
  const st = engine.stats();
  opts.log?.(
    `webgpu step engine: ${st.adapter}; micro-batch ${micro} of ${opts.batch}; ${(engine.trainableValues / 1e3).toFixed(1)}k trainable values on the GPU`,
  );
  return engine;
}

export const WebGpuStepEngine = { create, unsupported: stepEngineUnsupported };
