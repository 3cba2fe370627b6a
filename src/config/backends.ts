/**
 * Compute backends, in the order `auto` tries them (cpu, pure JavaScript, only on request). `native` is
 * the native CPU step engine (src/engine/native: OpenBLAS and multi-threaded kernels for training steps)
 * with tfjs on wasm for everything else (evaluation, analysis, full fine-tuning).
 */
export const BACKEND_NAMES = ['tensorflow-gpu', 'tensorflow', 'webgpu', 'native', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export type BackendRequest = BackendName | 'auto';

/** `auto` tries these in order: the TensorFlow backends, WebGPU on a hardware adapter, the native CPU engine, wasm. */
export const AUTO_ORDER: readonly BackendName[] = [
  'tensorflow-gpu',
  'tensorflow',
  'webgpu',
  'native',
  'wasm',
];

/** The npm package that provides each backend, and the tfjs backend name it registers. */
export const BACKEND_PACKAGES: Record<BackendName, { pkg: string; tfName: string; extra?: string }> = {
  'tensorflow-gpu': { pkg: '@tensorflow/tfjs-node-gpu', tfName: 'tensorflow' },
  tensorflow: { pkg: '@tensorflow/tfjs-node', tfName: 'tensorflow' },
  webgpu: { pkg: '@tensorflow/tfjs-backend-webgpu', tfName: 'webgpu', extra: 'webgpu' },
  // tfjs runs on wasm; the training steps on spt-native.node (shipped: prebuilds/, or npm run build:native)
  native: { pkg: '@tensorflow/tfjs-backend-wasm', tfName: 'wasm' },
  wasm: { pkg: '@tensorflow/tfjs-backend-wasm', tfName: 'wasm' },
  cpu: { pkg: '@tensorflow/tfjs-backend-cpu', tfName: 'cpu' },
};
