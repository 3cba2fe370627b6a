/**
 * The default experiment's dataset (src/engine/data/fashion-mnist/default-dataset.ts): the shipped compact
 * Fashion-MNIST split written out as PNGs and VTAB split files, and read back by the engine's decoder.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { DataError } from '../../../src/engine/data/data-error';
import { decodeImage } from '../../../src/engine/data/decode-image';
import {
  ensureShippedDataset,
  parseIdx,
  prepareDefaultDataset,
} from '../../../src/engine/data/fashion-mnist/default-dataset';

const SOURCE = path.resolve('examples/default/dataset');
const DEBIAN = '/usr/share/datasets/fashion-mnist';

function idx(file: string) {
  return parseIdx(file, zlib.gunzipSync(fs.readFileSync(file)));
}

function splitLines(root: string, file: string): { rel: string; label: number }[] {
  return fs
    .readFileSync(path.join(root, file), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => ({ rel: l.slice(0, l.lastIndexOf(' ')), label: Number(l.slice(l.lastIndexOf(' ') + 1)) }));
}

describe('default dataset: Fashion-MNIST VTAB-1k-style split (issue 17)', function () {
  this.timeout(120_000);
  let root: string;
  before(async () => {
    root = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'spt-fmnist-')), 'data');
    const ds = await prepareDefaultDataset(root, SOURCE);
    assert.equal(ds.reused, false);
    assert.equal(ds.numClasses, 10);
  });

  it('writes 800 / 200 / 1,000 images, stratified 80 / 20 / 100 per class, disjoint', () => {
    const counts = { 'train800.txt': 80, 'val200.txt': 20, 'test.txt': 100 };
    const seen = new Set<string>();
    for (const [file, perClass] of Object.entries(counts)) {
      const lines = splitLines(root, file);
      assert.equal(lines.length, perClass * 10, file);
      for (let c = 0; c < 10; c++)
        assert.equal(lines.filter((l) => l.label === c).length, perClass, `${file} class ${c}`);
      for (const l of lines) {
        assert.ok(!seen.has(l.rel), `${l.rel} is in two splits`);
        seen.add(l.rel);
      }
    }
    assert.deepEqual(splitLines(root, 'train800val200.txt'), [
      ...splitLines(root, 'train800.txt'),
      ...splitLines(root, 'val200.txt'),
    ]);
    const split = JSON.parse(fs.readFileSync(path.join(SOURCE, 'split.json'), 'utf8'));
    const all = [...split.t10k_index.train, ...split.t10k_index.val, ...split.t10k_index.test];
    assert.equal(new Set(all).size, 2000, 'every t10k index once');
  });

  it('each PNG decodes (gray -> R = G = B) to exactly the idx bytes of its label', async () => {
    const images = idx(path.join(SOURCE, 'images-idx3-ubyte.gz'));
    const labels = idx(path.join(SOURCE, 'labels-idx1-ubyte.gz'));
    const order = [
      ...splitLines(root, 'train800.txt'),
      ...splitLines(root, 'val200.txt'),
      ...splitLines(root, 'test.txt'),
    ];
    for (const i of [0, 1, 799, 800, 999, 1000, 1999]) {
      assert.equal(order[i].label, labels.data[i]);
      const img = await decodeImage(path.join(root, order[i].rel));
      assert.equal(img.width, 28);
      assert.equal(img.height, 28);
      for (let p = 0; p < 28 * 28; p++) {
        const v = images.data[i * 784 + p];
        assert.equal(img.data[3 * p], v);
        assert.equal(img.data[3 * p + 1], v);
        assert.equal(img.data[3 * p + 2], v);
      }
    }
  });

  it("the shipped images are Debian's t10k images at the indices split.json names", function () {
    if (!fs.existsSync(path.join(DEBIAN, 't10k-images-idx3-ubyte.gz'))) this.skip(); // apt-get install dataset-fashion-mnist
    const t10k = idx(path.join(DEBIAN, 't10k-images-idx3-ubyte.gz'));
    const t10kLabels = idx(path.join(DEBIAN, 't10k-labels-idx1-ubyte.gz'));
    const images = idx(path.join(SOURCE, 'images-idx3-ubyte.gz'));
    const labels = idx(path.join(SOURCE, 'labels-idx1-ubyte.gz'));
    const split = JSON.parse(fs.readFileSync(path.join(SOURCE, 'split.json'), 'utf8'));
    const all: number[] = [...split.t10k_index.train, ...split.t10k_index.val, ...split.t10k_index.test];
    all.forEach((t, i) => {
      assert.equal(labels.data[i], t10kLabels.data[t]);
      assert.deepEqual(images.data.subarray(i * 784, (i + 1) * 784), t10kImages(t10k, t));
    });
  });

  it('is reused when complete and rewritten when its completion mark is missing', async () => {
    assert.equal((await prepareDefaultDataset(root, SOURCE)).reused, true);
    fs.rmSync(path.join(root, 'dataset.json'));
    fs.rmSync(path.join(root, 'images', 'bag', '0.png'));
    assert.equal((await prepareDefaultDataset(root, SOURCE)).reused, false);
    assert.ok(fs.existsSync(path.join(root, 'images', 'bag', '0.png')));
    // a missing image under a complete mark is noticed too
    fs.rmSync(path.join(root, 'images', 'coat', '3.png'));
    assert.equal((await prepareDefaultDataset(root, SOURCE)).reused, false);
  });

  it('a corrupt source file is named with the fix', async () => {
    const src = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-fmnist-src-'));
    for (const f of fs.readdirSync(SOURCE)) fs.copyFileSync(path.join(SOURCE, f), path.join(src, f));
    fs.writeFileSync(path.join(src, 'images-idx3-ubyte.gz'), 'not gzip');
    await assert.rejects(
      prepareDefaultDataset(path.join(src, 'data'), src),
      (e: unknown) =>
        e instanceof DataError && /images-idx3-ubyte\.gz/.test(e.message) && /git checkout/.test(e.message),
    );
    fs.rmSync(path.join(src, 'labels-idx1-ubyte.gz'));
    await assert.rejects(
      prepareDefaultDataset(path.join(src, 'data'), src),
      /labels-idx1-ubyte\.gz.*missing/s,
    );
  });

  it('parseIdx refuses a wrong magic and a payload that disagrees with the header', () => {
    assert.throws(() => parseIdx('x.idx', Buffer.from([0, 0, 9, 1, 0, 0, 0, 1, 5])), /magic/);
    assert.throws(() => parseIdx('x.idx', Buffer.from([0, 0, 8, 1, 0, 0, 0, 2, 5])), /header says 2/);
    assert.deepEqual([...parseIdx('x.idx', Buffer.from([0, 0, 8, 1, 0, 0, 0, 2, 5, 6])).data], [5, 6]);
  });
});

function t10kImages(t10k: { data: Uint8Array }, i: number): Uint8Array {
  return t10k.data.subarray(i * 784, (i + 1) * 784);
}

describe('default dataset: written out on first use by spt train (issue 17)', function () {
  this.timeout(180_000);
  it('every training run writes a missing ./data out of the shipped ./dataset beside it, and leaves a foreign folder alone', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-fmnist-ship-'));
    fs.cpSync(SOURCE, path.join(dir, 'dataset'), { recursive: true });
    const lines: string[] = [];
    await ensureShippedDataset(path.join(dir, 'data'), (_l, m) => lines.push(m));
    assert.equal(splitLines(path.join(dir, 'data'), 'test.txt').length, 1000);
    assert.match(lines.join('\n'), /wrote the shipped dataset/);
    // a folder filled by someone else is not touched
    const foreign = path.join(dir, 'other', 'data');
    fs.mkdirSync(foreign, { recursive: true });
    fs.cpSync(SOURCE, path.join(dir, 'other', 'dataset'), { recursive: true });
    fs.writeFileSync(path.join(foreign, 'mine.txt'), 'x');
    await ensureShippedDataset(foreign);
    assert.deepEqual(fs.readdirSync(foreign), ['mine.txt']);
  });
});
