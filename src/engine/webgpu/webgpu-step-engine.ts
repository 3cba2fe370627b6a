/**
 * Training steps of a prompted ViT on WebGPU without tfjs in the hot path (docs/ARCHITECTURE.md,
 * "The WebGPU step engine"). The engine owns the trainable parameters and AdamW's moments on the GPU
 * while it trains; `syncTo` writes them back into the tfjs model and optimizer before anything else
 * reads them (checkpoints, validation, analysis), and `reload` takes them from there after a restore.
 *
 * A step: per micro-batch, upload the images and labels, encode the forward and backward dispatches
 * (one compute pass, built once per batch size) and submit; then AdamW and the finite check; then one
 * read of the losses, predictions and the finite flag.
 */
import type { HostTensor } from '../checkpoint/host-tensor';
import type { PromptedViT } from '../model/prompted-vit';
import { tf } from '../tf';
import type { AdamW } from '../train/adamw';
import { microChunks } from '../train/micro-batch';
import { type Gpu, GpuProgram, PipelineCache } from './gpu-program';
import { backboneToHost, stepEngineUnsupported, trainableToHost, vitDims } from './host-weights';
import { activationFootprint, VitBuffers, type VitDims } from './vit-buffers';
import { type AdamTerms, adamUniform, microBatchDispatches, updateDispatches } from './vit-step-plan';

/** AdamW's constants and the decay of each flat segment: [prompts, head weight, head bias]. */
function adamGroups(model: PromptedViT, opt: AdamW): Omit<AdamTerms, 'lr' | 'step'> {
  const decayOf = (v: unknown) => opt.groups.find((g) => g.params.includes(v as never))?.weightDecay;
  const prompts = model.prompts?.sets[0];
  const decay: [number, number, number] = [
    prompts ? (decayOf(prompts) ?? 0) : 0,
    decayOf(model.head.w) ?? 0,
    decayOf(model.head.b) ?? 0,
  ];
  const order = opt.params();
  const expected = [...(model.prompts?.sets ?? []), model.head.w, model.head.b];
  if (order.length !== expected.length || order.some((p, i) => p !== expected[i]))
    throw new Error('the step engine expects AdamW over prompts, head weight and head bias, in that order');
  return { beta1: opt.beta1, beta2: opt.beta2, eps: opt.eps, decay };
}

export interface StepResult {
  loss: number;
  correct: number;
  paramsFinite: boolean;
}

export interface StepEngineOptions {
  /** The batch size of every step. */
  batch: number;
  /** Micro-batch cap (train.micro_batch); the engine may go lower to fit the adapter's limits. */
  microBatch?: number | null;
  /** Activation memory budget in bytes (default: SPT_WEBGPU_MEMORY_MB, else 10 GiB). */
  memoryBudget?: number;
  nanCheck: boolean;
  log?: (msg: string) => void;
}

export interface StepEngineStats {
  /** Dispatches of one step (all micro-batches and the update). */
  dispatchesPerStep: number;
  /** CPU milliseconds spent encoding the last step's command buffers. */
  encodeMs: number;
  microBatch: number;
  pipelines: number;
  adapter: string;
}

interface Plan {
  chunks: [number, number][];
  programs: GpuProgram[];
  update: GpuProgram;
}

interface NavigatorGpu {
  requestAdapter(opts?: unknown): Promise<Gpu | null>;
}

/** The GPUDevice for the step engine, on the adapter the webgpu backend found (navigator.gpu). */
async function openDevice(): Promise<{
  device: Gpu;
  adapter: string;
  limits: { maxStorageBufferBindingSize: number; maxBufferSize: number };
}> {
  const gpu = (globalThis as { navigator?: { gpu?: NavigatorGpu } }).navigator?.gpu;
  if (!gpu) throw new Error('WebGPU is not initialised (select the webgpu backend first)');
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('no WebGPU adapter');
  const lim = adapter.limits;
  const requiredLimits = {
    maxStorageBufferBindingSize: lim.maxStorageBufferBindingSize,
    maxBufferSize: lim.maxBufferSize,
    maxComputeWorkgroupStorageSize: Math.min(lim.maxComputeWorkgroupStorageSize, 32768),
    maxStorageBuffersPerShaderStage: Math.min(lim.maxStorageBuffersPerShaderStage, 10),
  };
  const device = await adapter.requestDevice({ requiredLimits });
  const info = adapter.info ?? {};
  const name = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
  return {
    device,
    adapter: name || 'WebGPU adapter',
    limits: {
      maxStorageBufferBindingSize: Number(lim.maxStorageBufferBindingSize),
      maxBufferSize: Number(lim.maxBufferSize),
    },
  };
}

