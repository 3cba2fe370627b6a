/**
 * Threads for the wasm backend in Node.
 *
 * tfjs-backend-wasm ships a threaded SIMD build but turns it off in Node (tfjs#3830): its feature flag
 * answers false there, it hands Emscripten the pthread worker script as a Blob URL, which Node's
 * worker_threads cannot load, and XNNPACK's pool is capped at half the logical cores. Around the
 * backend's initialisation (and only then) this module turns the flag on, writes the worker script to
 * a private temporary folder with its loader pointed at the shipped `tfjs-backend-wasm-threaded-simd.js`
 * (dist/wasm, or the package's wasm-out when run from source), hands Emscripten that file's path, and
 * lifts the cap. XNNPACK then runs matrix products and convolutions on `threads` worker threads.
 *
 * The numbers do not depend on the thread count: XNNPACK splits an output into tiles and each tile is
 * computed whole, in the same order, by one thread (test/unit/engine/wasm-threads.test.ts compares a
 * training run on 1 and 2 threads bit for bit).
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import type * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic } from '../../run-folder/atomic-write';
import { tf } from '../tf';
import { resolvePackageJson } from './load-package';

/** Emscripten's pthread pool holds 8 workers: more threads than that would wait for one. */
export const MAX_WASM_THREADS = 8;

const THREADED_JS = 'tfjs-backend-wasm-threaded-simd.js';
const THREADED_WASM = 'tfjs-backend-wasm-threaded-simd.wasm';

const nodeOs = createRequire(__filename)('node:os') as typeof os;

/** Below this token width the matrix products are too small for threads to pay (bench: the demo's 64). */
export const MIN_THREADED_WIDTH = 128;

/**
 * Threads for `device.threads`: the number asked for, or (null) one per logical core, at most 8, and
 * one for a backbone narrower than MIN_THREADED_WIDTH.
 */
export function resolveWasmThreads(requested: number | null | undefined, modelWidth?: number): number {
  const cores =
    typeof nodeOs.availableParallelism === 'function' ? nodeOs.availableParallelism() : nodeOs.cpus().length;
  const auto = modelWidth !== undefined && modelWidth < MIN_THREADED_WIDTH ? 1 : cores;
  const n = requested ?? auto;
  return Math.max(1, Math.min(MAX_WASM_THREADS, Math.floor(n)));
}

/** The threaded build's main script: next to the bundle (dist/wasm) or in the package's wasm-out. */
export function threadedScriptPath(): { file: string | null; looked: string[] } {
  const looked = [path.join(__dirname, 'wasm', THREADED_JS)];
  const pkg = resolvePackageJson('@tensorflow/tfjs-backend-wasm');
  if (pkg) looked.push(path.join(path.dirname(pkg), 'wasm-out', THREADED_JS));
  return { file: looked.find((f) => fs.existsSync(f)) ?? null, looked };
}

/** Why threads cannot run here, or null when they can. */
export function wasmThreadsUnavailable(binaryDir: string): string | null {
  if (typeof SharedArrayBuffer === 'undefined') return 'this runtime has no SharedArrayBuffer';
  if (!fs.existsSync(path.join(binaryDir, THREADED_WASM)))
    return `${THREADED_WASM} is missing from ${binaryDir}`;
  const { file, looked } = threadedScriptPath();
  if (!file) return `${THREADED_JS} was not found (looked in ${looked.join(', ')})`;
  return null;
}

let scratch: string | null = null;

/** A private folder for the patched worker script, removed when the process exits. */
function scratchDir(): string {
  if (scratch) return scratch;
  const dir = fs.mkdtempSync(path.join(nodeOs.tmpdir(), 'spt-wasm-threads-'));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  scratch = dir;
  return dir;
}

const WORKER_LOADER =
  /if\(typeof e\.data\.urlOrBlob=="string"\)\{importScripts\(e\.data\.urlOrBlob\)\}else\{[^}]*\}/;

/**
 * Runs `init` (which must make the wasm backend current: `tf.setBackend('wasm')` and `tf.ready()`)
 * with `threads` XNNPACK threads. The patches it needs are in place only while `init` runs.
 */
export async function withWasmThreads<T>(threads: number, init: () => Promise<T>): Promise<T> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const { file: mainScript, looked } = threadedScriptPath();
  if (!mainScript) throw new Error(`${THREADED_JS} was not found (looked in ${looked.join(', ')})`);
  const OrigBlob = globalThis.Blob;
  const origCreate = URL.createObjectURL;
  const origCpus = nodeOs.cpus;
  const texts = new WeakMap<Blob, string>();
  // The worker script reaches Emscripten as a Blob of one string: keep the text to rewrite it.
  class RecordingBlob extends OrigBlob {
    constructor(parts?: BlobPart[], opts?: BlobPropertyBag) {
      super(parts, opts);
      if (parts?.every((p) => typeof p === 'string')) texts.set(this, (parts as string[]).join(''));
    }
  }
  globalThis.Blob = RecordingBlob as typeof Blob;
  URL.createObjectURL = (obj: Blob) => {
    const text = texts.get(obj);
    if (text === undefined || !text.includes('urlOrBlob')) return origCreate(obj);
    const patched = text.replace(WORKER_LOADER, `importScripts(${JSON.stringify(mainScript)});`);
    if (patched === text) {
      throw new Error(
        `the worker script of @tensorflow/tfjs-backend-wasm changed and the thread patch no longer applies; set device.threads: 1`,
      );
    }
    const workerPath = path.join(scratchDir(), 'tfjs-backend-wasm-threaded-simd.worker.js');
    writeFileAtomic(workerPath, patched);
    return workerPath;
  };
  // XNNPACK's pool is capped at half the logical cores (os.cpus() in Node), read while the backend starts.
  nodeOs.cpus = () => {
    const cpus = origCpus();
    return Array.from({ length: Math.max(cpus.length, 2 * threads) }, (_, i) => cpus[i % cpus.length]);
  };
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(threads);
  try {
    const result = await init();
    letProcessExit();
    return result;
  } finally {
    globalThis.Blob = OrigBlob;
    URL.createObjectURL = origCreate;
    nodeOs.cpus = origCpus;
  }
}

interface PThreadWorker {
  ref?: () => void;
  unref?: () => void;
}

/**
 * XNNPACK's pool threads wait for work forever and Emscripten refs a worker while its thread runs, so
 * the process would never exit on its own: the workers must not keep it alive (the main thread waits for
 * them inside every kernel call, never through the event loop).
 */
function letProcessExit(): void {
  const module = (tf.backend() as unknown as { wasm?: { PThread?: Record<string, unknown> } }).wasm;
  const pthread = module?.PThread;
  if (!pthread) throw new Error('the threaded wasm module exposes no PThread: cannot release its workers');
  const workers = [pthread.unusedWorkers, pthread.runningWorkers].flatMap((w) =>
    Array.isArray(w) ? (w as PThreadWorker[]) : [],
  );
  for (const w of workers) {
    w.ref = () => {};
    w.unref?.();
  }
}

/** XNNPACK's thread count once the wasm backend runs (1 for the single-threaded build). */
export async function wasmThreadsInUse(): Promise<number> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  return wasm.getThreadsCount();
}
