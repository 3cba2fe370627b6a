/**
 * NumPy's .npy format: `\x93NUMPY`, a version (1.0, 2.0 or 3.0), a little-endian header length
 * (2 bytes in v1, 4 in v2/v3), a Python dict literal such as
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`, then the raw array bytes.
 */

import * as fs from 'node:fs';
import { CheckpointError } from '../../run-folder/tensors/checkpoint-error';
import {
  byteswapInPlace,
  contiguousStrides,
  convertRaw,
  gatherStrided,
  hostDTypeOf,
  type RawDType,
  rawByteSize,
} from '../../run-folder/tensors/dtype-convert';
import { type HostDType, type HostTensor, numel } from '../../run-folder/tensors/host-tensor';

export interface NpyHeader {
  /** The numpy dtype string, for example `<f4`, `>f8`, `|b1`. */
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  /** What the array becomes when read. */
  hostDType: HostDType;
  rawDType: RawDType;
  bigEndian: boolean;
  /** Offset of the array data from the start of the .npy bytes. */
  dataOffset: number;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** numpy itself refuses headers above 10 000 bytes by default; allow some slack. */
const MAX_HEADER = 1 << 20;
const FIX = 'save the array again with numpy.save / numpy.savez';

const KIND_SIZE: Record<string, RawDType> = {
  f2: 'float16',
  f4: 'float32',
  f8: 'float64',
  i1: 'int8',
  i2: 'int16',
  i4: 'int32',
  i8: 'int64',
  u1: 'uint8',
  u2: 'uint16',
  u4: 'uint32',
  u8: 'uint64',
  b1: 'bool',
};

/** Does `bytes` start with the .npy magic string? */
export function isNpy(bytes: Uint8Array): boolean {
  return MAGIC.every((b, i) => bytes[i] === b);
}

/**
 * Parses the header at the start of `bytes` (a prefix of the .npy content is enough).
 * `what` names the array for messages.
 */
export function parseNpyHeader(bytes: Uint8Array, file: string, what = 'array'): NpyHeader {
  const bad = (problem: string, fix = FIX) => new CheckpointError(file, `${what}: ${problem}`, fix);
  if (bytes.length < 10 || !isNpy(bytes)) throw bad('is not a .npy array (no \\x93NUMPY magic)');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw bad('the .npy header is cut short');
    headerLen = view.getUint32(8, true);
    start = 12;
  } else {
    throw bad(`.npy format version ${major}.${bytes[7]} is not supported (1.0, 2.0 and 3.0 are)`);
  }
  if (headerLen > MAX_HEADER) throw bad(`the .npy header claims ${headerLen} bytes, which is not plausible`);
  if (start + headerLen > bytes.length) throw bad('the .npy header is cut short');
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    bytes.subarray(start, start + headerLen),
  );

  const descrMatch = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(text);
  const fortranMatch = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text);
  const shapeMatch = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text);
  if (!descrMatch) {
    throw bad(
      /['"]descr['"]\s*:\s*\[/.test(text)
        ? 'structured (record) arrays are not supported'
        : `the header ${JSON.stringify(text.trim())} has no descr`,
      'save a plain numeric array',
    );
  }
  if (!fortranMatch || !shapeMatch) throw bad(`the header ${JSON.stringify(text.trim())} is not understood`);
  const shape: number[] = [];
  for (const part of shapeMatch[1].split(',')) {
    const p = part.trim().replace(/L$/, '');
    if (p === '') continue;
    if (!/^\d+$/.test(p)) throw bad(`shape (${shapeMatch[1]}) is not a tuple of integers`);
    shape.push(Number(p));
  }
  const descr = descrMatch[1];
  const m = /^([<>|=]?)([fiub]\d+)$/.exec(descr);
  const rawDType = m ? KIND_SIZE[m[2]] : undefined;
  if (!m || !rawDType) {
    throw bad(
      `dtype '${descr}' is not supported (float16/32/64, int8..int64, uint8..uint64 and bool are)`,
      'convert the array to float32 before saving',
    );
  }
  const bigEndian = m[1] === '>' && rawByteSize(rawDType) > 1;
  return {
    descr,
    fortranOrder: fortranMatch[1] === 'True',
    shape,
    hostDType: hostDTypeOf(rawDType),
    rawDType,
    bigEndian,
    dataOffset: start + headerLen,
  };
}

/**
 * Parses a whole .npy (header and data) into a row-major HostTensor. With `owned`, `bytes` is
 * handed over and float32/int32 data may be viewed in place rather than copied.
 */
export function parseNpy(bytes: Uint8Array, file: string, what = 'array', owned = false): HostTensor {
  const h = parseNpyHeader(bytes, file, what);
  const n = numel(h.shape);
  const size = n * rawByteSize(h.rawDType);
  if (h.dataOffset + size > bytes.length) {
    throw new CheckpointError(
      file,
      `${what}: ${h.descr} ${JSON.stringify(h.shape)} needs ${size} data bytes but only ${bytes.length - h.dataOffset} are stored`,
      FIX,
    );
  }
  let raw = bytes.subarray(h.dataOffset, h.dataOffset + size);
  if (h.bigEndian) {
    raw = raw.slice();
    byteswapInPlace(raw, rawByteSize(h.rawDType));
  }
  let data = convertRaw(raw, h.rawDType, n, file, what, owned || h.bigEndian);
  if (h.fortranOrder && h.shape.length > 1) {
    // Column-major data is a row-major array of the reversed shape; read it through transposed strides.
    const reversedStrides = contiguousStrides([...h.shape].reverse()).reverse();
    data = gatherStrided(data, 0, h.shape, reversedStrides);
  }
  return { dtype: h.hostDType, shape: h.shape, data, sourceDType: h.descr };
}

/** Reads a single .npy file. */
export function readNpy(file: string): HostTensor {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new CheckpointError(file, `cannot read the file (${(e as Error).message})`);
  }
  return parseNpy(bytes, file, 'array', true);
}
