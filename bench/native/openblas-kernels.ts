/**
 * The `wasm+openblas` experiment of `npm run bench`: tfjs's wasm backend with its matrix products
 * (BatchMatMul, _FusedMatMul with a bias, the engine's SptBatchMatMul) replaced by OpenBLAS's sgemm
 * through a small N-API addon working in place on the wasm heap (zero copies). Everything else stays
 * wasm. Built on demand with g++ against the local Node headers (/usr/include/node) and Debian's
 * OpenBLAS (libopenblas-dev, OpenMP build): nothing is downloaded. Not part of the product: it shows
 * how far native GEMMs would take the CPU path (docs/PERFORMANCE.md).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { tf } from '../../src/engine/tf';

const root = path.resolve(__dirname, '..', '..');
const OUT = path.join(root, 'node_modules', '.cache', 'spt-bench', 'sgemm.node');
const OPENBLAS = '/usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblas.so.0';
const NODE_HEADERS = '/usr/include/node';
const CBLAS_HEADERS = '/usr/include/x86_64-linux-gnu/openblas-pthread';

interface Addon {
  sgemm(heap: ArrayBuffer, ...args: number[]): void;
  threads(n: number): void;
}

/** Compiles the addon (once); throws with what is missing. */
export function buildAddon(): string {
  const src = path.join(__dirname, 'sgemm.cc');
  if (fs.existsSync(OUT) && fs.statSync(OUT).mtimeMs > fs.statSync(src).mtimeMs) return OUT;
  for (const [p, what] of [
    [path.join(NODE_HEADERS, 'node_api.h'), 'Node headers (/usr/include/node: Debian libnode-dev or nodejs)'],
    [path.join(CBLAS_HEADERS, 'cblas.h'), 'cblas.h (apt-get install libopenblas-dev)'],
    [OPENBLAS, 'OpenBLAS OpenMP build (apt-get install libopenblas0-openmp)'],
  ]) {
    if (!fs.existsSync(p)) throw new Error(`cannot build the OpenBLAS addon: ${what} missing`);
  }
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  execFileSync(
    'g++',
    [
      '-O2',
      '-std=c++17',
      '-shared',
      '-fPIC',
      '-fopenmp',
      '-DNODE_GYP_MODULE_NAME=sgemm',
      `-I${NODE_HEADERS}`,
      `-I${CBLAS_HEADERS}`,
      src,
      '-o',
      OUT,
      OPENBLAS,
      `-Wl,-rpath,${path.dirname(OPENBLAS)}`,
    ],
    { stdio: 'pipe' },
  );
  return OUT;
}

interface WasmBackendLike {
  wasm: { asm?: { memory?: WebAssembly.Memory }; wasmMemory?: WebAssembly.Memory };
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

/** Replaces the wasm backend's matrix products with OpenBLAS (call after the backend is set). */
export function useOpenBlasKernels(threads: number): { addon: string; threads: number } {
  const file = buildAddon();
  const addon = createRequire(__filename)(file) as Addon;
  addon.threads(threads);
  const heapOf = (b: WasmBackendLike) => {
    const mem = b.wasm.wasmMemory ?? b.wasm.asm?.memory;
    if (!mem || !(mem.buffer instanceof ArrayBuffer))
      throw new Error('wasm+openblas needs the non-threaded wasm build');
    return mem.buffer;
  };
  const off = (b: WasmBackendLike, t: tf.TensorInfo) => b.dataIdMap.get(t.dataId).memoryOffset;

  /** op(a) @ op(b) (+ bias) over matching or broadcast (size-1) batch dimensions. */
  const product = (
    bk: WasmBackendLike,
    a: tf.TensorInfo,
    b: tf.TensorInfo,
    tA: boolean,
    tB: boolean,
    bias?: tf.TensorInfo,
  ) => {
    const ra = a.shape.length;
    const rb = b.shape.length;
    const M = tA ? a.shape[ra - 1] : a.shape[ra - 2];
    const K = tA ? a.shape[ra - 2] : a.shape[ra - 1];
    const N = tB ? b.shape[rb - 2] : b.shape[rb - 1];
    const batchA = a.shape.slice(0, -2).reduce((x, y) => x * y, 1);
    const batchB = b.shape.slice(0, -2).reduce((x, y) => x * y, 1);
    const batch = Math.max(batchA, batchB);
    const outer = (batchA >= batchB ? a : b).shape.slice(0, -2);
    const out = bk.makeOutput([...outer, M, N], 'float32');
    addon.sgemm(
      heapOf(bk),
      off(bk, a),
      off(bk, b),
      off(bk, out),
      bias ? off(bk, bias) : -1,
      M,
      N,
      K,
      tA ? 1 : 0,
      tB ? 1 : 0,
      batch,
      batchA === 1 ? 0 : M * K,
      batchB === 1 ? 0 : K * N,
      M * N,
    );
    return out;
  };

  const original = (name: string) => tf.getKernel(name, 'wasm')?.kernelFunc as tf.KernelFunc | undefined;
  const replace = (name: string, fn: (args: KernelArgs, orig?: tf.KernelFunc) => tf.TensorInfo) => {
    const orig = original(name);
    if (orig) tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({
      kernelName: name,
      backendName: 'wasm',
      kernelFunc: ((args: KernelArgs) => fn(args, orig)) as tf.KernelFunc,
    });
  };
  const batchOk = (a: tf.TensorInfo, b: tf.TensorInfo) => {
    const ba = a.shape.slice(0, -2).reduce((x, y) => x * y, 1);
    const bb = b.shape.slice(0, -2).reduce((x, y) => x * y, 1);
    return ba === bb || ba === 1 || bb === 1;
  };
  replace('BatchMatMul', (args, orig) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    if (!batchOk(a, b) || a.dtype !== 'float32' || b.dtype !== 'float32')
      return (orig as tf.KernelFunc)(args as never) as tf.TensorInfo;
    return product(
      args.backend as WasmBackendLike,
      a,
      b,
      Boolean(args.attrs?.transposeA),
      Boolean(args.attrs?.transposeB),
    );
  });
  replace('_FusedMatMul', (args, orig) => {
    const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const linear = (args.attrs?.activation ?? 'linear') === 'linear';
    const N = args.attrs?.transposeB ? b?.shape.at(-2) : b?.shape.at(-1);
    const biasOk = !bias || (bias.shape.length === 1 && bias.shape[0] === N);
    if (!a || !b || !linear || preluActivationWeights || !biasOk || !batchOk(a, b))
      return (orig as tf.KernelFunc)(args as never) as tf.TensorInfo;
    return product(
      args.backend as WasmBackendLike,
      a,
      b,
      Boolean(args.attrs?.transposeA),
      Boolean(args.attrs?.transposeB),
      bias,
    );
  });
  replace('SptBatchMatMul', (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    return product(args.backend as WasmBackendLike, a, b, false, false);
  });
  return { addon: file, threads };
}