/** Largest micro-batch whose activations fit the budget and whose largest buffer fits one binding. */
export function chooseGpuMicroBatch(
  dims: VitDims,
  batch: number,
  limits: { maxStorageBufferBindingSize: number; maxBufferSize: number },
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

export class WebGpuStepEngine {
  private readonly plans = new Map<number, Plan>();
  private readonly cache: PipelineCache;
  private dirty = false;
  private step = 0;
  private lastEncodeMs = 0;
  private lastDispatches = 0;

  private constructor(
    private readonly device: Gpu,
    private readonly bufs: VitBuffers,
    private readonly opts: StepEngineOptions,
    private readonly adam: Omit<AdamTerms, 'lr' | 'step'>,
    readonly adapter: string,
  ) {
    this.cache = new PipelineCache(device);
  }

  /** Why `model` cannot use the engine, or null. */
  static unsupported(model: PromptedViT): string | null {
    return stepEngineUnsupported(model);
  }

  static async create(model: PromptedViT, opt: AdamW, opts: StepEngineOptions): Promise<WebGpuStepEngine> {
    const why = stepEngineUnsupported(model);
    if (why) throw new Error(`the WebGPU step engine cannot train this model: ${why}`);
    const { device, adapter, limits } = await openDevice();
    const dims = vitDims(model);
    const envBudget = Number(process.env.SPT_WEBGPU_MEMORY_MB);
    const budget = opts.memoryBudget ?? (envBudget > 0 ? envBudget * 2 ** 20 : 10 * 2 ** 30);
    const micro = chooseGpuMicroBatch(dims, opts.batch, limits, budget, opts.microBatch);
    const host = await backboneToHost(model);
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    const bufs = new VitBuffers(device, dims, host, micro, opts.batch);
    const validation = await device.popErrorScope();
    const oom = await device.popErrorScope();
    if (oom || validation) {
      bufs.destroy();
      device.destroy();
      throw new Error(
        `the GPU could not hold the step's buffers for micro-batch ${micro} (${(oom ?? validation).message}); set train.micro_batch lower or SPT_WEBGPU_MEMORY_MB`,
      );
    }
    const engine = new WebGpuStepEngine(device, bufs, opts, adamGroups(model, opt), adapter);
    await engine.reload(model, opt);
    opts.log?.(
      `webgpu step engine: ${adapter}; micro-batch ${micro} of ${opts.batch}; ${(bufs.paramCount / 1e3).toFixed(1)}k trainable values on the GPU`,
    );
    return engine;
  }

  /** Takes parameters and AdamW state from the tfjs model and optimizer (start, resume). */
  async reload(model: PromptedViT, opt: AdamW): Promise<void> {
    const parts = await trainableToHost(model);
    const flat = concat(parts, this.bufs.paramCount);
    const state = await opt.stateToHost();
    const moment = (kind: 'm' | 'v') =>
      concat(
        parts.map((_, i) => {
          const t = state.get(`opt.${kind}.${i}`);
          if (!t) throw new Error(`optimizer state opt.${kind}.${i} is missing`);
          return t.data as Float32Array;
        }),
        this.bufs.paramCount,
      );
    const q = this.device.queue;
    q.writeBuffer(this.bufs.params, 0, flat);
    q.writeBuffer(this.bufs.m, 0, moment('m'));
    q.writeBuffer(this.bufs.v, 0, moment('v'));
    this.step = opt.step;
    this.dirty = false;
  }

  private plan(batch: number): Plan {
    let p = this.plans.get(batch);
    if (!p) {
      const chunks = microChunks(batch, this.bufs.micro);
      const programs = chunks.map(
        ([s, e], i) =>
          new GpuProgram(
            this.device,
            this.cache,
            microBatchDispatches(this.bufs, { b: e - s, start: s, batch }),
            `step:${batch}:${i}`,
          ),
      );
      const update = new GpuProgram(
        this.device,
        this.cache,
        updateDispatches(this.bufs, this.opts.nanCheck),
        'update',
      );
      update.slot(0);
      p = { chunks, programs, update };
      this.plans.set(batch, p);
    }
    return p;
  }

  /** One optimizer step over a batch (images NHWC, normalised); reads the device once. */
  async trainStep(images: Float32Array, labels: number[], lr: number): Promise<StepResult> {
    const B = labels.length;
    if (B !== this.opts.batch)
      throw new Error(`the step engine was built for batches of ${this.opts.batch}, got ${B}`);
    const d = this.bufs.dims;
    const per = d.S * d.S * d.C;
    const plan = this.plan(B);
    const q = this.device.queue;
    const t0 = performance.now();
    let dispatches = 0;
    this.device.pushErrorScope('validation');
    plan.chunks.forEach(([s, e], i) => {
      q.writeBuffer(this.bufs.t.images, 0, images.subarray(s * per, e * per));
      q.writeBuffer(this.bufs.t.labels, 0, Uint32Array.from(labels.slice(s, e)));
      const enc = this.device.createCommandEncoder();
      if (i === 0) enc.clearBuffer(this.bufs.grads);
      const pass = enc.beginComputePass();
      plan.programs[i].encode(pass);
      pass.end();
      q.submit([enc.finish()]);
      dispatches += plan.programs[i].length;
    });
    this.step++;
    plan.update.setUniform(0, adamUniform(this.bufs, { ...this.adam, lr, step: this.step }));
    const enc = this.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    plan.update.encode(pass);
    pass.end();
    const statsBytes = 4 * (2 * B + 1);
    enc.copyBufferToBuffer(this.bufs.t.stats, 0, this.bufs.readback, 0, statsBytes);
    q.submit([enc.finish()]);
    dispatches += plan.update.length;
    this.lastEncodeMs = performance.now() - t0;
    this.lastDispatches = dispatches;
    this.dirty = true;
    const err = await this.device.popErrorScope();
    if (err) throw new Error(`WebGPU step failed: ${err.message}`);
    const v = await this.readBack(statsBytes);
    let loss = 0;
    let correct = 0;
    for (let i = 0; i < B; i++) {
      loss += v[i];
      if (v[B + i] === labels[i]) correct++;
    }
    return { loss: loss / B, correct, paramsFinite: !this.opts.nanCheck || v[2 * B] === 1 };
  }

  private async readBack(bytes: number): Promise<Float32Array> {
    const rb = this.bufs.readback;
    await rb.mapAsync(1 /* GPUMapMode.READ */, 0, bytes);
    const out = new Float32Array(rb.getMappedRange(0, bytes).slice(0));
    rb.unmap();
    return out;
  }

  /** Writes the GPU's parameters and AdamW state into the tfjs model and optimizer (when changed). */
  async syncTo(opt: AdamW): Promise<void> {
    if (!this.dirty) return;
    const n = this.bufs.paramCount;
    const enc = this.device.createCommandEncoder();
    enc.copyBufferToBuffer(this.bufs.params, 0, this.bufs.readback, 0, 4 * n);
    enc.copyBufferToBuffer(this.bufs.m, 0, this.bufs.readback, 4 * n, 4 * n);
    enc.copyBufferToBuffer(this.bufs.v, 0, this.bufs.readback, 8 * n, 4 * n);
    this.device.queue.submit([enc.finish()]);
    const all = await this.readBack(12 * n);
    const vars = opt.params();
    const state = new Map<string, HostTensor>();
    let off = 0;
    vars.forEach((p, i) => {
      const size = p.size;
      const shape = [...p.shape];
      p.assign(tf.tensor(all.subarray(off, off + size), shape));
      state.set(`opt.m.${i}`, { dtype: 'float32', shape, data: all.slice(n + off, n + off + size) });
      state.set(`opt.v.${i}`, { dtype: 'float32', shape, data: all.slice(2 * n + off, 2 * n + off + size) });
      off += size;
    });
    if (off !== n) throw new Error(`step engine: ${off} optimizer values for ${n} on the GPU`);
    opt.loadState(state, this.step);
    this.dirty = false;
  }

  stats(): StepEngineStats {
    return {
      dispatchesPerStep: this.lastDispatches,
      encodeMs: this.lastEncodeMs,
      microBatch: this.bufs.micro,
      pipelines: this.cache.size,
      adapter: this.adapter,
    };
  }

  dispose(): void {
    for (const p of this.plans.values()) {
      for (const g of p.programs) g.destroy();
      p.update.destroy();
    }
    this.bufs.destroy();
    this.device.destroy();
  }
}

function concat(parts: Float32Array[], n: number): Float32Array {
  const out = new Float32Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  if (off !== n) throw new Error(`step engine: ${off} parameter values for a layout of ${n}`);
  return out;
}
