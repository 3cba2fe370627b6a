import * as assert from 'node:assert/strict';
import { ZipReader } from '../../../src/engine/checkpoint/zip-reader';
import { assertCheckpointError, buildZip, fixture, scratchDir } from './format-helpers';

describe('checkpoint/zip-reader', () => {
  const { write } = scratchDir();

  it('lists the entries of a real PyTorch checkpoint', () => {
    const names = ZipReader.with(fixture('model.pth'), (z) => z.entries().map((e) => e.name));
    assert.ok(names.includes('model/data.pkl'));
    assert.ok(names.includes('model/version'));
    assert.ok(names.some((n) => n.startsWith('model/data/')));
  });

  it('reads stored and deflated entries to the same bytes (np.savez vs np.savez_compressed)', () => {
    const plain = ZipReader.with(fixture('plain.npz'), (z) =>
      z.entries().map((e) => [e.name, z.read(e)] as const),
    );
    ZipReader.with(fixture('compressed.npz'), (z) => {
      assert.ok(
        z.entries().some((e) => e.method === 8),
        'the compressed archive deflates',
      );
      for (const [name, bytes] of plain) {
        const e = z.find(name);
        assert.ok(e, name);
        assert.deepEqual(Buffer.from(z.read(e)), Buffer.from(bytes));
      }
    });
  });

  it('reads only a prefix of a deflated entry', () => {
    const data = new Uint8Array(200_000).map((_, i) => (i * 7919) % 251);
    const p = write('big.zip', buildZip([{ name: 'a.bin', data, deflate: true }]));
    ZipReader.with(p, (z) => {
      const e = z.find('a.bin')!;
      const prefix = z.readPrefix(e, 100);
      assert.equal(prefix.length, 100);
      assert.deepEqual(Array.from(prefix), Array.from(data.subarray(0, 100)));
      assert.equal(
        z.readPrefix(e, 10_000_000).length,
        data.length,
        'a prefix longer than the entry is the entry',
      );
    });
  });

  it('reads ZIP64 archives (saturated fields, ZIP64 extra fields and end record)', () => {
    const a = new TextEncoder().encode('hello zip64');
    const b = new Uint8Array(5000).fill(3);
    const p = write(
      'z64.zip',
      buildZip(
        [
          { name: 'x/a.txt', data: a },
          { name: 'x/b', data: b, deflate: true },
        ],
        { zip64: true },
      ),
    );
    ZipReader.with(p, (z) => {
      assert.deepEqual(
        z.entries().map((e) => [e.name, e.uncompressedSize]),
        [
          ['x/a.txt', a.length],
          ['x/b', b.length],
        ],
      );
      assert.equal(new TextDecoder().decode(z.read(z.find('x/a.txt')!)), 'hello zip64');
      assert.deepEqual(Array.from(z.read(z.find('x/b')!)), Array.from(b));
    });
  });

  it('refuses a truncated archive, naming the file', () => {
    assertCheckpointError(
      () => ZipReader.open(fixture('truncated.pth')),
      fixture('truncated.pth'),
      /end-of-central-directory/,
    );
  });

  it('refuses something that is not a ZIP', () => {
    assertCheckpointError(() => ZipReader.open(fixture('unknown.ckpt')), fixture('unknown.ckpt'), /ZIP/);
  });

  it('refuses an entry whose size claims more than the archive holds', () => {
    const zip = buildZip([{ name: 'a', data: new Uint8Array(10) }]);
    const cd = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    zip.writeUInt32LE(0x7fffffff, cd + 20); // compressed size
    zip.writeUInt32LE(0x7fffffff, cd + 24); // uncompressed size
    const p = write('liar.zip', zip);
    assertCheckpointError(() => ZipReader.open(p), p, /claims/);
  });

  it('refuses a deflated entry whose uncompressed size is impossible (zip bomb)', () => {
    const zip = buildZip([{ name: 'a', data: new Uint8Array(100), deflate: true }]);
    const cd = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    zip.writeUInt32LE(0xfffffff0, cd + 24);
    const p = write('bomb.zip', zip);
    assertCheckpointError(() => ZipReader.open(p), p, /deflate cannot/);
  });

  it('refuses a local header offset past the data', () => {
    const zip = buildZip([{ name: 'a', data: new Uint8Array(10) }]);
    const cd = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    zip.writeUInt32LE(0x10000000, cd + 42);
    const p = write('offset.zip', zip);
    assertCheckpointError(() => ZipReader.open(p), p, /local header offset/);
  });

  it('detects corrupted entry data by its CRC-32', () => {
    const zip = buildZip([{ name: 'a', data: new Uint8Array(64).fill(1) }]);
    zip[40] ^= 0xff; // inside the stored data
    const p = write('crc.zip', zip);
    ZipReader.with(p, (z) => assertCheckpointError(() => z.read(z.find('a')!), p, /CRC-32/));
  });
});
