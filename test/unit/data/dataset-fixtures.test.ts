/** Every dataset layout read from small committed fixtures (scripts/make-dataset-fixtures.ts). */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadExperiment } from '../../../src/config/load-config';
import { openDataset } from '../../../src/engine/data/dataset';

const FIX = path.join(__dirname, '..', '..', 'fixtures', 'datasets');

function open(format: string, files: { train: string; val: string; test: string }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-ds-'));
  const f = path.join(dir, 'x.spt.yaml');
  fs.writeFileSync(
    f,
    `name: x
backbone: {arch: vit_tiny_patch16_224, checkpoint: null}
data: {format: ${format}, root: ${path.join(FIX, format)}, train: ${files.train}, val: ${files.val}, test: ${files.test}, num_classes: 5}
`,
  );
  return openDataset(loadExperiment(f));
}

/** image file name -> label, whatever folder layout holds it */
const byName = (entries: { path: string; label: number }[]) =>
  Object.fromEntries(entries.map((e) => [path.basename(e.path), e.label]));

describe('dataset layouts from committed fixtures', () => {
  const want = {
    train: { 'img_0.png': 0, 'img_1.png': 1, 'img_2.png': 2, 'img_3.png': 3, 'img_4.png': 4 },
    val: { 'img_5.png': 2 },
    test: { 'img_5.png': 2, 'img_0.png': 0 },
  };
  const layouts = {
    imagefolder: { train: 'train', val: 'val', test: 'test' },
    vtab: { train: 'train800.txt', val: 'val200.txt', test: 'test.txt' },
    fgvc: { train: 'toy_train.txt', val: 'toy_val.txt', test: 'toy_test.txt' },
    'vpt-json': { train: 'train.json', val: 'val.json', test: 'test.json' },
  };
  for (const [format, files] of Object.entries(layouts)) {
    it(`${format}: the same images and labels in every split`, () => {
      const d = open(format, files);
      assert.deepEqual(byName(d.train), want.train);
      assert.deepEqual(byName(d.val), want.val);
      assert.deepEqual(byName(d.test ?? []), want.test);
      assert.equal(d.valSource, 'file');
      for (const e of [...d.train, ...d.val, ...(d.test ?? [])]) assert.ok(fs.existsSync(e.path), e.path);
    });
  }
  it('imagefolder: classes in sorted folder order', () => {
    assert.deepEqual(open('imagefolder', layouts.imagefolder).classes, ['ant', 'bee', 'cat', 'dog', 'eel']);
  });
  it('vtab: the CRLF test file reads like the others', () => {
    assert.ok(fs.readFileSync(path.join(FIX, 'vtab', 'test.txt'), 'utf8').includes('\r\n'));
  });
});
