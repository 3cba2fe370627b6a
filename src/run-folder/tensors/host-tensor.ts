/**
 * Host-side tensors: plain typed arrays with a shape, as read from checkpoint files.
 * They live outside TensorFlow.js so that readers, layout mappers and the language server's
 * header checks never need a backend.
 */

export type HostDType = 'float32' | 'int32' | 'bool';

export interface HostTensor {
  /** Element type after conversion: all floating types become float32, integer types int32. */
  dtype: HostDType;
  /** Row-major (C order) shape, as PyTorch reports it. */
  shape: number[];
  data: Float32Array | Int32Array | Uint8Array;
  /** The dtype as stored in the file (for example `F16`, `torch.BFloat16Storage`, `<f8`), for messages. */
  sourceDType?: string;
}

/** A flat name -> tensor dictionary (a state dict). Insertion order is the file's order. */
export type TensorMap = Map<string, HostTensor>;

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

export function formatShape(shape: readonly number[]): string {
  return `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export function hostTensor(shape: number[], data: Float32Array): HostTensor {
  if (data.length !== numel(shape)) {
    throw new Error(`hostTensor: ${data.length} values do not fill shape ${formatShape(shape)}`);
  }
  return { dtype: 'float32', shape, data };
}

/**
 * What a checkpoint file decodes to: nested dicts (string keys; integer keys become their decimal
 * string), lists (Python lists and tuples alike) and scalars, with HostTensors at the leaves.
 * A safetensors or npz file is a single flat dict.
 */
export type CheckpointValue =
  | null
  | boolean
  | number
  | string
  | HostTensor
  | CheckpointValue[]
  | { [key: string]: CheckpointValue };

export type CheckpointDict = { [key: string]: CheckpointValue };

export function isHostTensor(v: unknown): v is HostTensor {
  return (
    typeof v === 'object' &&
    v !== null &&
    'shape' in v &&
    'data' in v &&
    ArrayBuffer.isView((v as HostTensor).data)
  );
}
