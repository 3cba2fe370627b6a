/**
 * Kernels the ViT needs that tfjs's wasm backend runs slowly (docs/PERFORMANCE.md):
 *
 * - `bmm`: a batched matmul [G, M, K] x [G, K, N]. tfjs-wasm runs every batched (and every transposed)
 *   matmul in a scalar loop (~2 GFLOPS); here each group is handed to the backend's own XNNPACK GEMM
 *   through zero-copy views of the operands (tensor ids registered at offsets inside the inputs'
 *   and the output's heap buffers). Its gradient is two more `bmm`s over explicitly transposed
 *   operands (3-D transposes are fast kernels), so no scalar path is left.
 * - `gelu`: the exact erf GELU forward and backward as single passes over the wasm heap (the
 *   composite of erf, mul and add, and its autodiff, is ~10 passes with a slow scalar erf).
 *
 * On every other backend both fall back to the composite tfjs ops, which those backends run well.
 */
import { type Tensor, tf } from '../tf';
import { geluKernel } from './wasm-simd';

interface WasmDataInfo {
  id: number;
  memoryOffset: number;
}

interface WasmModuleLike {
  cwrap(name: string, ret: string | null, args: string[]): (...args: unknown[]) => unknown;
  tfjs: {
    registerTensor(id: number, size: number, memoryOffset: number): void;
    disposeData(id: number): void;
  };
}

interface WasmBackendLike {
  wasm: WasmModuleLike;
  dataIdNextNumber: number;
  dataIdMap: { get(dataId: object): WasmDataInfo };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

const BMM = 'SptBatchMatMul';
const GELU = 'SptGelu';
const GELU_GRAD = 'SptGeluGrad';

let wasmMatMul: ((...args: unknown[]) => unknown) | undefined;

const shapeBytes = (shape: number[]) => new Uint8Array(new Int32Array(shape).buffer);

function bmmWasm(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const a = args.inputs.a as tf.TensorInfo;
  const b = args.inputs.b as tf.TensorInfo;
  const [G, M, K] = a.shape;
  const N = b.shape[2];
  const out = backend.makeOutput([G, M, N], 'float32');
  wasmMatMul ??= backend.wasm.cwrap('BatchMatMul', null, [
    'number',
    'array',
    'number',
    'number',
    'array',
    'number',
    'number',
    'number',
    'number',
  ]);
  const aOff = backend.dataIdMap.get(a.dataId).memoryOffset;
  const bOff = backend.dataIdMap.get(b.dataId).memoryOffset;
  const oOff = backend.dataIdMap.get(out.dataId).memoryOffset;
  const aShape = shapeBytes([1, M, K]);
  const bShape = shapeBytes([1, K, N]);
  const { registerTensor, disposeData } = backend.wasm.tfjs;
  for (let g = 0; g < G; g++) {
    const ids = [backend.dataIdNextNumber++, backend.dataIdNextNumber++, backend.dataIdNextNumber++];
    registerTensor(ids[0], M * K, aOff + 4 * g * M * K);
    registerTensor(ids[1], K * N, bOff + 4 * g * K * N);
    registerTensor(ids[2], M * N, oOff + 4 * g * M * N);
    wasmMatMul(ids[0], aShape, 3, ids[1], bShape, 3, false, false, ids[2]);
    // Unregistering b also drops the XNNPACK operator (and its packed weights) cached on it.
    for (const id of ids) disposeData(id);
  }
  return out;
}

/** Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), in float64. */
function erf(x: number): number {
  const s = x < 0 ? -1 : 1;
  const ax = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * ax);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-ax * ax);
  return s * y;
}

const INV_SQRT2PI = 1 / Math.sqrt(2 * Math.PI);

function wasmMemory(backend: WasmBackendLike): WebAssembly.Memory | undefined {
  const m = backend.wasm as unknown as {
    wasmMemory?: WebAssembly.Memory;
    asm?: { memory?: WebAssembly.Memory };
  };
  return m.wasmMemory ?? m.asm?.memory;
}

/** GELU (mode 0) or its gradient times dy (mode 1): SIMD over the heap, the last n % 4 in JS. */
function geluOnHeap(backend: WasmBackendLike, x: tf.TensorInfo, dy: tf.TensorInfo | null): tf.TensorInfo {
  const out = backend.makeOutput([...x.shape], 'float32');
  const n = x.shape.reduce((a, b) => a * b, 1);
  const memory = wasmMemory(backend);
  const kernel = memory ? geluKernel(memory) : null;
  const off = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset;
  const head = kernel ? n - (n % 4) : 0;
  if (kernel && head) kernel(off(x), dy ? off(dy) : 0, off(out), head, dy ? 1 : 0);
  const xv = backend.typedArrayFromHeap(x);
  const ov = backend.typedArrayFromHeap(out);
  const dv = dy ? backend.typedArrayFromHeap(dy) : undefined;
  for (let i = head; i < n; i++) {
    const v = xv[i];
    const phi = 0.5 * (1 + erf(v * Math.SQRT1_2));
    ov[i] = dv ? dv[i] * (phi + v * INV_SQRT2PI * Math.exp(-0.5 * v * v)) : v * phi;
  }
  return out;
}

