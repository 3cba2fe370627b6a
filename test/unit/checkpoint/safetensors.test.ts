import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TensorMap } from '../../../src/run-folder/tensors/host-tensor';
import {
  readSafetensors,
  readSafetensorsHeader,
  writeSafetensors,
} from '../../../src/run-folder/tensors/safetensors';
import { assertCheckpointError, assertTensorFacts, expected, fixture, scratchDir } from './format-helpers';

/** A safetensors file from a header object and a data section. */
function rawSafetensors(header: unknown, data: Uint8Array): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, data]);
}

describe('checkpoint/safetensors', () => {
  const { write, dir } = scratchDir();

  it('reads F32/F16/BF16/I64/BOOL tensors as PyTorch computed them', () => {
    const { tensors, metadata } = readSafetensors(fixture('weights.safetensors'));
    assert.deepEqual(metadata, { format: 'pt', note: 'fixture' });
    const want = expected['weights.safetensors'];
    assert.deepEqual([...tensors.keys()], Object.keys(want).sort());
    for (const [name, facts] of Object.entries(want)) {
      assertTensorFacts(tensors.get(name)!, facts as never, name);
    }
    assert.equal(tensors.get('b.f16')!.dtype, 'float32');
    assert.equal(tensors.get('b.f16')!.sourceDType, 'F16');
    assert.equal(tensors.get('d.i64')!.dtype, 'int32');
    assert.equal(tensors.get('e.bool')!.dtype, 'bool');
  });

  it('reads only the header when asked', () => {
    const h = readSafetensorsHeader(fixture('weights.safetensors'));
    assert.deepEqual(
      h.entries.map((e) => [e.name, e.dtype, e.shape, e.hostDType]),
      [
        ['a.f32', 'F32', [2, 3], 'float32'],
        ['b.f16', 'F16', [4], 'float32'],
        ['c.bf16', 'BF16', [3, 1], 'float32'],
        ['d.i64', 'I64', [3], 'int32'],
        ['e.bool', 'BOOL', [2], 'bool'],
      ],
    );
    assert.equal(h.metadata.format, 'pt');
  });

  it('writes aligned, space-padded files that read back exactly, leaving no temporary file', () => {
    const tensors: TensorMap = new Map([
      ['w', { dtype: 'float32', shape: [2, 3], data: new Float32Array([1, -2, 3.5, 4, 5, 6e-8]) }],
      ['idx', { dtype: 'int32', shape: [3], data: new Int32Array([7, -8, 2147483647]) }],
      ['mask', { dtype: 'bool', shape: [2], data: new Uint8Array([1, 0]) }],
      ['scalar', { dtype: 'float32', shape: [], data: new Float32Array([9]) }],
    ]);
    const p = path.join(dir(), 'out.safetensors');
    fs.writeFileSync(p, 'old content'); // replaced atomically
    writeSafetensors(p, tensors, { epoch: '3' });
    const bytes = fs.readFileSync(p);
    const n = Number(bytes.readBigUInt64LE(0));
    assert.equal((8 + n) % 8, 0, 'data starts 8-byte aligned');
    assert.match(bytes.subarray(8, 8 + n).toString(), /^\{.*\} *$/);
    const back = readSafetensors(p);
    assert.deepEqual(back.metadata, { epoch: '3' });
    for (const [k, t] of tensors) {
      const r = back.tensors.get(k)!;
      assert.equal(r.dtype, t.dtype, k);
      assert.deepEqual(r.shape, t.shape, k);
      assert.deepEqual(Array.from(r.data), Array.from(t.data), k);
    }
    assert.deepEqual(
      fs.readdirSync(dir()).filter((f) => f.includes('.tmp')),
      [],
    );
  });

  it('refuses offsets past the end of the file', () => {
    const p = fixture('bad_offsets.safetensors');
    assertCheckpointError(() => readSafetensors(p), p, /'w'/, /past the end/);
    assertCheckpointError(() => readSafetensorsHeader(p), p, /past the end/);
  });

  it('refuses overlapping tensors', () => {
    const p = fixture('overlap.safetensors');
    assertCheckpointError(() => readSafetensors(p), p, /overlaps/);
  });

  it('refuses a declared header length of 2^40 without allocating it', () => {
    const p = fixture('huge_header.safetensors');
    assertCheckpointError(() => readSafetensorsHeader(p), p, /1099511627776/, /limit/);
  });

  it('refuses a header longer than the file', () => {
    const bytes = rawSafetensors({}, new Uint8Array(0));
    bytes.writeBigUInt64LE(5000n, 0);
    const p = write('long.safetensors', bytes);
    assertCheckpointError(() => readSafetensors(p), p, /5000/);
  });

  it('refuses unknown dtypes, naming the tensor and the dtype', () => {
    const p = write(
      'c64.safetensors',
      rawSafetensors({ z: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8)),
    );
    assertCheckpointError(() => readSafetensors(p), p, /'z'/, /C64/);
  });

  it('refuses byte ranges that do not match dtype x shape', () => {
    const p = write(
      'size.safetensors',
      rawSafetensors({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)),
    );
    assertCheckpointError(() => readSafetensors(p), p, /needs 12/);
  });

  it('refuses reversed offsets and holes in the data', () => {
    const rev = write(
      'rev.safetensors',
      rawSafetensors({ a: { dtype: 'U8', shape: [0], data_offsets: [4, 0] } }, new Uint8Array(4)),
    );
    assertCheckpointError(() => readSafetensors(rev), rev, /end before they begin/);
    const hole = write(
      'hole.safetensors',
      rawSafetensors({ a: { dtype: 'U8', shape: [2], data_offsets: [2, 4] } }, new Uint8Array(4)),
    );
    assertCheckpointError(() => readSafetensors(hole), hole, /belong to no tensor/);
  });

  it('refuses a header that is not JSON', () => {
    const bytes = Buffer.concat([Buffer.alloc(8), Buffer.from('{nope')]);
    bytes.writeBigUInt64LE(5n, 0);
    const p = write('json.safetensors', bytes);
    assertCheckpointError(() => readSafetensors(p), p, /not valid JSON/);
  });
});
