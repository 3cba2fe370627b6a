/**
 * Runs tfjs-backend-wasm's threaded SIMD build in Node (tfjs turns threads off there: its worker and
 * main script are handed to Emscripten as Blob URLs, which Node's worker_threads cannot load).
 * The patch writes both scripts to a temporary folder and hands Emscripten their paths instead.
 * Call before tf.setBackend('wasm'); returns the thread count XNNPACK's pool got.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolvePackageJson } from '../src/engine/backend/load-package';
import { tf } from '../src/engine/tf';

export async function enableWasmThreads(threads: number): Promise<() => void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-wasm-threads-'));
  const OrigBlob = globalThis.Blob;
  const origCreate = URL.createObjectURL;
  const texts = new WeakMap<Blob, string>();
  let mainPath: string | undefined;
  // Emscripten's own file when the package is on disk; else the factory's source as tfjs hands it over,
  // which still names the rollup bundle's module variables.
  const pkg = resolvePackageJson('@tensorflow/tfjs-backend-wasm');
  const file = pkg && path.join(path.dirname(pkg), 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js');
  const original = file && fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
  const prelude =
    "var require$$0=require('fs'),require$$1=require('path'),require$$3=require('perf_hooks'),require$$4=require('os'),commonjsGlobal=globalThis;";
  class RecordingBlob extends OrigBlob {
    constructor(parts: BlobPart[], opts?: BlobPropertyBag) {
      super(parts, opts);
      const text = parts.every((p) => typeof p === 'string') ? (parts as string[]).join('') : undefined;
      if (text !== undefined) texts.set(this, text);
      if (text?.startsWith('var WasmBackendModuleThreadedSimd')) {
        mainPath = path.join(dir, 'tfjs-backend-wasm-threaded-simd.js');
        fs.writeFileSync(mainPath, original ?? prelude + text);
      }
    }
  }
  globalThis.Blob = RecordingBlob as typeof Blob;
  URL.createObjectURL = (obj: Blob) => {
    const text = texts.get(obj);
    if (text === undefined || !mainPath || !text.includes('urlOrBlob')) return origCreate(obj);
    const patched = text.replace(
      /if\(typeof e\.data\.urlOrBlob=="string"\)\{importScripts\(e\.data\.urlOrBlob\)\}else\{[^}]*\}/,
      `importScripts(${JSON.stringify(mainPath)});`,
    );
    if (patched === text)
      throw new Error('tfjs wasm worker script changed: the thread patch no longer applies');
    const workerPath = path.join(dir, 'tfjs-backend-wasm-threaded-simd.worker.js');
    fs.writeFileSync(workerPath, patched);
    return workerPath;
  };
  // tfjs caps the pool at navigator.hardwareConcurrency / 2 (os.cpus().length in Node), read once at start-up.
  // The module object itself (an `import * as` namespace is a copy).
  const osModule = createRequire(__filename)('node:os') as typeof os;
  const origCpus = osModule.cpus;
  osModule.cpus = () => {
    const cpus = origCpus();
    return Array.from({ length: Math.max(cpus.length, 2 * threads) }, (_, i) => cpus[i % cpus.length]);
  };
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(threads);
  return () => {
    globalThis.Blob = OrigBlob;
    URL.createObjectURL = origCreate;
    osModule.cpus = origCpus;
  };
}
