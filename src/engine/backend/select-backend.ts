import * as fs from 'node:fs';
import * as path from 'node:path';
import { tf } from '../tf';
import { AUTO_ORDER, BACKEND_PACKAGES, type BackendName, type BackendRequest } from './backend-names';
import { findCudaLibraries } from './cuda-libs';
import { importInstalled, requireInstalled, resolvePackageJson } from './load-package';
import {
  resolveWasmThreads,
  wasmThreadsInUse,
  wasmThreadsUnavailable,
  withWasmThreads,
} from './wasm-threads';

export interface BackendAttempt {
  name: BackendName;
  ok: boolean;
  /** Why it was skipped, or what was chosen (device, version). */
  reason: string;
  ms: number;
}

export interface BackendChoice {
  name: BackendName;
  attempts: BackendAttempt[];
}

export type LogFn = (level: 'info' | 'warn' | 'debug', message: string) => void;

export interface BackendOptions {
  /** XNNPACK threads of the wasm backend (`device.threads`); null or absent: one per core, at most 8. */
  threads?: number | null;
  /** The backbone's token width: automatic threads stay at one for narrow models. */
  modelWidth?: number;
}

/** Where the wasm binaries are: next to the bundle (dist/wasm) or in the package's dist folder. */
export function wasmBinaryDir(): string {
  const candidates = [path.join(__dirname, 'wasm')];
  const pkgJson = resolvePackageJson('@tensorflow/tfjs-backend-wasm');
  if (pkgJson) candidates.push(path.join(path.dirname(pkgJson), 'dist'));
  const dir = candidates.find((d) => fs.existsSync(path.join(d, 'tfjs-backend-wasm-simd.wasm')));
  if (!dir) throw new Error(`the wasm binaries were not found (looked in ${candidates.join(', ')})`);
  return `${dir}${path.sep}`;
}

interface GpuAdapterLike {
  isFallbackAdapter?: boolean;
  info?: {
    vendor?: string;
    architecture?: string;
    device?: string;
    description?: string;
    isFallbackAdapter?: boolean;
  };
}

/** On Linux a usable GPU shows up as a device node; elsewhere let Dawn decide. */
export function gpuDeviceNodePresent(): boolean {
  if (process.platform !== 'linux') return true;
  const has = (dir: string, re: RegExp) => {
    try {
      return fs.readdirSync(dir).some((f) => re.test(f));
    } catch {
      return false;
    }
  };
  return has('/dev/dri', /^renderD\d+$/) || has('/dev', /^nvidia\d+$/);
}

async function activate(tfName: string): Promise<void> {
  const ok = await tf.setBackend(tfName);
  if (!ok) throw new Error(`tf.setBackend('${tfName}') failed to initialise`);
  await tf.ready();
}

/** Loads one backend and makes it current; throws with the reason when it cannot. */
async function tryBackend(name: BackendName, options: BackendOptions, log: LogFn): Promise<string> {
  const { pkg, tfName, extra } = BACKEND_PACKAGES[name];
  switch (name) {
    case 'tensorflow-gpu': {
      if (!resolvePackageJson(pkg)) throw new Error(`${pkg} is not installed`);
      const cuda = findCudaLibraries();
      if (!cuda.driver) throw new Error('no NVIDIA driver (nvidia-smi not found or failed)');
      if (cuda.missing.length) throw new Error(`CUDA/cuDNN libraries missing: ${cuda.missing.join(', ')}`);
      requireInstalled(pkg);
      await activate(tfName);
      return `${cuda.gpus.join(', ')} (driver ${cuda.driver})`;
    }
    case 'tensorflow': {
      if (!resolvePackageJson(pkg)) throw new Error(`${pkg} is not installed`);
      requireInstalled(pkg);
      await activate(tfName);
      return 'libtensorflow on the CPU';
    }
    case 'webgpu': {
      if (!extra || !resolvePackageJson(extra)) throw new Error(`${extra} (Dawn for Node) is not installed`);
      if (!gpuDeviceNodePresent()) throw new Error('no GPU device (no /dev/dri render node or /dev/nvidia*)');
      if (!resolvePackageJson(pkg)) throw new Error(`${pkg} is not installed`);
      const dawn = (await importInstalled(extra)) as {
        create: (flags: string[]) => {
          requestAdapter(): Promise<GpuAdapterLike | null>;
        };
        globals: Record<string, unknown>;
      };
      const gpu = dawn.create([]);
      const adapter = await gpu.requestAdapter();
      if (!adapter) throw new Error('no WebGPU adapter (no Vulkan/Metal/D3D12 GPU driver found)');
      const what = [
        adapter.info?.vendor,
        adapter.info?.architecture,
        adapter.info?.device,
        adapter.info?.description,
      ]
        .filter(Boolean)
        .join(' ');
      if (
        adapter.isFallbackAdapter ||
        adapter.info?.isFallbackAdapter ||
        /llvmpipe|lavapipe|swiftshader/i.test(what)
      ) {
        throw new Error(`only a software WebGPU adapter (${what || 'fallback'}), slower than wasm`);
      }
      Object.assign(globalThis, dawn.globals);
      Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
      requireInstalled(pkg);
      await activate(tfName);
      return what || 'WebGPU adapter';
    }
    case 'wasm': {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      const dir = wasmBinaryDir();
      wasm.setWasmPaths(dir);
      const threads = resolveWasmThreads(options.threads, options.modelWidth);
      let note = '';
      if (threads > 1) {
        const unavailable = wasmThreadsUnavailable(dir);
        try {
          if (unavailable) throw new Error(unavailable);
          await withWasmThreads(threads, () => activate(tfName));
        } catch (err) {
          // The single-threaded build computes the same numbers, only slower.
          const why = err instanceof Error ? err.message : String(err);
          note = `; threads off: ${why}`;
          log('warn', `backend: wasm threads unavailable, using one thread (${why})`);
          tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
          await activate(tfName);
        }
      } else {
        tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
        await activate(tfName);
      }
      const used = await wasmThreadsInUse();
      const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'on' : 'off';
      return `XNNPACK, SIMD ${simd}, ${used} thread${used === 1 ? '' : 's'}${note}`;
    }
    case 'cpu': {
      await import('@tensorflow/tfjs-backend-cpu');
      await activate(tfName);
      return 'pure JavaScript (slow: about 200x PyTorch)';
    }
  }
}

/**
 * Chooses the compute backend. `auto` tries tensorflow-gpu, tensorflow, webgpu, then wasm and logs
 * why each skipped one was skipped; a named backend is used or the call fails with the reason.
 */
export async function selectBackend(
  request: BackendRequest,
  log: LogFn = () => {},
  options: BackendOptions = {},
): Promise<BackendChoice> {
  // PROD drops tfjs's debug checks and its "install tfjs-node" banner.
  tf.env().set('PROD', true);
  const order = request === 'auto' ? AUTO_ORDER : [request];
  const attempts: BackendAttempt[] = [];
  for (const name of order) {
    const t0 = Date.now();
    try {
      const reason = await tryBackend(name, options, log);
      attempts.push({ name, ok: true, reason, ms: Date.now() - t0 });
      log('info', `backend: using ${name} (${reason})`);
      return { name, attempts };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      attempts.push({ name, ok: false, reason, ms: Date.now() - t0 });
      log(request === 'auto' ? 'info' : 'warn', `backend: skipped ${name}: ${reason}`);
    }
  }
  const why = attempts.map((a) => `  ${a.name}: ${a.reason}`).join('\n');
  throw new Error(`no compute backend could be loaded (asked for '${request}'):\n${why}`);
}
