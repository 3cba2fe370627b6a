/**
 * The step engine's executor on WebGPU: its own GPUDevice on the adapter the webgpu backend found,
 * programs compiled once into pipelines, uniform slices and bind groups (gpu-program.ts), one compute
 * pass per run, read-backs through the mappable staging buffer.
 */
import { type Dispatch, type Gpu, GpuProgram, PipelineCache } from './gpu-program';
import type { StepExecutor, StepProgram } from './step-executor';

interface NavigatorGpu {
  requestAdapter(opts?: unknown): Promise<Gpu | null>;
}

export interface GpuLimits {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
}

export class WebGpuExecutor implements StepExecutor {
  readonly kind = 'webgpu';
  private readonly cache: PipelineCache;

  private constructor(
    readonly device: Gpu,
    readonly description: string,
    readonly limits: GpuLimits,
  ) {
    this.cache = new PipelineCache(device);
  }

  /** A GPUDevice on the adapter the webgpu backend found (navigator.gpu), with the adapter's buffer limits. */
  static async open(): Promise<WebGpuExecutor> {
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
    return new WebGpuExecutor(device, name || 'WebGPU adapter', {
      maxStorageBufferBindingSize: Number(lim.maxStorageBufferBindingSize),
      maxBufferSize: Number(lim.maxBufferSize),
    });
  }

  get kernels(): number {
    return this.cache.size;
  }

  compile(dispatches: Dispatch[], label: string): StepProgram {
    return new GpuProgram(this.device, this.cache, dispatches, label);
  }

  run(program: StepProgram, clear?: Gpu): void {
    const enc = this.device.createCommandEncoder();
    if (clear) enc.clearBuffer(clear);
    const pass = enc.beginComputePass();
    (program as GpuProgram).encode(pass);
    pass.end();
    this.device.queue.submit([enc.finish()]);
  }

  async read(staging: Gpu, sources: { buffer: Gpu; floats: number }[]): Promise<Float32Array> {
    const enc = this.device.createCommandEncoder();
    let bytes = 0;
    for (const s of sources) {
      enc.copyBufferToBuffer(s.buffer, 0, staging, bytes, 4 * s.floats);
      bytes += 4 * s.floats;
    }
    this.device.queue.submit([enc.finish()]);
    await staging.mapAsync(1 /* GPUMapMode.READ */, 0, bytes);
    const out = new Float32Array(staging.getMappedRange(0, bytes).slice(0));
    staging.unmap();
    return out;
  }

  begin(): void {
    this.device.pushErrorScope('validation');
  }

  async end(what: string): Promise<void> {
    const err = await this.device.popErrorScope();
    if (err) throw new Error(`WebGPU ${what} failed: ${err.message}`);
  }

  async allocate<T extends { destroy(): void }>(make: () => T, fail: (why: string) => string): Promise<T> {
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    const made = make();
    const validation = await this.device.popErrorScope();
    const oom = await this.device.popErrorScope();
    if (oom || validation) {
      made.destroy();
      this.device.destroy();
      throw new Error(fail((oom ?? validation).message));
    }
    return made;
  }

  destroy(): void {
    this.device.destroy();
  }
}
