import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { loadExperiment, type ResolvedExperiment } from '../../../src/config/load-config';
import { DataError } from '../../../src/engine/data/data-error';
import { heldOutSplit, openDataset } from '../../../src/engine/data/dataset';
import { readImageFolder } from '../../../src/engine/data/imagefolder';
import type { SplitEntry } from '../../../src/engine/data/split-file';

let PNG: Buffer;
let tmp: string;

function writePng(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, PNG);
}

function writeText(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

/** A fresh dataset folder under the test's temp dir. */
function freshDir(name: string): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Writes an experiment file next to `dir` whose data section is `data` (YAML flow mapping body). */
function experiment(dir: string, data: string, seed = 42): ResolvedExperiment {
  const file = path.join(dir, 'exp.spt.yaml');
  fs.writeFileSync(
    file,
    `name: t\nseed: ${seed}\nbackbone: {arch: vit_tiny_patch16_224, checkpoint: null}\ndata: {${data}}\n`,
  );
  return loadExperiment(file);
}

function dataError(fn: () => unknown, check: (e: DataError) => void): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DataError, `expected a DataError, got ${String(e)}`);
    check(e);
    return true;
  });
}

/** Writes `<dir>/images/c<label>_<i>.png` files and returns their `<path> <label>` lines. */
function vtabImages(dir: string, perClass: number[]): string[] {
  const lines: string[] = [];
  perClass.forEach((n, label) => {
    for (let i = 0; i < n; i++) {
      const rel = `images/c${label}_${i}.png`;
      writePng(path.join(dir, rel));
      lines.push(`${rel} ${label}`);
    }
  });
  return lines;
}

const labelsOf = (es: SplitEntry[]) => es.map((e) => e.label);
const imagesOf = (es: SplitEntry[]) => es.map((e) => e.image);

