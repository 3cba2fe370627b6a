/**
 * Raw little-endian bytes -> HostTensor element arrays, shared by the safetensors, npy and torch
 * readers. Every floating type becomes float32, every integer type int32 (values that do not fit are
 * refused rather than wrapped), booleans stay one byte per element.
 */

import { CheckpointError } from './checkpoint-error';
import type { HostDType } from './host-tensor';

/** Element types as they are stored in files, before conversion. */
export type RawDType =
  | 'float64'
  | 'float32'
  | 'float16'
  | 'bfloat16'
  | 'int64'
  | 'int32'
  | 'int16'
  | 'int8'
  | 'uint64'
  | 'uint32'
  | 'uint16'
  | 'uint8'
  | 'bool';

export type HostArray = Float32Array | Int32Array | Uint8Array;

const RAW_INFO: Record<RawDType, { bytes: number; host: HostDType }> = {
  float64: { bytes: 8, host: 'float32' },
  float32: { bytes: 4, host: 'float32' },
  float16: { bytes: 2, host: 'float32' },
  bfloat16: { bytes: 2, host: 'float32' },
  int64: { bytes: 8, host: 'int32' },
  int32: { bytes: 4, host: 'int32' },
  int16: { bytes: 2, host: 'int32' },
  int8: { bytes: 1, host: 'int32' },
  uint64: { bytes: 8, host: 'int32' },
  uint32: { bytes: 4, host: 'int32' },
  uint16: { bytes: 2, host: 'int32' },
  uint8: { bytes: 1, host: 'int32' },
  bool: { bytes: 1, host: 'bool' },
};

/** Bytes per element of a stored dtype. */
export function rawByteSize(dtype: RawDType): number {
  return RAW_INFO[dtype].bytes;
}

/** The HostTensor dtype a stored dtype converts to. */
export function hostDTypeOf(dtype: RawDType): HostDType {
  return RAW_INFO[dtype].host;
}

