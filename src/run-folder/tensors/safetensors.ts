/**
 * The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length N, N bytes of JSON (`name -> {dtype, shape, data_offsets}` plus an optional
 * `__metadata__` string map), then the raw little-endian tensor bytes. Offsets are relative to the
 * end of the header, must cover the byte buffer exactly, without overlaps or holes.
 */

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { writeFileAtomic } from '../atomic-write';
import { CheckpointError } from './checkpoint-error';
import { convertRaw, hostDTypeOf, type RawDType, rawByteSize } from './dtype-convert';
import { type HostDType, numel, type TensorMap } from './host-tensor';

/** Largest header we accept: real headers are a few hundred KB at most. */
export const MAX_SAFETENSORS_HEADER = 100 * 1024 * 1024;

const DTYPES: Record<string, RawDType> = {
  F64: 'float64',
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
  I64: 'int64',
  I32: 'int32',
  I16: 'int16',
  I8: 'int8',
  U8: 'uint8',
  BOOL: 'bool',
};

export interface SafetensorsEntry {
  name: string;
  /** The dtype as written in the file (`F16`, `BF16`, ...). */
  dtype: string;
  /** What the tensor becomes when read. */
  hostDType: HostDType;
  shape: number[];
  /** Byte range relative to the start of the data section. */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  /** Tensors in header order. */
  entries: SafetensorsEntry[];
  metadata: Record<string, string>;
  /** Absolute file offset where tensor data starts (8 + header length). */
  dataStart: number;
  fileSize: number;
}

const FIX_RESAVE =
  'the file is damaged or not a safetensors file; save it again with safetensors.torch.save_file';

function openOrThrow(file: string): number {
  try {
    return fs.openSync(file, 'r');
  } catch (e) {
    throw new CheckpointError(file, `cannot open the file (${(e as Error).message})`);
  }
}

function readExactly(fd: number, file: string, into: Uint8Array, position: number): void {
  let done = 0;
  while (done < into.length) {
    const n = fs.readSync(fd, into, done, into.length - done, position + done);
    if (n <= 0)
      throw new CheckpointError(file, `the file ended early at offset ${position + done}`, FIX_RESAVE);
    done += n;
  }
}

function parseHeader(fd: number, file: string): SafetensorsHeader {
  const fileSize = fs.fstatSync(fd).size;
  if (fileSize < 8) {
    throw new CheckpointError(
      file,
      `the file is ${fileSize} bytes, too short for a safetensors header`,
      FIX_RESAVE,
    );
  }
  const lenBuf = new Uint8Array(8);
  readExactly(fd, file, lenBuf, 0);
  const declared = new DataView(lenBuf.buffer).getBigUint64(0, true);
  if (declared > BigInt(MAX_SAFETENSORS_HEADER)) {
    throw new CheckpointError(
      file,
      `the safetensors header claims ${declared} bytes, more than the ${MAX_SAFETENSORS_HEADER}-byte limit`,
      FIX_RESAVE,
    );
  }
  const headerLen = Number(declared);
  if (headerLen + 8 > fileSize) {
    throw new CheckpointError(
      file,
      `the safetensors header claims ${headerLen} bytes but the file has only ${fileSize - 8} after the length`,
      FIX_RESAVE,
    );
  }
  const headerBytes = new Uint8Array(headerLen);
  readExactly(fd, file, headerBytes, 8);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (e) {
    throw new CheckpointError(
      file,
      `the safetensors header is not valid JSON (${(e as Error).message})`,
      FIX_RESAVE,
    );
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new CheckpointError(file, 'the safetensors header is not a JSON object', FIX_RESAVE);
  }
  const dataStart = 8 + headerLen;
  const dataSize = fileSize - dataStart;
  const metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
  for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        throw new CheckpointError(file, '__metadata__ is not a string map', FIX_RESAVE);
      }
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== 'string')
          throw new CheckpointError(file, `__metadata__['${k}'] is not a string`, FIX_RESAVE);
        metadata[k] = v;
      }
      continue;
    }
    entries.push(parseEntry(file, name, raw, dataSize));
  }
  // Offsets must tile the data section exactly: sorted, adjacent, no overlap, no hole, nothing past the end.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const e of sorted) {
    if (e.begin < cursor) {
      throw new CheckpointError(
        file,
        `tensor '${e.name}' (bytes ${e.begin}..${e.end}) overlaps the previous tensor, which ends at ${cursor}`,
        FIX_RESAVE,
      );
    }
    if (e.begin > cursor) {
      throw new CheckpointError(
        file,
        `bytes ${cursor}..${e.begin} before tensor '${e.name}' belong to no tensor`,
        FIX_RESAVE,
      );
    }
    cursor = e.end;
  }
  if (cursor !== dataSize) {
    throw new CheckpointError(
      file,
      `the tensors cover ${cursor} data bytes but the file holds ${dataSize} after the header`,
      FIX_RESAVE,
    );
  }
  return { entries, metadata, dataStart, fileSize };
}

