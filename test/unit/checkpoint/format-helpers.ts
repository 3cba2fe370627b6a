/** Shared helpers for the checkpoint-format tests: fixture paths, expected numbers, a tiny ZIP writer. */

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { CheckpointError } from '../../../src/run-folder/tensors/checkpoint-error';
import type { HostTensor } from '../../../src/run-folder/tensors/host-tensor';

export const FORMATS = path.resolve(__dirname, '../../fixtures/formats');

export function fixture(name: string): string {
  return path.join(FORMATS, name);
}

export interface TensorFacts {
  shape: number[];
  sum: number;
  first: (number | boolean)[];
}

// biome-ignore lint/suspicious/noExplicitAny: the JSON written by scripts/make_format_fixtures.py
export const expected: any = JSON.parse(fs.readFileSync(fixture('expected.json'), 'utf-8'));

/** Checks shape, sum and first elements of a tensor against numbers computed by PyTorch / numpy. */
export function assertTensorFacts(t: HostTensor, facts: TensorFacts, what: string): void {
  assert.deepEqual(t.shape, facts.shape, `${what}: shape`);
  const values = Array.from(t.data as ArrayLike<number>);
  assert.equal(
    values.length,
    facts.shape.reduce((a, b) => a * b, 1),
    `${what}: element count`,
  );
  if (t.dtype === 'bool') {
    assert.deepEqual(
      values.slice(0, 6).map((v) => v === 1),
      facts.first,
      `${what}: first`,
    );
    assert.equal(
      values.reduce((a, b) => a + b, 0),
      facts.sum,
      `${what}: sum`,
    );
    return;
  }
  const sum = values.reduce((a, b) => a + b, 0);
  assert.ok(
    Math.abs(sum - facts.sum) <= 1e-4 * Math.max(1, Math.abs(facts.sum)),
    `${what}: sum ${sum} vs ${facts.sum}`,
  );
  values.slice(0, 6).forEach((v, i) => {
    assert.ok(
      Math.abs(v - (facts.first[i] as number)) <= 1e-6 * Math.max(1, Math.abs(v)),
      `${what}[${i}]: ${v}`,
    );
  });
}

/** Asserts that `fn` throws a CheckpointError whose message matches every pattern. */
export function assertCheckpointError(
  fn: () => unknown,
  file: string,
  ...patterns: RegExp[]
): CheckpointError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof Error, 'expected an error');
  const err = caught as CheckpointError;
  assert.ok(
    err.name === 'CheckpointError' || err.name === 'UnsafePickleError',
    `expected a CheckpointError, got ${err.name}: ${err.message}`,
  );
  assert.equal(err.file, file, 'the error names the file');
  for (const p of patterns) assert.match(err.message, p);
  return err;
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'spt-formats-'));
}

/** A temporary folder for the current describe block (removed after it) and a writer of files into it. */
export function scratchDir(): { write: (name: string, bytes: Uint8Array) => string; dir: () => string } {
  let dir = '';
  before(() => {
    dir = tempDir();
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return {
    dir: () => dir,
    write: (name, bytes) => {
      const p = path.join(dir, name);
      fs.writeFileSync(p, bytes);
      return p;
    },
  };
}

export interface ZipInput {
  name: string;
  data: Uint8Array;
  /** Deflate the entry (method 8) instead of storing it. */
  deflate?: boolean;
}

/**
 * Writes a ZIP archive in memory. With `zip64`, every size and offset field is saturated and the
 * real values go to ZIP64 extra fields and a ZIP64 end-of-central-directory record (as PyTorch
 * writes for large checkpoints).
 */
export function buildZip(entries: ZipInput[], opts: { zip64?: boolean } = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf-8');
    const body = e.deflate ? zlib.deflateRawSync(e.data) : Buffer.from(e.data);
    const crc = zlib.crc32(e.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(opts.zip64 ? 45 : 20, 4);
    local.writeUInt16LE(e.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, body);

    const extra = Buffer.alloc(opts.zip64 ? 28 : 0);
    if (opts.zip64) {
      extra.writeUInt16LE(1, 0);
      extra.writeUInt16LE(24, 2);
      extra.writeBigUInt64LE(BigInt(e.data.length), 4);
      extra.writeBigUInt64LE(BigInt(body.length), 12);
      extra.writeBigUInt64LE(BigInt(offset), 20);
    }
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(45, 4);
    central.writeUInt16LE(45, 6);
    central.writeUInt16LE(e.deflate ? 8 : 0, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(opts.zip64 ? 0xffffffff : body.length, 20);
    central.writeUInt32LE(opts.zip64 ? 0xffffffff : e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(extra.length, 30);
    central.writeUInt32LE(opts.zip64 ? 0xffffffff : offset, 42);
    centrals.push(central, name, extra);
    offset += local.length + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const tail: Buffer[] = [];
  if (opts.zip64) {
    const rec = Buffer.alloc(56);
    rec.writeUInt32LE(0x06064b50, 0);
    rec.writeBigUInt64LE(44n, 4);
    rec.writeUInt16LE(45, 12);
    rec.writeUInt16LE(45, 14);
    rec.writeBigUInt64LE(BigInt(entries.length), 24);
    rec.writeBigUInt64LE(BigInt(entries.length), 32);
    rec.writeBigUInt64LE(BigInt(cd.length), 40);
    rec.writeBigUInt64LE(BigInt(offset), 48);
    const loc = Buffer.alloc(20);
    loc.writeUInt32LE(0x07064b50, 0);
    loc.writeBigUInt64LE(BigInt(offset + cd.length), 8);
    loc.writeUInt32LE(1, 16);
    tail.push(rec, loc);
  }
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(opts.zip64 ? 0xffff : entries.length, 8);
  eocd.writeUInt16LE(opts.zip64 ? 0xffff : entries.length, 10);
  eocd.writeUInt32LE(opts.zip64 ? 0xffffffff : cd.length, 12);
  eocd.writeUInt32LE(opts.zip64 ? 0xffffffff : offset, 16);
  tail.push(eocd);
  return Buffer.concat([...locals, cd, ...tail]);
}
