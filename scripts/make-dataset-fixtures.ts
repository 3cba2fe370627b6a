/**
 * Writes test/fixtures/datasets/: the six parity images in each dataset layout the trainer reads
 * (ImageFolder, VTAB-1k split files, FGVC split files in the SPT authors' layout, VPT json).
 * Run: npx tsx scripts/make-dataset-fixtures.ts
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
const SRC = path.join(ROOT, 'test', 'fixtures', 'parity');
const OUT = path.join(ROOT, 'test', 'fixtures', 'datasets');
const CLASSES = ['ant', 'bee', 'cat', 'dog', 'eel'];
const labelled = fs
  .readFileSync(path.join(SRC, 'images.txt'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => {
    const [image, label] = l.split(' ');
    return { image, label: Number(label) };
  });

fs.rmSync(OUT, { recursive: true, force: true });
const copy = (from: string, to: string) => {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(path.join(SRC, from), to);
};
// train: images 0-4 (all five classes), val: 5, test: 5 and 0 (indices into images.txt)
const splits = { train: [0, 1, 2, 3, 4], val: [5], test: [5, 0] } as const;

// ImageFolder: <split>/<class>/<file>
for (const [split, idx] of Object.entries(splits)) {
  for (const i of idx) {
    const { image, label } = labelled[i];
    copy(image, path.join(OUT, 'imagefolder', split, CLASSES[label], path.basename(image)));
  }
}
// VTAB-1k: images/ + train800.txt, val200.txt, test.txt (CRLF in test.txt, as some Windows-made files have)
// FGVC (authors' layout): <class folder>/<file> + *_train.txt / *_test.txt with `<path> <label>` lines
for (const layout of ['vtab', 'fgvc'] as const) {
  const names =
    layout === 'vtab'
      ? { train: 'train800.txt', val: 'val200.txt', test: 'test.txt' }
      : { train: 'toy_train.txt', val: 'toy_val.txt', test: 'toy_test.txt' };
  for (const [split, idx] of Object.entries(splits) as [keyof typeof splits, readonly number[]][]) {
    const lines = idx.map((i) => {
      const { image, label } = labelled[i];
      const rel =
        layout === 'vtab'
          ? image
          : `${String(label + 1).padStart(3, '0')}.${CLASSES[label]}/${path.basename(image)}`;
      copy(image, path.join(OUT, layout, rel));
      return `${rel} ${label}`;
    });
    fs.writeFileSync(
      path.join(OUT, layout, names[split]),
      `${lines.join(split === 'test' ? '\r\n' : '\n')}\n`,
    );
  }
}
// VPT json: images/ + {train,val,test}.json mapping relative paths to labels
for (const [split, idx] of Object.entries(splits)) {
  const map: Record<string, number> = {};
  for (const i of idx) {
    copy(labelled[i].image, path.join(OUT, 'vpt-json', labelled[i].image));
    map[labelled[i].image] = labelled[i].label;
  }
  fs.writeFileSync(path.join(OUT, 'vpt-json', `${split}.json`), `${JSON.stringify(map, null, 2)}\n`);
}
console.log(`wrote ${path.relative(process.cwd(), OUT)}`);