describe('data/dataset', () => {
  before(async () => {
    PNG = await sharp({ create: { width: 6, height: 5, channels: 3, background: { r: 10, g: 200, b: 30 } } })
      .png()
      .toBuffer();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-dataset-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  describe('readImageFolder', () => {
    it('sorts classes by code point and images by name, walks nested folders, skips hidden and non-images', () => {
      const dir = freshDir('if-order');
      for (const f of [
        'train/dog/b.png',
        'train/dog/A.PNG',
        'train/dog/sub/c.jpg',
        'train/Zebra/z.webp',
        'train/cat/x.jpeg',
        'train/cat/.hidden.png',
        'train/.ipynb_checkpoints/y.png',
      ])
        writePng(path.join(dir, f));
      writeText(path.join(dir, 'train/cat/notes.txt'), 'not an image');
      writeText(path.join(dir, 'train/.DS_Store'), 'x');
      const r = readImageFolder(path.join(dir, 'train'));
      assert.deepEqual(r.classes, ['Zebra', 'cat', 'dog']);
      assert.deepEqual(imagesOf(r.entries), [
        'Zebra/z.webp',
        'cat/x.jpeg',
        'dog/A.PNG',
        'dog/b.png',
        'dog/sub/c.jpg',
      ]);
      assert.deepEqual(labelsOf(r.entries), [0, 1, 2, 2, 2]);
      assert.equal(r.entries[0].path, path.join(dir, 'train', 'Zebra', 'z.webp'));
    });

    it('labels val/test with the training classes and rejects a class the training folder lacks', () => {
      const dir = freshDir('if-classes');
      writePng(path.join(dir, 'val/dog/1.png'));
      const r = readImageFolder(path.join(dir, 'val'), { classes: ['cat', 'dog'] });
      assert.deepEqual(labelsOf(r.entries), [1]);
      assert.deepEqual(r.classes, ['cat', 'dog']);
      writePng(path.join(dir, 'val/emu/1.png'));
      dataError(
        () => readImageFolder(path.join(dir, 'val'), { classes: ['cat', 'dog'] }),
        (e) => {
          assert.equal(e.file, path.join(dir, 'val'));
          assert.match(e.problem, /emu/);
        },
      );
    });

    it('reports an empty class folder and a missing folder', () => {
      const dir = freshDir('if-empty');
      writePng(path.join(dir, 'train/a/1.png'));
      fs.mkdirSync(path.join(dir, 'train/b'));
      writeText(path.join(dir, 'train/b/readme.txt'), 'no images');
      dataError(
        () => readImageFolder(path.join(dir, 'train')),
        (e) => {
          assert.equal(e.file, path.join(dir, 'train', 'b'));
          assert.match(e.problem, /holds no images/);
          assert.match(e.fix, /remove the empty folder/);
        },
      );
      dataError(
        () => readImageFolder(path.join(dir, 'nope')),
        (e) => assert.match(e.problem, /not found/),
      );
    });
  });

  describe('openDataset', () => {
    it('opens an ImageFolder dataset with train/val/test folders', () => {
      const dir = freshDir('if-open');
      for (const split of ['train', 'val', 'test'])
        for (const c of ['ant', 'bee', 'cow'])
          writePng(path.join(dir, 'data', split, c, `${split}-${c}.png`));
      writePng(path.join(dir, 'data/train/bee/second.png'));
      const exp = experiment(
        dir,
        'format: imagefolder, root: data, train: train, val: val, test: test, num_classes: 3',
      );
      const d = openDataset(exp);
      assert.deepEqual(d.classes, ['ant', 'bee', 'cow']);
      assert.equal(d.valSource, 'file');
      assert.equal(d.numClasses, 3);
      assert.deepEqual(labelsOf(d.train), [0, 1, 1, 2]);
      assert.deepEqual(labelsOf(d.val), [0, 1, 2]);
      assert.deepEqual(labelsOf(d.test!), [0, 1, 2]);
    });

    it('says how many class folders it found when they do not match num_classes', () => {
      const dir = freshDir('if-count');
      for (const c of ['a', 'b', 'c']) writePng(path.join(dir, 'data/train', c, '1.png'));
      const exp = experiment(dir, 'format: imagefolder, root: data, train: train, num_classes: 5');
      dataError(
        () => openDataset(exp),
        (e) => {
          assert.equal(e.file, path.join(dir, 'data', 'train'));
          assert.match(e.problem, /found 3 class folders \(a, b, c\), but data\.num_classes is 5/);
          assert.match(e.fix, /set data\.num_classes to 3/);
        },
      );
    });

    it('reports a missing ImageFolder split folder with the folders that exist', () => {
      const dir = freshDir('if-missing');
      writePng(path.join(dir, 'data/train/a/1.png'));
      const exp = experiment(
        dir,
        'format: imagefolder, root: data, train: train, val: valid, num_classes: 1',
      );
      dataError(
        () => openDataset(exp),
        (e) => {
          assert.equal(e.file, path.join(dir, 'data', 'valid'));
          assert.match(e.fix, /data\.val/);
          assert.match(e.fix, /train/);
        },
      );
    });

    it('opens VTAB split files with image paths relative to data.root', () => {
      const dir = freshDir('vtab');
      const root = path.join(dir, 'task');
      const lines = vtabImages(root, [2, 2, 1]);
      writeText(path.join(root, 'train800.txt'), `${lines.slice(0, 4).join('\n')}\n`);
      writeText(path.join(root, 'val200.txt'), `${lines[4]}\n`);
      writeText(path.join(root, 'test.txt'), `${lines.join('\r\n')}\r\n`);
      const exp = experiment(
        dir,
        'format: vtab, root: task, train: train800.txt, val: val200.txt, test: test.txt, num_classes: 3',
      );
      const d = openDataset(exp);
      assert.equal(d.valSource, 'file');
      assert.deepEqual(labelsOf(d.train), [0, 0, 1, 1]);
      assert.deepEqual(imagesOf(d.val), ['images/c2_0.png']);
      assert.equal(d.val[0].path, path.join(root, 'images', 'c2_0.png'));
      assert.equal(d.test!.length, 5);
      assert.equal(d.classes, undefined);
    });

    it('holds out a stratified, seeded val split disjoint from train when val is null', () => {
      const dir = freshDir('heldout');
      const root = path.join(dir, 'task');
      const lines = vtabImages(root, [20, 10, 5, 2, 1]);
      writeText(path.join(root, 'train.txt'), lines.join('\n'));
      const open = (seed: number) =>
        openDataset(
          experiment(
            dir,
            'format: fgvc, root: task, train: train.txt, val_fraction: 0.2, num_classes: 5',
            seed,
          ),
        );
      const d = open(7);
      assert.equal(d.valSource, 'held-out');
      assert.equal(d.test, null);
      const count = (es: SplitEntry[], label: number) => es.filter((e) => e.label === label).length;
      // round(0.2 * n), at least 1 for n >= 2, none for a single image.
      assert.deepEqual(
        [0, 1, 2, 3, 4].map((l) => count(d.val, l)),
        [4, 2, 1, 1, 0],
      );
      assert.deepEqual(
        [0, 1, 2, 3, 4].map((l) => count(d.train, l)),
        [16, 8, 4, 1, 1],
      );
      const trainSet = new Set(imagesOf(d.train));
      assert.ok(
        d.val.every((e) => !trainSet.has(e.image)),
        'val and train overlap',
      );
      assert.deepEqual(
        new Set([...imagesOf(d.train), ...imagesOf(d.val)]),
        new Set(lines.map((l) => l.split(' ')[0])),
      );
      // Input order is kept in both parts.
      const pos = new Map(lines.map((l, i) => [l.split(' ')[0], i]));
      for (const part of [d.train, d.val]) {
        const p = part.map((e) => pos.get(e.image)!);
        assert.deepEqual(
          p,
          [...p].sort((a, b) => a - b),
        );
      }
      assert.deepEqual(open(7).val, d.val, 'same seed, same split');
      const others = [8, 9, 10].map((s) => imagesOf(open(s).val).join());
      assert.ok(
        others.some((o) => o !== imagesOf(d.val).join()),
        'the split should depend on the seed',
      );
    });

    it('heldOutSplit matches its rule for every class size', () => {
      const entries: SplitEntry[] = [];
      for (let n = 1; n <= 12; n++)
        for (let i = 0; i < n; i++) entries.push({ image: `${n}/${i}`, path: `/x/${n}/${i}`, label: n });
      const { train, val } = heldOutSplit(entries, 0.5, 3);
      // Python's round(n / 2), half to even, clamped to [1, n - 1]; a single image stays in train.
      const want = [0, 1, 2, 2, 2, 3, 4, 4, 4, 5, 6, 6];
      for (let n = 1; n <= 12; n++) {
        const v = val.filter((e) => e.label === n).length;
        assert.equal(v, want[n - 1], `class of ${n}`);
        assert.equal(train.filter((e) => e.label === n).length, n - v);
      }
    });

    it('reports a label out of range with the file, line and fix', () => {
      const dir = freshDir('range');
      const root = path.join(dir, 'task');
      const lines = vtabImages(root, [1, 1]);
      writeText(path.join(root, 'train.txt'), `${lines[0]}\nimages/c1_0.png 7\n`);
      dataError(
        () => openDataset(experiment(dir, 'format: vtab, root: task, train: train.txt, num_classes: 2')),
        (e) => {
          assert.equal(e.file, path.join(root, 'train.txt'));
          assert.equal(e.line, 2);
          assert.match(e.problem, /label 7 is out of range/);
          assert.match(e.fix, /numClasses|num_classes/);
        },
      );
      writeText(path.join(root, 'train.txt'), `${lines[0]}\nimages/c1_0.png -1\n`);
      dataError(
        () => openDataset(experiment(dir, 'format: vtab, root: task, train: train.txt, num_classes: 2')),
        (e) => {
          assert.equal(e.line, 2);
          assert.match(e.problem, /negative/);
        },
      );
    });

    it('reports a missing split file with the split files that exist', () => {
      const dir = freshDir('missing-split');
      const root = path.join(dir, 'task');
      const lines = vtabImages(root, [2]);
      writeText(path.join(root, 'train800.txt'), lines.join('\n'));
      writeText(path.join(root, 'val200.txt'), lines.join('\n'));
      const exp = experiment(
        dir,
        'format: vtab, root: task, train: train800.txt, val: val.txt, num_classes: 1',
      );
      dataError(
        () => openDataset(exp),
        (e) => {
          assert.equal(e.file, path.join(root, 'val.txt'));
          assert.match(e.problem, /val split file/);
          assert.match(e.fix, /data\.val/);
          assert.match(e.fix, /train800\.txt, val200\.txt/);
        },
      );
      dataError(
        () => openDataset(experiment(dir, 'format: vtab, root: nowhere, train: t.txt, num_classes: 1')),
        (e) => {
          assert.equal(e.file, path.join(dir, 'nowhere'));
          assert.match(e.fix, /data\.root/);
        },
      );
    });

    it('reports missing images together: the first 10 names and the count', () => {
      const dir = freshDir('missing-images');
      const root = path.join(dir, 'task');
      const lines = vtabImages(root, [3]);
      const ghosts = Array.from({ length: 12 }, (_, i) => `images/ghost_${String(i).padStart(2, '0')}.png 0`);
      writeText(path.join(root, 'train.txt'), [...lines, ...ghosts].join('\n'));
      dataError(
        () => openDataset(experiment(dir, 'format: vtab, root: task, train: train.txt, num_classes: 1')),
        (e) => {
          assert.equal(e.file, path.join(root, 'train.txt'));
          assert.match(e.problem, /^12 of 15 images do not exist: images\/ghost_00\.png, /);
          assert.match(e.problem, /ghost_09\.png and 2 more$/);
          assert.doesNotMatch(e.problem, /ghost_10/);
          assert.match(e.fix, /data\.root/);
        },
      );
    });

    it('reports an empty split', () => {
      const dir = freshDir('empty-split');
      writeText(path.join(dir, 'task', 'train.txt'), '\n\n');
      dataError(
        () => openDataset(experiment(dir, 'format: vtab, root: task, train: train.txt, num_classes: 1')),
        (e) => {
          assert.equal(e.file, path.join(dir, 'task', 'train.txt'));
          assert.match(e.problem, /empty/);
        },
      );
    });

    it('opens the VPT json layout and checks its labels', () => {
      const dir = freshDir('vpt');
      const root = path.join(dir, 'cub');
      const lines = vtabImages(root, [3, 3]);
      const json = Object.fromEntries(lines.map((l) => [l.split(' ')[0], Number(l.split(' ')[1])]));
      writeText(path.join(root, 'train.json'), JSON.stringify(json));
      writeText(path.join(root, 'test.json'), JSON.stringify({ 'images/c1_2.png': 1 }));
      const d = openDataset(
        experiment(
          dir,
          'format: vpt-json, root: cub, train: train.json, test: test.json, val_fraction: 0.3, num_classes: 2',
        ),
      );
      assert.equal(d.valSource, 'held-out');
      assert.deepEqual(labelsOf(d.val), [0, 1]);
      assert.equal(d.train.length, 4);
      assert.deepEqual(imagesOf(d.test!), ['images/c1_2.png']);
      writeText(path.join(root, 'test.json'), JSON.stringify({ 'images/c1_2.png': 2 }));
      dataError(
        () =>
          openDataset(
            experiment(
              dir,
              'format: vpt-json, root: cub, train: train.json, test: test.json, num_classes: 2',
            ),
          ),
        (e) => {
          assert.equal(e.file, path.join(root, 'test.json'));
          assert.match(e.problem, /out of range/);
        },
      );
      writeText(path.join(root, 'test.json'), JSON.stringify({ '001/x.jpg': 1 }));
      dataError(
        () =>
          openDataset(
            experiment(
              dir,
              'format: vpt-json, root: cub, train: train.json, test: test.json, num_classes: 2',
            ),
          ),
        (e) => assert.match(e.fix, /VPT layout/),
      );
    });

    it('sends synthetic data to spt demo', () => {
      const dir = freshDir('synthetic');
      dataError(
        () => openDataset(experiment(dir, 'format: synthetic, root: ., train: x, num_classes: 2')),
        (e) => assert.match(e.fix, /spt demo/),
      );
    });
  });
});
