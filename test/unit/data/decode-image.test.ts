import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import sharp from 'sharp';
import { DataError } from '../../../src/engine/data/data-error';
import { decodeImage, MAX_DECODED_BYTES, MAX_IMAGE_PIXELS } from '../../../src/engine/data/decode-image';
import { DATA_DIR, manifest, maxAbsDiff, readU8 } from './fixtures';

async function expectDataError(p: Promise<unknown>, file: string, pattern: RegExp): Promise<void> {
  let caught: unknown;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof DataError, `expected a DataError, got ${String(caught)}`);
  assert.equal(caught.file, file);
  assert.ok(caught.message.includes(file), 'message names the file');
  assert.match(caught.message, pattern);
  assert.ok(caught.fix.length > 0);
}

describe('data/decode-image', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-decode-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('has decode fixtures for every kind of file', () => {
    const names = manifest.decode.map((d) => d.name);
    for (const n of ['rgb_37x29', 'gray_23x17', 'rgba_19x13', 'la_11x7', 'palette_16x12', 'gray16_9x5']) {
      assert.ok(names.includes(n), n);
    }
    assert.ok(names.includes('rgb_40x30_jpg'));
    assert.equal(names.filter((n) => n.startsWith('parity_img_')).length, 6);
  });

  for (const c of manifest.decode) {
    it(`${c.name}: matches the PIL reference (${c.note})`, async () => {
      const img = await decodeImage(path.join(DATA_DIR, c.file));
      assert.equal(img.width, c.width);
      assert.equal(img.height, c.height);
      assert.ok(img.data instanceof Uint8Array);
      const expected = readU8(c.expected);
      assert.equal(img.data.length, c.width * c.height * 3);
      assert.ok(maxAbsDiff(img.data, expected) <= c.tolerance, `max diff > ${c.tolerance}`);
    });
  }

  it('RGBA: drops alpha without flattening (transparent pixels keep their colour)', async () => {
    const w = 3;
    const h = 2;
    const rgba = Buffer.from([
      200, 10, 20, 0, 30, 40, 50, 255, 60, 70, 80, 128, 90, 100, 110, 0, 120, 130, 140, 1, 250, 251, 252, 64,
    ]);
    const f = path.join(dir, 'rgba.png');
    await sharp(rgba, { raw: { width: w, height: h, channels: 4 } })
      .png()
      .toFile(f);
    const img = await decodeImage(f);
    assert.deepEqual(
      Array.from(img.data),
      [200, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 250, 251, 252],
    );
  });

  it('16-bit RGB PNG: keeps the high byte', async () => {
    const v = new Uint16Array([0, 255, 256, 1000, 65535, 32896]);
    const f = path.join(dir, 'rgb16.png');
    await sharp(v, { raw: { width: 2, height: 1, channels: 3 } })
      .toColourspace('rgb16')
      .png()
      .toFile(f);
    assert.equal((await sharp(f).metadata()).depth, 'ushort');
    const img = await decodeImage(f);
    assert.deepEqual(Array.from(img.data), [0, 0, 1, 3, 255, 128]);
  });

  it('CMYK JPEG: converted to RGB close to the original colours', async () => {
    const w = 8;
    const h = 8;
    const rgb = Buffer.alloc(w * h * 3);
    for (let i = 0; i < w * h; i++) rgb.set(i < 32 ? [220, 40, 40] : [40, 60, 200], i * 3);
    const f = path.join(dir, 'cmyk.jpg');
    await sharp(rgb, { raw: { width: w, height: h, channels: 3 } })
      .toColourspace('cmyk')
      .jpeg({ quality: 100 })
      .toFile(f);
    assert.equal((await sharp(f).metadata()).space, 'cmyk');
    const img = await decodeImage(f);
    assert.equal(img.data.length, w * h * 3);
    // colour-managed: the red stays red and the blue stays blue (the CMYK gamut dulls the blue a little)
    const [r1, g1, b1] = img.data.subarray(0, 3);
    assert.ok(Math.abs(r1 - 220) <= 20 && g1 < 60 && b1 < 60, `red became ${[r1, g1, b1]}`);
    const [r2, g2, b2] = img.data.subarray(w * h * 3 - 3);
    assert.ok(b2 > 120 && r2 < 60 && g2 < 90 && b2 > g2 + 50, `blue became ${[r2, g2, b2]}`);
  });

  it('EXIF orientation: ignored by default (like PIL), applied with autoOrient', async () => {
    const w = 4;
    const h = 2;
    const rgb = Buffer.alloc(w * h * 3, 0);
    rgb.set([255, 255, 255], 0); // white top-left pixel
    const f = path.join(dir, 'rot.jpg');
    await sharp(rgb, { raw: { width: w, height: h, channels: 3 } })
      .withMetadata({ orientation: 6 })
      .jpeg({ quality: 100 })
      .toFile(f);
    assert.equal((await sharp(f).metadata()).orientation, 6);
    const plain = await decodeImage(f);
    assert.deepEqual([plain.width, plain.height], [4, 2]);
    assert.ok(plain.data[0] > 200, 'top-left stays white');
    const oriented = await decodeImage(f, { autoOrient: true });
    assert.deepEqual([oriented.width, oriented.height], [2, 4]);
    // orientation 6 = rotate 90 degrees clockwise: the top-left pixel moves to the top-right
    assert.ok(oriented.data[0] < 60, 'top-left is no longer white');
    assert.ok(oriented.data[3] > 200, 'top-right is white');
  });

  it('a zero-byte file throws a DataError naming it', async () => {
    const f = path.join(dir, 'empty.jpg');
    fs.writeFileSync(f, Buffer.alloc(0));
    await expectDataError(decodeImage(f), f, /empty \(0 bytes\)/);
  });

  it('truncated PNG and JPEG files throw a DataError naming them', async () => {
    for (const name of ['rgb_97x83.png', 'rgb_40x30.jpg']) {
      const whole = fs.readFileSync(path.join(DATA_DIR, name));
      const f = path.join(dir, `truncated_${name}`);
      fs.writeFileSync(f, whole.subarray(0, Math.floor(whole.length * 0.6)));
      await expectDataError(decodeImage(f), f, /corrupt, truncated or in an unsupported format/);
    }
  });

  it('a file that is not an image throws a DataError', async () => {
    const f = path.join(dir, 'notes.jpg');
    fs.writeFileSync(f, 'this is not a JPEG\n');
    await expectDataError(decodeImage(f), f, /corrupt, truncated or in an unsupported format/);
  });

  it('a missing file throws a DataError', async () => {
    const f = path.join(dir, 'missing.png');
    await expectDataError(decodeImage(f), f, /image not found/);
  });

  it('refuses from its header an image whose decoded size is over the byte limit, naming it (issue 14 #13)', async () => {
    // 13000 x 13000 16-bit RGBA: under the pixel limit, but 1.35 GB decoded. Only the header and a few
    // rows of data are in the file, as in a hostile one.
    const f = path.join(dir, 'huge 16-bit rgba.png');
    fs.writeFileSync(f, pngWithHeader(13000, 13000, 16, 6));
    const rss = process.memoryUsage().rss;
    await expectDataError(
      decodeImage(f),
      f,
      /too large to decode: 13000 x 13000 pixels x 4 channels x 2 bytes per sample \(ushort\) = 1289 MiB decoded, over the limit of 256 MiB/,
    );
    assert.ok(13000 * 13000 <= MAX_IMAGE_PIXELS, 'the pixel limit alone lets it through');
    assert.equal(MAX_DECODED_BYTES, 256 * 1024 * 1024);
    const grew = (process.memoryUsage().rss - rss) / (1 << 20);
    assert.ok(grew < 200, `refusing it grew the process by ${grew.toFixed(0)} MB`);
    // 8-bit RGB of the same size (507 MB) is refused too; a modest 8-bit image is not.
    fs.writeFileSync(f, pngWithHeader(13000, 13000, 8, 2));
    await expectDataError(decodeImage(f), f, /x 3 channels x 1 byte per sample \(uchar\) = 484 MiB/);
  });

  it('a refused image is not read again while the file is unchanged, and is once it changes (issue 14 #13)', async () => {
    const good = fs.readFileSync(path.join(DATA_DIR, 'rgb_97x83.png'));
    const corrupt = Buffer.from(good);
    const idat = corrupt.indexOf('IDAT');
    corrupt.fill(0xa5, idat + 4, idat + 60); // the compressed data, same file size
    const f = path.join(dir, 'corrupt then fixed.png');
    fs.writeFileSync(f, corrupt);
    fs.utimesSync(f, 1_000_000_000, 1_000_000_000);
    let first: unknown;
    await decodeImage(f).catch((e) => {
      first = e;
    });
    assert.ok(first instanceof DataError, String(first));
    // Same inode, size and mtime, but now a valid image: the remembered verdict answers, nothing is read.
    fs.writeFileSync(f, good);
    fs.utimesSync(f, 1_000_000_000, 1_000_000_000);
    await assert.rejects(decodeImage(f), (e) => e === first);
    // A new mtime (the file was replaced): decoded again.
    fs.utimesSync(f, 1_000_000_100, 1_000_000_100);
    const img = await decodeImage(f);
    assert.deepEqual([img.width, img.height], [97, 83]);
  });
});

/** A PNG whose IHDR claims width x height at the given bit depth and colour type, with one row of data. */
function pngWithHeader(width: number, height: number, bitDepth: number, colourType: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = bitDepth;
  ihdr[9] = colourType;
  const channels = colourType === 6 ? 4 : 3;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.alloc(1 + (width * channels * bitDepth) / 8))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
