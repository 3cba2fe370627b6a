import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { parseSplitFile } from '../../../src/engine/data/split-file';
import {
  DEFAULT_DATASET_CLASSES,
  type DefaultDataset,
  generateDefaultDataset,
} from '../../../src/engine/data/synthetic/default-dataset';

function sha(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function lines(file: string): string[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
}

describe('data/synthetic/default-dataset', function () {
  this.timeout(180000);
  let tmp: string;
  let a: DefaultDataset;
  let b: DefaultDataset;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-default-ds-'));
    a = await generateDefaultDataset(path.join(tmp, 'a'), { seed: 0 });
    b = await generateDefaultDataset(path.join(tmp, 'b'), { seed: 0 });
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('writes balanced VTAB-1k style splits of 10 classes', () => {
    assert.equal(a.numClasses, 10);
    assert.equal(a.reused, false);
    const want: [string, number][] = [
      [a.train, 80],
      [a.val, 20],
      [a.test, 100],
    ];
    for (const [file, perClass] of want) {
      const split = parseSplitFile(file, { numClasses: 10 });
      assert.equal(split.entries.length, perClass * 10, file);
      const counts = new Array<number>(10).fill(0);
      for (const e of split.entries) {
        counts[e.label]++;
        assert.match(e.image, /^images\/[a-z_]+\/\d+\.png$/);
        assert.equal(e.image.split('/')[1], DEFAULT_DATASET_CLASSES[e.label]);
        assert.ok(fs.existsSync(e.path), e.path);
      }
      assert.deepEqual(counts, new Array(10).fill(perClass), file);
    }
    assert.equal(path.basename(a.train), 'train800.txt');
    assert.equal(path.basename(a.val), 'val200.txt');
    assert.equal(path.basename(a.test), 'test.txt');
    const trainval = lines(path.join(a.root, 'train800val200.txt'));
    assert.deepEqual(trainval, [...lines(a.train), ...lines(a.val)]);
    // no image is in two splits
    const all = [...lines(a.train), ...lines(a.val), ...lines(a.test)].map((l) => l.split(' ')[0]);
    assert.equal(new Set(all).size, 2000);
    const meta = JSON.parse(fs.readFileSync(path.join(a.root, 'dataset.json'), 'utf8'));
    assert.equal(meta.seed, 0);
    assert.deepEqual(meta.counts, { train: 800, val: 200, test: 1000 });
    assert.match(meta.splitsSha256, /^[0-9a-f]{64}$/);
  });

  it('is byte-identical for the same seed and differs for another seed', async () => {
    for (const f of ['train800.txt', 'val200.txt', 'test.txt', 'train800val200.txt', 'dataset.json']) {
      assert.equal(sha(path.join(a.root, f)), sha(path.join(b.root, f)), f);
    }
    const picks = lines(a.train)
      .slice(0, 5)
      .concat(lines(a.test).slice(-5))
      .map((l) => l.split(' ')[0]);
    for (const rel of picks) assert.equal(sha(path.join(a.root, rel)), sha(path.join(b.root, rel)), rel);

    const c = await generateDefaultDataset(path.join(tmp, 'c'), { seed: 1 });
    assert.equal(c.reused, false);
    assert.notEqual(sha(path.join(a.root, picks[0])), sha(path.join(c.root, picks[0])));
  });

  it('reuses a complete dataset and regenerates an incomplete one', async () => {
    const file = path.join(a.root, 'images/star/3.png');
    const before = fs.statSync(file).mtimeMs;
    const again = await generateDefaultDataset(a.root, { seed: 0 });
    assert.equal(again.reused, true);
    assert.deepEqual({ ...again, reused: false }, a);
    assert.equal(fs.statSync(file).mtimeMs, before);

    // a dataset made with another seed is not reused
    const other = await generateDefaultDataset(path.join(tmp, 'c'), { seed: 0 });
    assert.equal(other.reused, false);
    assert.equal(sha(path.join(other.root, 'dataset.json')), sha(path.join(a.root, 'dataset.json')));
    // a missing image makes the dataset incomplete
    fs.rmSync(path.join(b.root, 'images/circle/0.png'));
    const redone = await generateDefaultDataset(b.root, { seed: 0 });
    assert.equal(redone.reused, false);
    assert.equal(
      sha(path.join(a.root, 'images/circle/0.png')),
      sha(path.join(b.root, 'images/circle/0.png')),
    );
  });

  it('writes 32x32 RGB PNGs that decode', async () => {
    for (const l of lines(a.val).slice(0, 10)) {
      const file = path.join(a.root, l.split(' ')[0]);
      const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
      assert.equal(info.width, 32);
      assert.equal(info.height, 32);
      assert.equal(info.channels, 3);
      assert.equal(data.length, 32 * 32 * 3);
      const meta = await sharp(file).metadata();
      assert.equal(meta.format, 'png');
    }
  });
});