function parseEntry(file: string, name: string, raw: unknown, dataSize: number): SafetensorsEntry {
  const bad = (problem: string) => new CheckpointError(file, `tensor '${name}': ${problem}`, FIX_RESAVE);
  if (typeof raw !== 'object' || raw === null) throw bad('its header entry is not an object');
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (typeof dtype !== 'string') throw bad('has no dtype');
  const rawDType = DTYPES[dtype];
  if (!rawDType) {
    throw new CheckpointError(
      file,
      `tensor '${name}' has dtype ${dtype}, which SPT Studio cannot read (supported: ${Object.keys(DTYPES).join(', ')})`,
      'convert the tensor to float32 before saving',
    );
  }
  if (!Array.isArray(shape) || !shape.every((s) => Number.isSafeInteger(s) && s >= 0)) {
    throw bad(`shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)
  ) {
    throw bad(`data_offsets ${JSON.stringify(offsets)} is not a [begin, end] pair`);
  }
  const [begin, end] = offsets as number[];
  if (end < begin) throw bad(`data_offsets [${begin}, ${end}] end before they begin`);
  if (end > dataSize)
    throw bad(`data_offsets [${begin}, ${end}] run past the end of the file (${dataSize} data bytes)`);
  const need = numel(shape) * rawByteSize(rawDType);
  if (end - begin !== need) {
    throw bad(`${end - begin} bytes are stored but ${dtype} ${JSON.stringify(shape)} needs ${need}`);
  }
  return { name, dtype, hostDType: hostDTypeOf(rawDType), shape: shape as number[], begin, end };
}

/** Reads only the 8-byte length and the JSON header: names, dtypes, shapes and metadata. */
export function readSafetensorsHeader(file: string): SafetensorsHeader {
  const fd = openOrThrow(file);
  try {
    return parseHeader(fd, file);
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads every tensor (converted to float32 / int32 / bool) and the `__metadata__` map. */
export function readSafetensors(file: string): { tensors: TensorMap; metadata: Record<string, string> } {
  const fd = openOrThrow(file);
  try {
    const header = parseHeader(fd, file);
    const tensors: TensorMap = new Map();
    for (const e of header.entries) {
      const bytes = new Uint8Array(e.end - e.begin);
      readExactly(fd, file, bytes, header.dataStart + e.begin);
      const data = convertRaw(bytes, DTYPES[e.dtype], numel(e.shape), file, `tensor '${e.name}'`, true);
      tensors.set(e.name, { dtype: e.hostDType, shape: [...e.shape], data, sourceDType: e.dtype });
    }
    return { tensors, metadata: header.metadata };
  } finally {
    fs.closeSync(fd);
  }
}

const WRITE_DTYPES: Record<HostDType, string> = { float32: 'F32', int32: 'I32', bool: 'BOOL' };

/**
 * Writes `tensors` as a safetensors file, atomically: a temporary file in the same folder is
 * written, flushed to disk and renamed over `file`, so a crash never leaves half a checkpoint.
 * Returns the size and the SHA-256 of what was written.
 */
export function writeSafetensors(
  file: string,
  tensors: TensorMap,
  metadata?: Record<string, string>,
): { bytes: number; sha256: string } {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  const blobs: Uint8Array[] = [];
  for (const [name, t] of tensors) {
    if (name === '__metadata__') throw new CheckpointError(file, "a tensor cannot be named '__metadata__'");
    const n = numel(t.shape);
    if (t.data.length !== n) {
      throw new CheckpointError(
        file,
        `tensor '${name}' has ${t.data.length} values for shape ${JSON.stringify(t.shape)}`,
      );
    }
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    header[name] = {
      dtype: WRITE_DTYPES[t.dtype],
      shape: t.shape,
      data_offsets: [offset, offset + bytes.length],
    };
    blobs.push(bytes);
    offset += bytes.length;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf-8');
  const pad = (8 - ((8 + json.length) % 8)) % 8;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));

  const parts = [len, json, ...blobs];
  const hash = createHash('sha256');
  for (const p of parts) hash.update(p);
  // A failed write (a full disk) is a WriteError naming the file, not a problem with a checkpoint.
  writeFileAtomic(file, parts);
  return { bytes: parts.reduce((n, p) => n + p.length, 0), sha256: hash.digest('hex') };
}
