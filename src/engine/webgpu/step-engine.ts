/**
 * Training steps of a prompted ViT without tfjs in the hot path (docs/ARCHITECTURE.md, "The WebGPU step
 * engine" and "The native CPU step engine"): one dispatch plan (vit-step-plan.ts) run by an executor,
 * WebGPU's (./webgpu-step-engine.ts) or the native CPU kernels' (../native/native-step-engine.ts). The
 * engine owns the trainable parameters and AdamW's moments on the device while it trains; `syncTo`
 * writes them back into the tfjs model and optimizer before anything else reads them (checkpoints,
 * validation, analysis), and `reload` takes them from there after a restore.
 *
 * A step: per micro-batch, upload the images and labels and run the forward and backward dispatches
 * (built once per batch size); then AdamW and the finite check; then one read of the losses,
 * predictions and the finite flag.
 */
import type { HostTensor } from '../checkpoint/host-tensor';
import type { PromptedViT } from '../model/prompted-vit';
import { tf } from '../tf';
import type { AdamW } from '../train/adamw';
import { microChunks } from '../train/micro-batch';
import { backboneToHost, stepEngineUnsupported, trainableToHost } from './host-weights';
import type { StepExecutor, StepProgram } from './step-executor';
import { VitBuffers, type VitDims } from './vit-buffers';
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
  /** Micro-batch cap (train.micro_batch); the engine may go lower to fit the device's limits. */
  microBatch?: number | null;
  /** Activation memory budget in bytes (default: SPT_WEBGPU_MEMORY_MB / SPT_NATIVE_MEMORY_MB, else per engine). */
  memoryBudget?: number;
  nanCheck: boolean;
  log?: (msg: string) => void;
}

export interface StepEngineStats {
  /** Dispatches of one step (all micro-batches and the update). */
  dispatchesPerStep: number;
  /** Milliseconds of the last step spent on the CPU issuing it: encoding (webgpu), or computing it (native). */
  encodeMs: number;
  microBatch: number;
  /** Kernel variants compiled (WebGPU pipelines, native kernel codes). */
  pipelines: number;
  /** The device in words. */
  adapter: string;
  engine: StepExecutor['kind'];
}

interface Plan {
  chunks: [number, number][];
  programs: StepProgram[];
  update: StepProgram;
}

export class StepEngine {
  private readonly plans = new Map<number, Plan>();
  private dirty = false;
  private step = 0;
  private lastEncodeMs = 0;
  private lastDispatches = 0;

  protected constructor(
    protected readonly exec: StepExecutor,
    protected readonly bufs: VitBuffers,
    private readonly opts: StepEngineOptions,
    private readonly adam: Omit<AdamTerms, 'lr' | 'step'>,
  ) {}

  /** Why `model` cannot use a step engine, or null. */
  static unsupported(model: PromptedViT): string | null {
    return stepEngineUnsupported(model);
  }

  /** Uploads the backbone and the trainable state onto `exec`'s device for micro-batches of `micro`. */
  static async open(
    exec: StepExecutor,
    model: PromptedViT,
    opt: AdamW,
    opts: StepEngineOptions,
    dims: VitDims,
    micro: number,
  ): Promise<StepEngine> {
    const host = await backboneToHost(model);
    const bufs = await exec.allocate(
      () => new VitBuffers(exec.device, dims, host, micro, opts.batch),
      (why) =>
        `the ${exec.kind === 'webgpu' ? 'GPU' : 'host'} could not hold the step's buffers for micro-batch ${micro} (${why}); set train.micro_batch lower or ${exec.kind === 'webgpu' ? 'SPT_WEBGPU_MEMORY_MB' : 'SPT_NATIVE_MEMORY_MB'}`,
    );
    const engine = new StepEngine(exec, bufs, opts, adamGroups(model, opt));
    await engine.reload(model, opt);
    return engine;
  }

  /** Bytes of the step's buffers (backbone, trainable state, activations, gradients) on the device. */
  get bufferBytes(): number {
    return this.bufs.bytes;
  }

  /** Trainable values held on the device (prompts, head weight, head bias). */
  get trainableValues(): number {
    return this.bufs.paramCount;
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
    const q = this.exec.device.queue;
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
      const programs = chunks.map(([s, e], i) =>
        this.exec.compile(
          microBatchDispatches(this.bufs, { b: e - s, start: s, batch }),
          `step:${batch}:${i}`,
        ),
      );
      const update = this.exec.compile(updateDispatches(this.bufs, this.opts.nanCheck), 'update');
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
    const q = this.exec.device.queue;
    const t0 = performance.now();
    let dispatches = 0;
    this.exec.begin();
    plan.chunks.forEach(([s, e], i) => {
      q.writeBuffer(this.bufs.t.images, 0, images.subarray(s * per, e * per));
      q.writeBuffer(this.bufs.t.labels, 0, Uint32Array.from(labels.slice(s, e)));
      this.exec.run(plan.programs[i], i === 0 ? this.bufs.grads : undefined);
      dispatches += plan.programs[i].length;
    });
    this.step++;
    plan.update.setUniform(0, adamUniform(this.bufs, { ...this.adam, lr, step: this.step }));
    this.exec.run(plan.update);
    dispatches += plan.update.length;
    this.lastEncodeMs = performance.now() - t0;
    this.lastDispatches = dispatches;
    this.dirty = true;
    await this.exec.end('step');
    const v = await this.exec.read(this.bufs.readback, [{ buffer: this.bufs.t.stats, floats: 2 * B + 1 }]);
    let loss = 0;
    let correct = 0;
    for (let i = 0; i < B; i++) {
      loss += v[i];
      if (v[B + i] === labels[i]) correct++;
    }
    return { loss: loss / B, correct, paramsFinite: !this.opts.nanCheck || v[2 * B] === 1 };
  }

  /**
   * The last step's gradients (summed over its micro-batches), flat in AdamW.params() order: prompt sets
   * (S, N, D), head weight [D, C], head bias. For checks against PyTorch's gradients.
   */
  async gradients(): Promise<Float32Array> {
    return this.exec.read(this.bufs.readback, [{ buffer: this.bufs.grads, floats: this.bufs.paramCount }]);
  }

  /** Writes the device's parameters and AdamW state into the tfjs model and optimizer (when changed). */
  async syncTo(opt: AdamW): Promise<void> {
    if (!this.dirty) return;
    const n = this.bufs.paramCount;
    const all = await this.exec.read(this.bufs.readback, [
      { buffer: this.bufs.params, floats: n },
      { buffer: this.bufs.m, floats: n },
      { buffer: this.bufs.v, floats: n },
    ]);
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
    if (off !== n) throw new Error(`step engine: ${off} optimizer values for ${n} on the device`);
    opt.loadState(state, this.step);
    this.dirty = false;
  }

  stats(): StepEngineStats {
    return {
      dispatchesPerStep: this.lastDispatches,
      encodeMs: this.lastEncodeMs,
      microBatch: this.bufs.micro,
      pipelines: this.exec.kernels,
      adapter: this.exec.description,
      engine: this.exec.kind,
    };
  }

  dispose(): void {
    for (const p of this.plans.values()) {
      for (const g of p.programs) g.destroy();
      p.update.destroy();
    }
    this.bufs.destroy();
    this.exec.destroy();
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
