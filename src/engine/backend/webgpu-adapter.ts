/**
 * The WebGPU adapter that Dawn (npm `webgpu`) offers on this machine: who made it, whether it is a
 * software (fallback) adapter such as Mesa's lavapipe, and the limits that size buffers; and the rule
 * that decides whether the webgpu backend may use it. Shared by the backend selection, `spt doctor`
 * and any engine code that sizes its work by the adapter's limits. No tfjs import here.
 */

import type { WebGpuAdapterInfo } from '../../shared/doctor-report';
import { importInstalled } from './load-package';

/** `SPT_WEBGPU_SOFTWARE=1`: an explicit `device.backend: webgpu` may run on a software adapter. */
export const WEBGPU_SOFTWARE_ENV = 'SPT_WEBGPU_SOFTWARE';

export type { WebGpuAdapterInfo };

/** The adapter, or why there is none. */
export type AdapterProbe =
  | { adapter: WebGpuAdapterInfo; reason?: undefined }
  | { adapter: null; reason: string };

/** The parts of a GPUAdapter this module reads (Dawn's objects, typed loosely). */
export interface GpuAdapterLike {
  isFallbackAdapter?: boolean;
  info?: {
    vendor?: string;
    architecture?: string;
    device?: string;
    description?: string;
    isFallbackAdapter?: boolean;
  };
  limits?: Record<string, unknown>;
  features?: Iterable<string>;
}

export interface DawnGpu {
  requestAdapter(): Promise<GpuAdapterLike | null>;
}

export interface OpenedWebGpu {
  /** `navigator.gpu` for tfjs-backend-webgpu. */
  gpu: DawnGpu;
  /** Dawn's WebGPU globals (GPUBufferUsage, ...), to install on globalThis before tfjs-webgpu loads. */
  globals: Record<string, unknown>;
  adapter: GpuAdapterLike | null;
}

const SOFTWARE_NAMES = /llvmpipe|lavapipe|swiftshader/i;

/** Reads Dawn's adapter into plain data (pure: no GPU call). */
export function describeAdapter(adapter: GpuAdapterLike): WebGpuAdapterInfo {
  const info = adapter.info ?? {};
  const limits = adapter.limits ?? {};
  const num = (k: string) => (typeof limits[k] === 'number' ? (limits[k] as number) : 0);
  const isFallbackAdapter = Boolean(adapter.isFallbackAdapter || info.isFallbackAdapter);
  const names = [info.vendor, info.architecture, info.device, info.description].join(' ');
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    isFallbackAdapter,
    software: isFallbackAdapter || SOFTWARE_NAMES.test(names) || info.architecture === 'software',
    limits: {
      maxBufferSize: num('maxBufferSize'),
      maxStorageBufferBindingSize: num('maxStorageBufferBindingSize'),
      maxStorageBuffersPerShaderStage: num('maxStorageBuffersPerShaderStage'),
      maxComputeWorkgroupStorageSize: num('maxComputeWorkgroupStorageSize'),
      maxComputeInvocationsPerWorkgroup: num('maxComputeInvocationsPerWorkgroup'),
    },
    features: adapter.features ? [...adapter.features].sort() : [],
  };
}

/** "mesa software llvmpipe-... (llvmpipe: Mesa 25.0.7 ...)": who the adapter is, in one phrase. */
export function adapterName(a: WebGpuAdapterInfo): string {
  const what = [a.vendor, a.architecture, a.device].filter(Boolean).join(' ') || 'unnamed adapter';
  return a.description && a.description !== a.device ? `${what} (${a.description})` : what;
}

const bytes = (n: number): string => {
  if (n >= 2 ** 30) return `${+(n / 2 ** 30).toFixed(1)} GiB`;
  if (n >= 2 ** 20) return `${+(n / 2 ** 20).toFixed(1)} MiB`;
  return `${n} B`;
};

/** The adapter, whether it is a fallback, and the limits that size buffers, in one line. */
export function adapterSummary(a: WebGpuAdapterInfo): string {
  const fallback = a.isFallbackAdapter
    ? 'fallback (software) adapter'
    : a.software
      ? 'software adapter (not flagged as fallback)'
      : 'hardware adapter (not a fallback)';
  return `${adapterName(a)}; ${fallback}; maxBufferSize ${bytes(a.limits.maxBufferSize)}, maxStorageBufferBindingSize ${bytes(a.limits.maxStorageBufferBindingSize)}`;
}

/** Whether `SPT_WEBGPU_SOFTWARE` opts in to software adapters (1, true or yes). */
export function softwareAdapterAllowed(env: NodeJS.ProcessEnv = process.env): boolean {
  return /^(1|true|yes)$/i.test((env[WEBGPU_SOFTWARE_ENV] ?? '').trim());
}

/**
 * Why the webgpu backend must not use this adapter, or undefined when it may. `auto` (explicit false)
 * never takes a software adapter: it is slower than wasm. An explicit `device.backend: webgpu` takes
 * one only with SPT_WEBGPU_SOFTWARE=1 (tests on machines without a GPU).
 */
export function adapterRefusal(
  a: WebGpuAdapterInfo,
  explicit: boolean,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (!a.software) return undefined;
  if (explicit && softwareAdapterAllowed(env)) return undefined;
  const base = `only a software WebGPU adapter (${adapterName(a)}), slower than wasm`;
  return explicit
    ? `${base}; set ${WEBGPU_SOFTWARE_ENV}=1 to use it anyway (for tests)`
    : `${base}; auto never picks one (device.backend: webgpu with ${WEBGPU_SOFTWARE_ENV}=1 uses it)`;
}

let opened: Promise<OpenedWebGpu> | undefined;

/**
 * Creates Dawn's GPU object and requests its default adapter, once per process (the Vulkan loader
 * reads VK_ICD_FILENAMES when Dawn starts, so set it before the first call). Throws when the `webgpu`
 * package is not installed.
 */
export function openWebGpu(): Promise<OpenedWebGpu> {
  if (opened) return opened;
  const p = (async () => {
    const dawn = (await importInstalled('webgpu')) as {
      create: (flags: string[]) => DawnGpu;
      globals: Record<string, unknown>;
    };
    const gpu = dawn.create([]);
    const adapter = await gpu.requestAdapter();
    return { gpu, globals: dawn.globals, adapter };
  })();
  opened = p;
  p.catch(() => {
    opened = undefined; // not installed now: let a later call try again
  });
  return p;
}

/** Why Dawn found no adapter, in words that say what to install. */
export const NO_ADAPTER =
  'no WebGPU adapter (no Vulkan/Metal/D3D12 GPU driver found; on Linux without a GPU, Mesa lavapipe >= 25 gives a software one)';

/** The adapter Dawn offers here (vendor, architecture, fallback or not, limits), or why there is none. */
export async function adapterInfo(): Promise<AdapterProbe> {
  try {
    const { adapter } = await openWebGpu();
    return adapter ? { adapter: describeAdapter(adapter) } : { adapter: null, reason: NO_ADAPTER };
  } catch (err) {
    return { adapter: null, reason: err instanceof Error ? err.message : String(err) };
  }
}
