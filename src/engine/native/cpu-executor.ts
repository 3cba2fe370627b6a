/**
 * The step engine's executor on the CPU: the plan's buffers are Float32Arrays of a stand-in device
 * (`createBuffer` allocates one, `queue.writeBuffer` copies bytes into it), and running a program calls
 * the native kernel of each dispatch with its packed uniform block and its buffers' memory: no copy per
 * op, the tensors stay where the kernels run. The kernels' uniform fields and buffer counts are checked
 * against the plan's when a program is compiled (a stale binary fails there, not in a kernel).
 */
import { type Dispatch, type Gpu, packUniform } from '../webgpu/gpu-program';
import type { StepExecutor, StepProgram } from '../webgpu/step-executor';
import type { KernelSource } from '../webgpu/wgsl-kernels';
import type { NativeAddon } from './native-addon';

export interface CpuBuffer {
  label: string;
  data: Float32Array;
  destroy(): void;
}

/** createBuffer / queue.writeBuffer on host memory, as VitBuffers and the engine's uploads call them. */
export class CpuDevice {
  bytes = 0;

  createBuffer(d: { label?: string; size: number }): CpuBuffer {
    const data = new Float32Array(Math.ceil(d.size / 4));
    this.bytes += data.byteLength;
    const buf: CpuBuffer = {
      label: d.label ?? '',
      data,
      destroy: () => {
        this.bytes -= buf.data.byteLength;
        buf.data = new Float32Array(0);
      },
    };
    return buf;
  }

  readonly queue = {
    writeBuffer: (buf: CpuBuffer, offset: number, src: ArrayBufferView): void => {
      if (offset + src.byteLength > buf.data.byteLength)
        throw new Error(
          `writeBuffer: ${src.byteLength} bytes at ${offset} past ${buf.label} (${buf.data.byteLength})`,
        );
      new Uint8Array(buf.data.buffer, buf.data.byteOffset + offset, src.byteLength).set(
        new Uint8Array(src.buffer, src.byteOffset, src.byteLength),
      );
    },
  };
}

/** Milliseconds and calls per kernel key while SPT_NATIVE_PROFILE=1 (the bench's step profile). */
const profile = new Map<string, { ms: number; calls: number }>();

/** The kernel times collected since the last call (SPT_NATIVE_PROFILE=1), and starts afresh. */
export function takeNativeProfile(): Record<string, { ms: number; calls: number }> {
  const out = Object.fromEntries(profile);
  profile.clear();
  return out;
}

interface Op {
  kernel: KernelSource;
  code: number;
  uniform: ArrayBuffer;
  z: number;
  buffers: CpuBuffer[];
}

class CpuProgram implements StepProgram {
  private readonly slots = new Set<number>();

  constructor(
    private readonly addon: NativeAddon,
    private readonly ops: Op[],
    readonly label: string,
  ) {}

  get length(): number {
    return this.ops.length;
  }

  slot(i: number): void {
    this.slots.add(i);
  }

  setUniform(i: number, values: Record<string, number>): void {
    if (!this.slots.has(i)) throw new Error(`${this.label}: dispatch ${i} has no rewritable uniform`);
    const op = this.ops[i];
    op.uniform = packUniform(op.kernel, values);
  }

  run(): void {
    const run = this.addon.run;
    if (process.env.SPT_NATIVE_PROFILE === '1') {
      this.runProfiled();
      return;
    }
    for (const op of this.ops) {
      // Each buffer's current array: a destroyed one is empty, and its bounds check fails.
      try {
        run(op.code, op.uniform, op.z, ...op.buffers.map((b) => b.data));
      } catch (err) {
        throw new Error(`${this.label}: ${op.kernel.key}: ${err instanceof Error ? err.message : err}`);
      }
    }
  }

  private runProfiled(): void {
    for (const op of this.ops) {
      const t0 = performance.now();
      this.addon.run(op.code, op.uniform, op.z, ...op.buffers.map((b) => b.data));
      const p = profile.get(op.kernel.key) ?? { ms: 0, calls: 0 };
      p.ms += performance.now() - t0;
      p.calls++;
      profile.set(op.kernel.key, p);
    }
  }

  destroy(): void {
    this.ops.length = 0;
  }
}

export class CpuExecutor implements StepExecutor {
  readonly kind = 'native';
  readonly device = new CpuDevice();
  private readonly codes = new Map<string, number>();

  constructor(
    private readonly addon: NativeAddon,
    readonly threads: number,
    readonly description: string,
  ) {}

  get kernels(): number {
    return this.codes.size;
  }

  /** The kernel's code, after checking that the binary's uniform layout and buffers are the plan's. */
  private code(k: KernelSource): number {
    let c = this.codes.get(k.key);
    if (c === undefined) {
      c = this.addon.kernelCode(k.key);
      const info = this.addon.kernelInfo(c);
      const fields = k.fields.join(',');
      if (info.fields !== fields)
        throw new Error(
          `native kernel ${k.key}: the binary reads uniform fields ${info.fields}, the plan packs ${fields}: rebuild it (npm run build:native)`,
        );
      if (info.buffers !== k.bindings.length - 1)
        throw new Error(
          `native kernel ${k.key}: ${info.buffers} buffers in the binary, ${k.bindings.length - 1} in the plan`,
        );
      this.codes.set(k.key, c);
    }
    return c;
  }

  compile(dispatches: Dispatch[], label: string): StepProgram {
    const ops = dispatches.map((d): Op => {
      if (d.buffers.length !== d.kernel.bindings.length - 1)
        throw new Error(
          `${d.kernel.key}: ${d.buffers.length} buffers for ${d.kernel.bindings.length - 1} bindings`,
        );
      const buffers = d.buffers as CpuBuffer[];
      return {
        kernel: d.kernel,
        code: this.code(d.kernel),
        uniform: packUniform(d.kernel, d.uniform),
        // the GEMM's batch count is its grid's z; the row kernels bound themselves by their uniforms
        z: d.kernel.key.startsWith('gemm:') ? d.workgroups[2] : 1,
        buffers,
      };
    });
    return new CpuProgram(this.addon, ops, label);
  }

  run(program: StepProgram, clear?: Gpu): void {
    // The pool is one per process: another engine may have set another count (a no-op when equal).
    this.addon.setThreads(this.threads);
    if (clear) (clear as CpuBuffer).data.fill(0);
    (program as CpuProgram).run();
  }

  async read(_staging: Gpu, sources: { buffer: Gpu; floats: number }[]): Promise<Float32Array> {
    const out = new Float32Array(sources.reduce((s, x) => s + x.floats, 0));
    let off = 0;
    for (const s of sources) {
      out.set((s.buffer as CpuBuffer).data.subarray(0, s.floats), off);
      off += s.floats;
    }
    return out;
  }

  begin(): void {}

  async end(_what: string): Promise<void> {}

  async allocate<T extends { destroy(): void }>(make: () => T, fail: (why: string) => string): Promise<T> {
    try {
      return make();
    } catch (err) {
      throw new Error(fail(err instanceof Error ? err.message : String(err)));
    }
  }

  destroy(): void {}
}