/** Reverses the byte order of every `elementBytes`-sized element of `bytes`, in place. */
export function byteswapInPlace(bytes: Uint8Array, elementBytes: number): void {
  if (elementBytes <= 1) return;
  for (let i = 0; i + elementBytes <= bytes.length; i += elementBytes) {
    for (let a = i, b = i + elementBytes - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

const f16Exp = new Float32Array(32);
for (let e = 0; e < 32; e++) f16Exp[e] = 2 ** (e - 15);

/** IEEE half -> number (exact). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * f16Exp[exp] * (1 + frac / 1024);
}

/**
 * Converts `count` little-endian elements of `dtype` from `bytes` into the matching host array.
 * `what` names the tensor for messages (for example `"'encoder.weight' in model.pth"`).
 * With `owned`, the caller hands `bytes` over (a fresh buffer nobody else uses): float32/int32 data
 * is then viewed in place instead of copied.
 */
export function convertRaw(
  bytes: Uint8Array,
  dtype: RawDType,
  count: number,
  file: string,
  what: string,
  owned = false,
): HostArray {
  const need = count * RAW_INFO[dtype].bytes;
  if (bytes.length < need) {
    throw new CheckpointError(
      file,
      `${what}: needs ${need} bytes of ${dtype} data but only ${bytes.length} are stored`,
      'the file is truncated or corrupt; save it again',
    );
  }
  const src = bytes.subarray(0, need);
  /** The bytes as an aligned buffer: a fresh copy (typed-array views need element alignment). */
  const aligned = (b: Uint8Array): ArrayBuffer => {
    const copy = new Uint8Array(b.length);
    copy.set(b);
    return copy.buffer;
  };
  switch (dtype) {
    case 'float32':
      if (owned && src.byteOffset % 4 === 0) return new Float32Array(src.buffer, src.byteOffset, count);
      return new Float32Array(aligned(src));
    case 'int32':
      if (owned && src.byteOffset % 4 === 0) return new Int32Array(src.buffer, src.byteOffset, count);
      return new Int32Array(aligned(src));
    case 'float64': {
      const f = new Float64Array(aligned(src));
      return Float32Array.from(f);
    }
    case 'float16': {
      const u = new Uint16Array(aligned(src));
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = halfToFloat(u[i]);
      return out;
    }
    case 'bfloat16': {
      const u = new Uint16Array(aligned(src));
      const bits = new Uint32Array(count);
      for (let i = 0; i < count; i++) bits[i] = u[i] << 16;
      return new Float32Array(bits.buffer);
    }
    case 'int16':
      return Int32Array.from(new Int16Array(aligned(src)));
    case 'int8':
      return Int32Array.from(new Int8Array(aligned(src)));
    case 'uint8':
      return Int32Array.from(src);
    case 'uint16':
      return Int32Array.from(new Uint16Array(aligned(src)));
    case 'uint32': {
      const u = new Uint32Array(aligned(src));
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        if (u[i] > 0x7fffffff) throw outOfRange(file, what, dtype, u[i]);
        out[i] = u[i];
      }
      return out;
    }
    case 'int64':
    case 'uint64': {
      const words = new Int32Array(aligned(src));
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const lo = words[2 * i];
        const hi = words[2 * i + 1];
        if (hi !== lo >> 31 || (dtype === 'uint64' && hi !== 0)) {
          const big = new DataView(src.buffer, src.byteOffset + 8 * i, 8);
          const v = dtype === 'int64' ? big.getBigInt64(0, true) : big.getBigUint64(0, true);
          throw outOfRange(file, what, dtype, v);
        }
        out[i] = lo;
      }
      return out;
    }
    case 'bool': {
      const out = new Uint8Array(count);
      for (let i = 0; i < count; i++) out[i] = src[i] ? 1 : 0;
      return out;
    }
  }
}

function outOfRange(file: string, what: string, dtype: RawDType, v: number | bigint): CheckpointError {
  return new CheckpointError(
    file,
    `${what}: ${dtype} value ${v} does not fit in int32, the only integer type SPT Studio keeps`,
    'store this tensor as float, or drop it from the state dict before saving',
  );
}

/**
 * Gathers a strided view (`offset`, `shape`, `strides` in elements) out of `src` into a fresh
 * row-major array of the same type. Bounds must have been checked with {@link checkStridedBounds}.
 */
export function gatherStrided<T extends HostArray>(
  src: T,
  offset: number,
  shape: readonly number[],
  strides: readonly number[],
): T {
  let n = 1;
  for (const s of shape) n *= s;
  const out = new (src.constructor as new (len: number) => T)(n);
  if (n === 0) return out;
  const rank = shape.length;
  if (rank === 0) {
    out[0] = src[offset];
    return out;
  }
  const inner = shape[rank - 1];
  const innerStride = strides[rank - 1];
  const idx = new Array<number>(rank).fill(0);
  let base = offset;
  let o = 0;
  for (;;) {
    if (innerStride === 1) {
      out.set(src.subarray(base, base + inner), o);
      o += inner;
    } else {
      for (let i = 0, p = base; i < inner; i++, p += innerStride) out[o++] = src[p];
    }
    // advance the outer indices (odometer)
    let d = rank - 2;
    for (; d >= 0; d--) {
      idx[d]++;
      base += strides[d];
      if (idx[d] < shape[d]) break;
      base -= strides[d] * shape[d];
      idx[d] = 0;
    }
    if (d < 0) return out;
  }
}

/** Returns the problem with a strided view over `storageNumel` elements, or undefined when it is in range. */
export function checkStridedBounds(
  storageNumel: number,
  offset: number,
  shape: readonly number[],
  strides: readonly number[],
): string | undefined {
  if (shape.length !== strides.length) {
    return `size has ${shape.length} dimensions but stride has ${strides.length}`;
  }
  if (!Number.isSafeInteger(offset) || offset < 0) return `storage offset ${offset} is not a valid index`;
  let last = offset;
  let n = 1;
  for (let d = 0; d < shape.length; d++) {
    const s = shape[d];
    const st = strides[d];
    if (!Number.isSafeInteger(s) || s < 0) return `size ${s} in dimension ${d} is not valid`;
    if (!Number.isSafeInteger(st) || st < 0) return `stride ${st} in dimension ${d} is not supported`;
    n *= s;
    if (s > 0) last += (s - 1) * st;
  }
  if (n === 0) return undefined;
  if (last >= storageNumel) {
    return `the view reaches element ${last} but its storage holds only ${storageNumel} elements`;
  }
  return undefined;
}

/** Row-major (C order) strides of a shape. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = acc;
    acc *= shape[d];
  }
  return strides;
}
