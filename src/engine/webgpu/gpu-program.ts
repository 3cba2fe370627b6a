/**
 * A fixed list of compute dispatches over fixed buffers: pipelines are compiled once per kernel
 * variant, every dispatch's uniforms live in one uniform buffer (a 256-byte slice each, written once
 * when the program is built) and its bind group is created once. Running the program is then only
 * setPipeline / setBindGroup / dispatchWorkgroups per dispatch inside one compute pass: no allocation,
 * no uniform upload, no shader-key lookup on the hot path (tfjs-backend-webgpu does all of those per op).
 */
import type { Binding, KernelSource } from './wgsl-kernels';

/** The WebGPU objects this module needs (Dawn's, via the npm `webgpu` package; no DOM types). */
// biome-ignore lint/suspicious/noExplicitAny: WebGPU objects come from Dawn without bundled types
export type Gpu = any;

const USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80 } as const;
export const BUFFER_USAGE = USAGE;

export interface Dispatch {
  kernel: KernelSource;
  buffers: Gpu[];
  uniform: Record<string, number>;
  workgroups: [number, number, number];
}

interface Compiled {
  pipeline: Gpu;
  layout: Gpu;
}

const SLICE = 256;

export class PipelineCache {
  private readonly compiled = new Map<string, Compiled>();
  constructor(private readonly device: Gpu) {}

  get(k: KernelSource): Compiled {
    let c = this.compiled.get(k.key);
    if (!c) {
      const layout = this.device.createBindGroupLayout({
        entries: k.bindings.map((b: Binding, i: number) => ({
          binding: i,
          visibility: 4, // GPUShaderStage.COMPUTE
          buffer: { type: b === 'uniform' ? 'uniform' : b === 'read' ? 'read-only-storage' : 'storage' },
        })),
      });
      const module = this.device.createShaderModule({ code: k.code, label: k.key });
      const pipeline = this.device.createComputePipeline({
        label: k.key,
        layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
        compute: { module, entryPoint: 'main' },
      });
      c = { pipeline, layout };
      this.compiled.set(k.key, c);
    }
    return c;
  }

  get size(): number {
    return this.compiled.size;
  }
}

/** Packs one dispatch's uniform fields (u32, or f32 for names declared `name:f`). */
export function packUniform(k: KernelSource, values: Record<string, number>): ArrayBuffer {
  const buf = new ArrayBuffer(Math.max(16, Math.ceil((k.fields.length * 4) / 16) * 16));
  const u = new Uint32Array(buf);
  const f = new Float32Array(buf);
  k.fields.forEach((field, i) => {
    const isFloat = field.endsWith(':f');
    const name = isFloat ? field.slice(0, -2) : field;
    const v = values[name] ?? 0;
    if (!isFloat && (!Number.isInteger(v) || v < 0 || v > 0xffffffff))
      throw new Error(`${k.key}: uniform ${name} = ${v} is not a u32`);
    if (isFloat) f[i] = v;
    else u[i] = v;
  });
  return buf;
}

export class GpuProgram {
  private readonly uniforms: Gpu;
  private readonly bound: { pipeline: Gpu; group: Gpu; wg: [number, number, number] }[] = [];
  /** Uniform slices that change between runs (AdamW's learning-rate terms), by dispatch index. */
  private readonly slots = new Map<number, KernelSource>();

  constructor(
    private readonly device: Gpu,
    cache: PipelineCache,
    readonly dispatches: Dispatch[],
    readonly label: string,
  ) {
    this.uniforms = device.createBuffer({
      label: `${label}:uniforms`,
      size: Math.max(SLICE, dispatches.length * SLICE),
      usage: USAGE.UNIFORM | USAGE.COPY_DST,
    });
    const all = new Uint8Array(Math.max(SLICE, dispatches.length * SLICE));
    dispatches.forEach((d, i) => {
      const packed = new Uint8Array(packUniform(d.kernel, d.uniform));
      if (packed.byteLength > SLICE) throw new Error(`${d.kernel.key}: uniform block over ${SLICE} bytes`);
      all.set(packed, i * SLICE);
      const { pipeline, layout } = cache.get(d.kernel);
      if (d.buffers.length !== d.kernel.bindings.length - 1)
        throw new Error(
          `${d.kernel.key}: ${d.buffers.length} buffers for ${d.kernel.bindings.length - 1} bindings`,
        );
      const group = device.createBindGroup({
        layout,
        entries: [
          { binding: 0, resource: { buffer: this.uniforms, offset: i * SLICE, size: SLICE } },
          ...d.buffers.map((buffer, j) => ({ binding: j + 1, resource: { buffer } })),
        ],
      });
      this.bound.push({ pipeline, group, wg: d.workgroups });
    });
    device.queue.writeBuffer(this.uniforms, 0, all);
  }

  /** Marks dispatch i's uniform as rewritten per run (see `setUniform`). */
  slot(i: number): void {
    this.slots.set(i, this.dispatches[i].kernel);
  }

  setUniform(i: number, values: Record<string, number>): void {
    const k = this.slots.get(i);
    if (!k) throw new Error(`${this.label}: dispatch ${i} has no rewritable uniform`);
    this.device.queue.writeBuffer(this.uniforms, i * SLICE, packUniform(k, values));
  }

  /** Records every dispatch into `pass` (one compute pass: WebGPU orders the dispatches' memory). */
  encode(pass: Gpu): void {
    let last: Gpu;
    for (const b of this.bound) {
      if (b.pipeline !== last) pass.setPipeline(b.pipeline);
      last = b.pipeline;
      pass.setBindGroup(0, b.group);
      pass.dispatchWorkgroups(b.wg[0], b.wg[1], b.wg[2]);
    }
  }

  get length(): number {
    return this.bound.length;
  }

  destroy(): void {
    this.uniforms.destroy();
  }
}

/** Workgroup grid for `n` units (rows, or 256-thread groups), under the 65,535-per-dimension limit. */
export function grid(n: number): [number, number, number] {
  const x = Math.min(Math.max(1, n), 65535);
  return [x, Math.ceil(Math.max(1, n) / x), 1];
}
