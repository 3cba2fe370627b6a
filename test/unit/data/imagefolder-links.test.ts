/**
 * ImageFolder and hostile folder trees (issue 14 #4): symbolic links that leave their class folder or
 * loop back, and file/folder names that are not valid UTF-8. Real folders, real links, real names.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { loadExperiment } from '../../../src/config/load-config';
import { DataError } from '../../../src/engine/data/data-error';
import { openDataset } from '../../../src/engine/data/dataset';
import { readImageFolder } from '../../../src/engine/data/imagefolder';
import type { SplitEntry } from '../../../src/engine/data/split-file';

let PNG: Buffer;
let tmp: string;

function tree(name: string, files: string[]): string {
  const dir = path.join(tmp, name);
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), PNG);
  }
  return dir;
}

const summary = (es: SplitEntry[]) => es.map((e) => `${e.image}:${e.label}`);

describe('data/imagefolder: links and odd names (issue 14 #4)', () => {
  before(async () => {
    PNG = await sharp({ create: { width: 4, height: 3, channels: 3, background: { r: 1, g: 2, b: 3 } } })
      .png()
      .toBuffer();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-imagefolder-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('`ln -s .. train/a/loop` does not count the other classes as class a: skipped with one warning naming it', () => {
    const dir = tree('up', ['train/a/a1.png', 'train/b/b1.png', 'train/b/b2.png']);
    const link = path.join(dir, 'train/a/loop');
    fs.symlinkSync('..', link);
    const r = readImageFolder(path.join(dir, 'train'));
    assert.deepEqual(summary(r.entries), ['a/a1.png:0', 'b/b1.png:1', 'b/b2.png:1']);
    assert.equal(r.warnings.length, 1, r.warnings.join('\n'));
    assert.ok(r.warnings[0].includes(link), r.warnings[0]);
    assert.match(r.warnings[0], /leaves its class folder .*other classes' images/);
  });

  it('a link to another class folder, to one of its images, or to / is skipped; each named once', () => {
    const dir = tree('sideways', ['train/a/a1.png', 'train/b/b1.png']);
    fs.symlinkSync('../b', path.join(dir, 'train/a/b-again'));
    fs.symlinkSync('../b/b1.png', path.join(dir, 'train/a/stolen.png'));
    fs.symlinkSync('/', path.join(dir, 'train/a/root'));
    const r = readImageFolder(path.join(dir, 'train'));
    assert.deepEqual(summary(r.entries), ['a/a1.png:0', 'b/b1.png:1']);
    const named = ['b-again', 'root', 'stolen.png'].map((n) => path.join(dir, 'train/a', n));
    assert.equal(r.warnings.length, 3, r.warnings.join('\n'));
    for (const n of named) assert.equal(r.warnings.filter((w) => w.includes(`${n}:`)).length, 1, n);
  });

  it('a loop inside a class folder is detected: its images are listed once, the link named', () => {
    const dir = tree('loop', ['train/a/a1.png', 'train/a/sub/a2.png', 'train/b/b1.png']);
    fs.symlinkSync('..', path.join(dir, 'train/a/sub/back'));
    fs.symlinkSync('.', path.join(dir, 'train/a/self'));
    const r = readImageFolder(path.join(dir, 'train'));
    assert.deepEqual(summary(r.entries), ['a/a1.png:0', 'a/sub/a2.png:0', 'b/b1.png:1']);
    assert.equal(r.warnings.length, 2, r.warnings.join('\n'));
    assert.ok(r.warnings.every((w) => /a loop/.test(w)));
    assert.ok(r.warnings.some((w) => w.includes(path.join(dir, 'train/a/sub/back'))));
  });

  it('links inside the class folder and into a store outside the split folder are followed', () => {
    const dir = tree('farm', ['store/x.png', 'store/deep/y.png', 'train/a/sub/a1.png', 'train/b/b1.png']);
    fs.symlinkSync(path.join(dir, 'store'), path.join(dir, 'train/a/shared'));
    fs.symlinkSync(path.join(dir, 'store/x.png'), path.join(dir, 'train/b/x-link.png'));
    fs.symlinkSync('sub/a1.png', path.join(dir, 'train/a/alias.png'));
    const r = readImageFolder(path.join(dir, 'train'));
    assert.deepEqual(summary(r.entries), [
      'a/alias.png:0',
      'a/shared/x.png:0',
      'a/shared/deep/y.png:0',
      'a/sub/a1.png:0',
      'b/b1.png:1',
      'b/x-link.png:1',
    ]);
    assert.deepEqual(r.warnings, []);
  });

  it('refuses a class folder that is a link to a folder holding the split folder', () => {
    const dir = tree('class-up', ['train/a/a1.png']);
    fs.symlinkSync('..', path.join(dir, 'train/c'));
    assert.throws(
      () => readImageFolder(path.join(dir, 'train')),
      (e: unknown) =>
        e instanceof DataError &&
        e.file === path.join(dir, 'train/c') &&
        /class folder "c" is a symbolic link to .*holds the split folder itself/.test(e.problem),
    );
  });

  it('names a file or class folder whose name is not valid UTF-8, bytes escaped, instead of "do not exist"', () => {
    const dir = tree('latin1', ['train/a/a1.png', 'train/b/b1.png']);
    const latin1 = (rel: string, name: number[]) =>
      Buffer.concat([Buffer.from(path.join(dir, rel) + path.sep), Buffer.from(name)]);
    fs.writeFileSync(latin1('train/a', [0x63, 0x61, 0x66, 0xe9, 0x2e, 0x70, 0x6e, 0x67]), PNG); // café.png in Latin-1
    const cls = latin1('train', [0xe9, 0x74, 0xe9]); // été
    fs.mkdirSync(cls);
    fs.writeFileSync(Buffer.concat([cls, Buffer.from('/e1.png')]), PNG);
    fs.writeFileSync(latin1('train/b', [0xff, 0x2e, 0x74, 0x78, 0x74]), 'not an image: ignored');
    assert.throws(
      () => readImageFolder(path.join(dir, 'train')),
      (e: unknown) => {
        assert.ok(e instanceof DataError, String(e));
        assert.equal(e.file, path.join(dir, 'train'));
        assert.match(e.problem, /^2 file or folder names are not valid UTF-8/);
        assert.ok(e.problem.includes('a/caf\\xe9.png'), e.problem);
        assert.ok(e.problem.includes('\\xe9t\\xe9'), e.problem);
        assert.ok(!e.problem.includes('\\xff'), 'a non-image file is not reported');
        assert.match(e.fix, /rename them to UTF-8.*convmv/);
        return true;
      },
    );
  });

  it('openDataset passes the link warnings on', () => {
    const dir = tree('exp', [
      'data/train/a/a1.png',
      'data/train/a/a2.png',
      'data/train/b/b1.png',
      'data/train/b/b2.png',
    ]);
    fs.symlinkSync('..', path.join(dir, 'data/train/b/up'));
    const file = path.join(dir, 'exp.spt.yaml');
    fs.writeFileSync(
      file,
      'name: t\nbackbone: {arch: vit_tiny_patch16_224, checkpoint: null}\ndata: {format: imagefolder, root: data, train: train, val: null, val_fraction: 0.5, num_classes: 2}\n',
    );
    const d = openDataset(loadExperiment(file));
    assert.equal(d.train.length + d.val.length, 4);
    assert.equal(d.warnings.length, 1);
    assert.ok(d.warnings[0].includes(path.join(dir, 'data/train/b/up')));
  });
});
