import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseNpy, parseNpyHeader, readNpy } from '../../../src/engine/checkpoint/npy';
import { listNpz, readNpz } from '../../../src/engine/checkpoint/npz';
import {
  assertCheckpointError,
  assertTensorFacts,
  buildZip,
  expected,
  fixture,
  tempDir,
} from './format-helpers';

/** A v1 .npy file from a header dict literal and raw data. */
function npyBytes(header: string, data: Uint8Array, major = 1): Uint8Array {
  const pre = major === 1 ? 10 : 12;
  let h = header;
  while ((pre + h.length + 1) % 64) h += ' ';
  h += '\n';
  const head = Buffer.alloc(pre);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]).copy(head);
  if (major === 1) head.writeUInt16LE(h.length, 8);
  else head.writeUInt32LE(h.length, 8);
  return Buffer.concat([head, Buffer.from(h, 'latin1'), data]);
}

describe('checkpoint/npy and npz', () => {
  let dir: string;
  before(() => {
    dir = tempDir();
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const name of ['c_order_f4.npy', 'fortran_f8.npy', 'big_endian_f4.npy', 'half_f2.npy']) {
    it(`reads ${name} as numpy does`, () => {
      const t = readNpy(fixture(name));
      assertTensorFacts(t, expected.npy[name], name);
      assert.equal(t.dtype, 'float32');
    });
  }

  it('converts fortran order to C order element by element', () => {
    const t = readNpy(fixture('fortran_f8.npy'));
    const want: number[] = expected.npy['fortran_f8.npy'].full;
    assert.equal(t.data.length, want.length);
    want.forEach((v, i) => {
      assert.ok(Math.abs(t.data[i] - v) < 1e-6, `element ${i}`);
    });
  });

  it('reads version 2 headers and a big-endian int16', () => {
    const data = Buffer.alloc(4);
    data.writeInt16BE(-300, 0);
    data.writeInt16BE(301, 2);
    const t = parseNpy(
      npyBytes("{'descr': '>i2', 'fortran_order': False, 'shape': (2,), }", data, 2),
      'mem.npy',
    );
    assert.equal(t.dtype, 'int32');
    assert.deepEqual(Array.from(t.data), [-300, 301]);
  });

  it('reads bool and 0-d arrays', () => {
    const b = parseNpy(
      npyBytes("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", new Uint8Array([1, 0, 2])),
      'b.npy',
    );
    assert.equal(b.dtype, 'bool');
    assert.deepEqual(Array.from(b.data), [1, 0, 1]);
    const s = parseNpy(
      npyBytes(
        "{'descr': '<f4', 'fortran_order': False, 'shape': (), }",
        new Uint8Array(new Float32Array([2.5]).buffer),
      ),
      's.npy',
    );
    assert.deepEqual(s.shape, []);
    assert.deepEqual(Array.from(s.data), [2.5]);
  });

  it('refuses int64 values that do not fit in int32, naming the value', () => {
    const p = fixture('int64_i8.npy');
    assertCheckpointError(() => readNpy(p), p, /1099511627776/, /int32/);
  });

  it('refuses unsupported dtypes and truncated data', () => {
    assertCheckpointError(
      () =>
        parseNpyHeader(
          npyBytes("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(8)),
          'c.npy',
        ),
      'c.npy',
      /<c8/,
    );
    assertCheckpointError(
      () =>
        parseNpy(
          npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (100,), }", new Uint8Array(8)),
          't.npy',
        ),
      't.npy',
      /needs 400/,
    );
    assertCheckpointError(() => parseNpy(new Uint8Array([1, 2, 3]), 'x.npy'), 'x.npy', /magic/);
  });

  for (const name of ['plain.npz', 'compressed.npz']) {
    it(`reads ${name} (names without .npy, fortran order, every dtype)`, () => {
      const tensors = readNpz(fixture(name));
      const want = expected.npz;
      for (const key of ['w', 'b', 'u', 'm', 'ft', 'nested/name']) {
        assert.ok(tensors.has(key), key);
        assertTensorFacts(tensors.get(key)!, want[key], `${name}:${key}`);
      }
      assert.deepEqual(Array.from(tensors.get('ft')!.data), want.ft_full);
      assert.equal(tensors.get('b')!.dtype, 'int32');
      assert.equal(tensors.get('m')!.dtype, 'bool');
    });
  }

  it('lists an npz from its headers only', () => {
    const list = listNpz(fixture('compressed.npz'));
    const w = list.find((e) => e.name === 'w')!;
    assert.deepEqual(w, { name: 'w', shape: [4, 3], dtype: '<f4', hostDType: 'float32' });
    assert.deepEqual(list.find((e) => e.name === 'b')!.dtype, '<i8');

    // An entry whose header promises far more data than it holds: listing works, reading does not.
    const bogus = npyBytes(
      "{'descr': '<f4', 'fortran_order': False, 'shape': (1000, 1000), }",
      new Uint8Array(16),
    );
    const p = path.join(dir, 'short.npz');
    fs.writeFileSync(p, buildZip([{ name: 'big.npy', data: bogus, deflate: true }]));
    assert.deepEqual(listNpz(p)[0].shape, [1000, 1000]);
    assertCheckpointError(() => readNpz(p), p, /'big'/, /needs 4000000/);
  });

  it('refuses an npz with something other than .npy entries', () => {
    const p = path.join(dir, 'odd.npz');
    fs.writeFileSync(p, buildZip([{ name: 'readme.txt', data: new Uint8Array(3) }]));
    assertCheckpointError(() => readNpz(p), p, /readme\.txt/);
  });
});
