/**
 * Bad and odd data (issue 9), generated here with sharp or by hand: 16-bit, palette-with-alpha and
 * 1-bit PNGs, grayscale, CMYK and progressive JPEGs, truncated and zero-byte files, text named .jpg,
 * a decompression bomb, labels out of range, split files with a BOM and CRLF, and paths with spaces
 * and non-ASCII names, through the real dataset reader and batch loader. Plus seeded fuzz of split
 * files and of image bytes: a DataError naming the file, or a decoded image, never anything else.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { loadExperiment } from '../../../src/config/load-config';
import { BatchLoader } from '../../../src/engine/data/batch-loader';
import { DataError } from '../../../src/engine/data/data-error';
import { openDataset } from '../../../src/engine/data/dataset';
import { decodeImage } from '../../../src/engine/data/decode-image';
import { parseSplitFile } from '../../../src/engine/data/split-file';
import { cases, prng, removeScratch, tmpDir } from './harness';

const W = 20;
const H = 14;

/** A smooth RGBA test picture (alpha varies), as raw bytes. */
function picture(channels: 3 | 4): Buffer {
  const b = Buffer.alloc(W * H * channels);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const i = (y * W + x) * channels;
      b[i] = (x * 12) & 255;
      b[i + 1] = (y * 18) & 255;
      b[i + 2] = ((x + y) * 7) & 255;
      if (channels === 4) b[i + 3] = x < W / 2 ? 255 : 0;
    }
  return b;
}
const raw = (channels: 3 | 4) => sharp(picture(channels), { raw: { width: W, height: H, channels } });

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
/** A PNG whose header claims width x height 8-bit RGB pixels, with a few rows of real data. */
function bombPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(Math.min(width * 3 + 1, 1 << 20) * 4))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('reliability: hostile data', function () {
  this.timeout(cases(60_000, 900_000));
  after(removeScratch);

  /** name -> bytes: images that must decode (to W x H RGB) */
  let good: Map<string, Buffer>;
  /** name -> [bytes, what the skip warning must say] */
  let bad: Map<string, [Buffer, RegExp]>;

  before(async () => {
    const png = await raw(3).png().toBuffer();
    const jpg = await raw(3).jpeg({ quality: 90 }).toBuffer();
    good = new Map([
      ['plain rgb.png', png],
      ['rgb16 ünïcödé.png', await raw(3).toColourspace('rgb16').png().toBuffer()],
      ['grey16 图像.png', await raw(3).toColourspace('grey16').png().toBuffer()],
      ['palette alpha 🙂.png', await raw(4).png({ palette: true }).toBuffer()],
      ['1-bit.png', await raw(3).png({ palette: true, colours: 2 }).toBuffer()],
      ['rgba.png', await raw(4).png().toBuffer()],
      ['grey.jpg', await raw(3).toColourspace('b-w').jpeg().toBuffer()],
      ['cmyk.jpg', await raw(3).toColourspace('cmyk').jpeg().toBuffer()],
      ['progressive.jpg', await raw(3).jpeg({ progressive: true }).toBuffer()],
      ['# hash first.jpg', jpg],
      ['  spaces  around .webp', await raw(4).webp({ lossless: true }).toBuffer()],
    ]);
    bad = new Map<string, [Buffer, RegExp]>([
      ['truncated.jpg', [jpg.subarray(0, Math.floor(jpg.length * 0.6)), /corrupt, truncated/]],
      ['truncated.png', [png.subarray(0, png.length - 20), /corrupt, truncated/]],
      ['zero bytes.png', [Buffer.alloc(0), /empty \(0 bytes\)/]],
      ['text.jpg', [Buffer.from('this is not an image\n'), /corrupt, truncated or in an unsupported format/]],
      [
        'bomb 20000x20000.png',
        [bombPng(20000, 20000), /corrupt, truncated or in an unsupported format.*pixel limit/],
      ],
      ['header only.jpg', [jpg.subarray(0, 200), /corrupt, truncated/]],
    ]);
  });

  it('odd but valid images decode to RGB; bad ones throw a DataError naming the file and the fix', async () => {
    const dir = tmpDir();
    for (const [name, bytes] of good) {
      const f = path.join(dir, name);
      fs.writeFileSync(f, bytes);
      const img = await decodeImage(f);
      assert.deepEqual([img.width, img.height, img.data.length], [W, H, W * H * 3], name);
    }
    for (const [name, [bytes, why]] of bad) {
      const f = path.join(dir, name);
      fs.writeFileSync(f, bytes);
      await assert.rejects(decodeImage(f), (e: unknown) => {
        assert.ok(e instanceof DataError, `${name}: ${String(e)}`);
        assert.equal(e.file, f);
        assert.match(e.message, why, name);
        assert.match(e.message, /fix: replace the file with an intact copy/);
        return true;
      });
    }
  });

  it('a decompression bomb is refused from its header, without allocating its pixels', async () => {
    const f = path.join(tmpDir(), 'bomb.png');
    // 16000 x 16000 = 256 MP: under libvips' own default limit, over PIL's (and ours, 178,956,970).
    fs.writeFileSync(f, bombPng(16000, 16000));
    const before = process.memoryUsage().rss;
    await assert.rejects(decodeImage(f), /pixel limit/);
    const grew = (process.memoryUsage().rss - before) / (1 << 20);
    assert.ok(grew < 200, `decoding the bomb grew the process by ${grew.toFixed(0)} MB`);
  });

  it('a dataset with odd names, a BOM and CRLF, bad files among good ones: loads, skips the bad ones by name, once each', async () => {
    const root = tmpDir();
    const imgDir = path.join(root, 'images with spaces', 'ünï');
    fs.mkdirSync(imgDir, { recursive: true });
    const lines: string[] = [];
    let label = 0;
    for (const [name, bytes] of good) {
      fs.writeFileSync(path.join(imgDir, name), bytes);
      lines.push(`images with spaces/ünï/${name} ${label++ % 3}`);
    }
    for (const [name, [bytes]] of bad) {
      fs.writeFileSync(path.join(imgDir, name), bytes);
      lines.push(`images with spaces/ünï/${name} ${label++ % 3}`);
    }
    fs.writeFileSync(path.join(root, 'train800.txt'), `\ufeff${lines.join('\r\n')}\r\n\r\n`);
    fs.writeFileSync(path.join(root, 'test.txt'), `\ufeff${lines.slice(0, 3).join('\r\n')}`);
    const exp = path.join(root, 'odd.spt.yaml');
    fs.writeFileSync(
      exp,
      'name: odd\nbackbone: {arch: vit_tiny_patch16_224, checkpoint: null}\n' +
        'data: {root: ., format: vtab, train: train800.txt, val: null, test: test.txt, num_classes: 3}\n',
    );
    const data = openDataset(loadExperiment(exp));
    // An image that vanishes after the dataset was opened is skipped like a corrupt one.
    fs.rmSync(path.join(imgDir, 'rgba.png'));
    const all = [...data.train, ...data.val];
    assert.equal(all.length, lines.length);
    assert.ok(all.some((e) => e.image === 'images with spaces/ünï/palette alpha 🙂.png'));
    assert.ok(all.some((e) => e.image === 'images with spaces/ünï/  spaces  around .webp'));
    const warnings: string[] = [];
    const loader = new BatchLoader(all, {
      size: 16,
      batchSize: 4,
      mode: 'eval',
      augment: 'none',
      seed: 1,
      dropLast: false,
      log: (level, msg) => level === 'warn' && warnings.push(msg),
    });
    let images = 0;
    for (let epoch = 0; epoch < 2; epoch++)
      for await (const b of loader.epoch(epoch)) {
        images += b.labels.length;
        assert.equal(b.images.length, b.labels.length * 16 * 16 * 3);
        assert.ok(b.images.every(Number.isFinite));
      }
    assert.equal(images, 2 * (good.size - 1), 'every good image, in both epochs');
    const skips = warnings.filter((w) => w.startsWith('skipping unreadable image'));
    assert.equal(skips.length, bad.size + 1, warnings.join('\n'));
    for (const name of [...bad.keys(), 'rgba.png'])
      assert.ok(
        warnings.some((w) => w.includes(name)),
        `a warning names ${name}: ${warnings.join('\n')}`,
      );
  });

  it('labels out of range, negative, fractional or huge: a DataError with the file, the line and the fix', () => {
    const dir = tmpDir();
    for (const [label, why] of [
      ['3', /label 3 .*num_classes.* 3|out of range/],
      ['-1', /label/],
      ['1.5', /label/],
      ['1e30', /label/],
      ['99999999999999999999', /label/],
    ] as const) {
      const f = path.join(dir, `split ${label}.txt`);
      fs.writeFileSync(f, `\ufeffa.png 0\r\nb b.png 1\r\nc.png ${label}\r\n`);
      assert.throws(
        () => parseSplitFile(f, { numClasses: 3 }),
        (e: unknown) =>
          e instanceof DataError &&
          e.file === f &&
          e.line === 3 &&
          why.test(e.message) &&
          /fix: /.test(e.message),
        label,
      );
    }
  });

  it(`seeded fuzz: ${cases(1000, 40000)} mutated split files parse or fail with a DataError, never anything else`, () => {
    const r = prng(99);
    const dir = tmpDir();
    const f = path.join(dir, 'split.txt');
    const base = Buffer.from('\ufeffimages/a b.png 0\r\nimages/ünï.png 1\nc.jpg 2\r\n\n  d.png   1  \n');
    const pieces = [
      '\r',
      '\n',
      '\r\n',
      ' ',
      '\t',
      '\u0000',
      '\ufeff',
      '-',
      '.',
      'e',
      '9',
      '#',
      '\\',
      '/',
      '..',
      '\ud800',
      '１',
    ];
    let parsed = 0;
    for (let i = 0; i < cases(1000, 40000); i++) {
      let text = base.toString('utf8');
      for (let k = 1 + r.int(4); k > 0; k--) {
        const at = r.int(text.length + 1);
        text =
          r.next() < 0.5
            ? text.slice(0, at) + r.pick(pieces) + text.slice(at)
            : text.slice(0, at) + text.slice(at + 1 + r.int(6));
      }
      const bytes = Buffer.from(text, 'utf8');
      if (r.next() < 0.1) bytes[r.int(bytes.length || 1)] = r.int(256);
      fs.writeFileSync(f, bytes);
      try {
        const s = parseSplitFile(f, { numClasses: 3 });
        for (const e of s.entries)
          assert.ok(Number.isInteger(e.label) && e.label >= 0 && e.label < 3 && e.image.length > 0);
        parsed++;
      } catch (e) {
        assert.ok(e instanceof DataError, `mutation ${i}: ${(e as Error).stack}\n${JSON.stringify(text)}`);
        assert.equal(e.file, f);
      }
    }
    assert.ok(parsed > 0);
  });

  it(`seeded fuzz: ${cases(150, 3000)} mutated PNG/JPEG/WebP files decode or fail with a DataError`, async () => {
    const r = prng(5);
    const dir = tmpDir();
    const sources = [...good.values()];
    let decoded = 0;
    for (let i = 0; i < cases(150, 3000); i++) {
      const b = Buffer.from(r.pick(sources));
      const mode = r.int(3);
      let bytes: Buffer;
      if (mode === 0) bytes = b.subarray(0, r.int(b.length));
      else {
        for (let k = 1 + r.int(8); k > 0; k--) b[r.int(b.length)] = r.int(256);
        bytes =
          mode === 1
            ? b
            : Buffer.concat([b, Buffer.from(Array.from({ length: r.int(64) }, () => r.int(256)))]);
      }
      const f = path.join(dir, `m${i % 7}.img`);
      fs.writeFileSync(f, bytes);
      try {
        const img = await decodeImage(f);
        assert.equal(img.data.length, img.width * img.height * 3);
        decoded++;
      } catch (e) {
        assert.ok(e instanceof DataError, `mutation ${i}: ${(e as Error).stack}`);
      }
    }
    assert.ok(decoded > 0 && decoded < cases(150, 3000), `${decoded} decoded`);
  });
});