function geluWasm(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  return geluOnHeap(args.backend as WasmBackendLike, args.inputs.x as tf.TensorInfo, null);
}

function geluGradWasm(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  return geluOnHeap(
    args.backend as WasmBackendLike,
    args.inputs.x as tf.TensorInfo,
    args.inputs.dy as tf.TensorInfo,
  );
}

/**
 * tfjs clones every tensor it saves for the backward pass, and tfjs-wasm's Identity copies the data;
 * tensors are immutable and the wasm backend counts references (reshape already shares), so the
 * clone can share too, as tfjs-backend-cpu's does.
 */
function identityShared(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const x = args.inputs.x as tf.TensorInfo;
  (args.backend as { incRef(dataId: object): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

let registered = false;
function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
  if (tf.getKernel('Identity', 'wasm')) tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({
    kernelName: 'Identity',
    backendName: 'wasm',
    kernelFunc: identityShared as tf.KernelFunc,
  });
  for (const [kernelName, kernelFunc] of [
    [BMM, bmmWasm],
    [GELU, geluWasm],
    [GELU_GRAD, geluGradWasm],
  ] as const) {
    if (!tf.getKernel(kernelName, 'wasm')) {
      tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as tf.KernelFunc });
    }
  }
}

const onWasm = () => tf.getBackend() === 'wasm';

/** [G, M, K] x [G, K, N] -> [G, M, N], not differentiable (wasm: XNNPACK per group, no batched kernel). */
export function bmmRaw(a: Tensor, b: Tensor): Tensor {
  if (!onWasm()) return tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D);
  registerWasmKernels();
  return tf.engine().runKernel(BMM, { a, b }, {}) as Tensor;
}

/** GELU forward, not differentiable. */
export function geluRaw(x: Tensor): Tensor {
  if (!onWasm()) return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
  registerWasmKernels();
  return tf.engine().runKernel(GELU, { x }, {}) as Tensor;
}

/** dy * GELU'(x) = dy * (Phi(x) + x phi(x)), not differentiable. */
export function geluGradRaw(x: Tensor, dy: Tensor): Tensor {
  if (!onWasm()) {
    return tf.tidy(() => {
      const cdf = tf.mul(tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1), 0.5);
      const pdf = tf.mul(tf.exp(tf.mul(tf.square(x), -0.5)), INV_SQRT2PI);
      return tf.mul(dy, tf.add(cdf, tf.mul(x, pdf)));
    });
  }
  registerWasmKernels();
  return tf.engine().runKernel(GELU_GRAD, { x, dy }, {}) as Tensor;
}

const t3 = (x: Tensor) => tf.transpose(x, [0, 2, 1]);

/**
 * Batched matmul a [G, M, K] x b [G, K, N] -> [G, M, N], differentiable in both operands.
 * wasm: XNNPACK per group, gradients through explicit transposes; elsewhere tf.matMul.
 */
export function bmm(a: Tensor, b: Tensor): Tensor {
  if (!onWasm()) return tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D);
  const op = tf.customGrad((...args: (Tensor | tf.GradSaveFunc)[]) => {
    const [x, y] = args as Tensor[];
    (args[2] as tf.GradSaveFunc)([x, y]);
    return {
      value: bmmRaw(x, y), // [G, M, N]
      gradFunc: (dz: Tensor, [xs, ys]: Tensor[]) => [bmmRaw(dz, t3(ys)), bmmRaw(t3(xs), dz)], // [G, M, K], [G, K, N]
    };
  });
  return op(a, b);
}

/** GELU, exact erf form (torch.nn.GELU()): 0.5 x (1 + erf(x / sqrt 2)). */
export function gelu(x: Tensor): Tensor {
  if (!onWasm()) return geluRaw(x);
  const op = tf.customGrad((...args: (Tensor | tf.GradSaveFunc)[]) => {
    const xin = args[0] as Tensor;
    (args[1] as tf.GradSaveFunc)([xin]);
    return {
      value: geluRaw(xin),
      gradFunc: (dy: Tensor, [xs]: Tensor[]) => geluGradRaw(xs, dy),
    };
  });
  return op(x);
}
