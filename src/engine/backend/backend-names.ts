/** Compute backends, in the order `auto` tries them (cpu, pure JavaScript, only on request). */
export const BACKEND_NAMES = ['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export type BackendRequest = BackendName | 'auto';

/** `auto` tries these in order. WebGPU is tried after the TensorFlow backends and before wasm. */
export const AUTO_ORDER: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm'];

/** The npm package that provides each backend, and the tfjs backend name it registers. */
export const BACKEND_PACKAGES: Record<BackendName, { pkg: string; tfName: string; extra?: string }> = {
  'tensorflow-gpu': { pkg: '@tensorflow/tfjs-node-gpu', tfName: 'tensorflow' },
  tensorflow: { pkg: '@tensorflow/tfjs-node', tfName: 'tensorflow' },
  webgpu: { pkg: '@tensorflow/tfjs-backend-webgpu', tfName: 'webgpu', extra: 'webgpu' },
  wasm: { pkg: '@tensorflow/tfjs-backend-wasm', tfName: 'wasm' },
  cpu: { pkg: '@tensorflow/tfjs-backend-cpu', tfName: 'cpu' },
};
