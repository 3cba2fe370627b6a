/**
 * The report of `spt doctor` (`--json`): which compute backends are installed and load here, the CUDA
 * libraries, the WebGPU adapter, the CPU training path. A contract between the engine, which makes it
 * (engine/backend/doctor.ts), and the extension, which renders it (extension/backends/doctor-markdown.ts).
 * Types only.
 */
import type { BackendName } from '../config/backends';

export interface WebGpuAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** What Dawn reports as `isFallbackAdapter`. */
  isFallbackAdapter: boolean;
  /** A fallback adapter, or one whose name is a known software rasteriser (lavapipe, llvmpipe, SwiftShader). */
  software: boolean;
  limits: {
    maxBufferSize: number;
    maxStorageBufferBindingSize: number;
    maxStorageBuffersPerShaderStage: number;
    maxComputeWorkgroupStorageSize: number;
    maxComputeInvocationsPerWorkgroup: number;
  };
  features: string[];
}

export interface BackendStatus {
  name: BackendName;
  package: string;
  /** Installed version, or null. */
  version: string | null;
  /** Whether it initialised here (checked in a child process so one backend cannot poison the next). */
  loads: boolean;
  detail: string;
  /** How to make it work when it does not. */
  hint?: string;
}

export interface DoctorReport {
  node: string;
  platform: string;
  cpus: number;
  backends: BackendStatus[];
  cuda: { driver?: string; gpus: string[]; required: string[]; missing: string[] };
  /** What `backend: auto` picks here. */
  autoChoice?: BackendName;
  webgpu?: WebGpuReport;
  cpu?: CpuPathReport;
}

/** Which CPU training path runs here: the native step engine, or wasm and why not native. */
export interface CpuPathReport {
  path: 'native' | 'wasm';
  /** The binary that loaded, or null. */
  binary: string | null;
  /** What loaded (BLAS, CPU kernels, file), or why the native engine did not. */
  detail: string;
  /** Every file looked at and what happened. */
  tried: { path: string; error: string }[];
}

export interface WebGpuReport {
  /** The adapter Dawn offers here, or null. */
  adapter: WebGpuAdapterInfo | null;
  /** The adapter in one line (vendor, architecture, device, fallback or not, buffer limits), or why there is none. */
  summary: string;
  /** SPT_WEBGPU_SOFTWARE is set: an explicit `device.backend: webgpu` may use a software adapter. */
  softwareOptIn: boolean;
  /** Why `backend: auto` picks webgpu here or not, and what an explicit `webgpu` gets. */
  choice: string;
}
