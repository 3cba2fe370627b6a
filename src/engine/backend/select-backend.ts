import * as fs from 'node:fs';
import * as path from 'node:path';
import { AUTO_ORDER, BACKEND_PACKAGES, type BackendName, type BackendRequest } from '../../config/backends';
import { requireNativeAddon } from '../native/native-addon';
import { tf } from '../tf';
import { findCudaLibraries } from './cuda-libs';
import { requireInstalled, resolvePackageJson } from './load-package';
import {
  resolveWasmThreads,
  wasmThreadsInUse,
  wasmThreadsUnavailable,
  withWasmThreads,
} from './wasm-threads';
import {
  adapterName,
  adapterRefusal,
  describeAdapter,
  NO_ADAPTER,
  openWebGpu,
  softwareAdapterAllowed,
  WEBGPU_SOFTWARE_ENV,
} from './webgpu-adapter';

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
async function tryBackend(
  name: BackendName,
  explicit: boolean,
  options: BackendOptions,
  log: LogFn,
): Promise<string> {
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
      // A software adapter (lavapipe) needs no device node; only an explicit request may opt in to one.
      const softwareOk = explicit && softwareAdapterAllowed();
      if (!softwareOk && !gpuDeviceNodePresent()) {
        const optIn = explicit ? `; a software adapter (lavapipe) needs ${WEBGPU_SOFTWARE_ENV}=1` : '';
        throw new Error(`no GPU device (no /dev/dri render node or /dev/nvidia*)${optIn}`);
      }
      if (!resolvePackageJson(pkg)) throw new Error(`${pkg} is not installed`);
      const { gpu, globals, adapter } = await openWebGpu();
      if (!adapter) throw new Error(NO_ADAPTER);
      const info = describeAdapter(adapter);
      const refusal = adapterRefusal(info, explicit);
      if (refusal) throw new Error(refusal);
      Object.assign(globalThis, globals);
      Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
      requireInstalled(pkg);
      await activate(tfName);
      return info.software
        ? `${adapterName(info)}, a software adapter (${WEBGPU_SOFTWARE_ENV}=1)`
        : adapterName(info);
    }
    case 'native': {
      // Training steps on the native kernels (throws why they did not load); tfjs on wasm for the rest.
      const native = requireNativeAddon();
      const wasm = await tryBackend('wasm', explicit, options, log);
      return `training steps on ${native.reason}; tfjs on wasm (${wasm})`;
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
 * Chooses the compute backend. `auto` tries tensorflow-gpu, tensorflow, webgpu, native, then wasm and logs
 * why each skipped one was skipped; a named backend is used or the call fails with the reason.
 * `auto` never takes a software WebGPU adapter; `webgpu` takes one only with SPT_WEBGPU_SOFTWARE=1.
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
      const reason = await tryBackend(name, request !== 'auto', options, log);
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
