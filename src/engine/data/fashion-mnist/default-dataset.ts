/**
 * The default experiment's downstream dataset: a VTAB-1k-style split of Fashion-MNIST's t10k set (Zalando
 * SE, MIT licence; Debian's `dataset-fashion-mnist`), shipped in the repository in its compact form
 * (examples/default/dataset: `images-idx3-ubyte.gz`, `labels-idx1-ubyte.gz`, `split.json`, made by
 * scripts/pretrain_mae_fashion.py --make-split) and written out here, on first use, as the folder the
 * engine reads: no download, no Python.
 *
 * Layout (VTAB-1k style): `images/<class>/<n>.png` (28x28 gray PNG; the engine decodes gray as R = G = B),
 * split files `train800.txt`, `val200.txt`, `train800val200.txt`, `test.txt` (lines `images/<class>/<n>.png
 * <label>`), and `dataset.json` (source, split seed, counts, SHA-256 of the source files and of the split
 * files), written last as the completion mark. A folder holding a complete dataset made from the same source
 * files is reused as is.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import sharp from 'sharp';
import { writeFileAtomic } from '../../../run-folder/atomic-write';
import { DataError } from '../data-error';

export const FASHION_SOURCE_FILES = {
  images: 'images-idx3-ubyte.gz',
  labels: 'labels-idx1-ubyte.gz',
  split: 'split.json',
} as const;
const SPLIT_FILES = { train: 'train800.txt', val: 'val200.txt', test: 'test.txt' } as const;
const TRAINVAL_FILE = 'train800val200.txt';
type SplitName = keyof typeof SPLIT_FILES;
const SPLITS: SplitName[] = ['train', 'val', 'test'];
const GENERATOR =
  'spt-studio fashion-mnist default dataset (src/engine/data/fashion-mnist/default-dataset.ts)';

export interface DefaultDataset {
  /** The dataset folder (absolute). */
  root: string;
  /** Absolute paths of the split files. */
  train: string;
  val: string;
  test: string;
  numClasses: number;
  classes: string[];
  /** True when an existing complete dataset was found and nothing was written. */
  reused: boolean;
}

interface SplitJson {
  source: string;
  seed: number;
  classes: string[];
  counts: Record<SplitName, number>;
}

interface DatasetJson {
  generator: string;
  source: string;
  seed: number;
  classes: string[];
  counts: Record<SplitName, number>;
  sourceSha256: string;
  splitsSha256: string;
}

/** An idx file (LeCun's format: big-endian magic 0x0000 08 <ndim>, the dims, then unsigned bytes). */
export function parseIdx(file: string, bytes: Buffer): { dims: number[]; data: Uint8Array } {
  const fail = (problem: string) =>
    new DataError(file, problem, 'restore the file from the repository (git checkout -- <file>)');
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 0x08)
    throw fail('not an idx file of unsigned bytes (magic 0x000008xx expected)');
  const ndim = bytes[3];
  if (ndim < 1 || bytes.length < 4 + 4 * ndim) throw fail('truncated idx header');
  const dims = Array.from({ length: ndim }, (_, i) => bytes.readUInt32BE(4 + 4 * i));
  const n = dims.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * ndim;
  if (bytes.length !== start + n)
    throw fail(`idx payload holds ${bytes.length - start} bytes, the header says ${n}`);
  return { dims, data: new Uint8Array(bytes.buffer, bytes.byteOffset + start, n) };
}

function readGzIdx(file: string): { dims: number[]; data: Uint8Array } {
  let raw: Buffer;
  try {
    raw = zlib.gunzipSync(fs.readFileSync(file));
  } catch (e) {
    throw new DataError(
      file,
      `cannot read it (${(e as Error).message})`,
      'restore the file from the repository (git checkout -- <file>)',
    );
  }
  return parseIdx(file, raw);
}

function sha256Files(files: string[]): string {
  const h = createHash('sha256');
  for (const f of files) h.update(fs.readFileSync(f));
  return h.digest('hex');
}

function readSplitJson(sourceDir: string): SplitJson {
  const file = path.join(sourceDir, FASHION_SOURCE_FILES.split);
  try {
    const j = JSON.parse(fs.readFileSync(file, 'utf8')) as SplitJson;
    if (!Array.isArray(j.classes) || !j.counts) throw new Error('classes or counts missing');
    return j;
  } catch (e) {
    throw new DataError(
      file,
      `cannot read the split description (${(e as Error).message})`,
      'restore the file from the repository (git checkout -- <file>)',
    );
  }
}

function result(root: string, classes: string[], reused: boolean): DefaultDataset {
  return {
    root,
    train: path.join(root, SPLIT_FILES.train),
    val: path.join(root, SPLIT_FILES.val),
    test: path.join(root, SPLIT_FILES.test),
    numClasses: classes.length,
    classes,
    reused,
  };
}

function isComplete(root: string, want: Omit<DatasetJson, 'splitsSha256'>): boolean {
  let meta: DatasetJson;
  try {
    meta = JSON.parse(fs.readFileSync(path.join(root, 'dataset.json'), 'utf8')) as DatasetJson;
  } catch {
    return false;
  }
  const splitPaths = SPLITS.map((s) => path.join(root, SPLIT_FILES[s]));
  if (!splitPaths.every((f) => fs.existsSync(f))) return false;
  if (JSON.stringify(meta) !== JSON.stringify({ ...want, splitsSha256: meta.splitsSha256 })) return false;
  if (sha256Files(splitPaths) !== meta.splitsSha256) return false;
  for (const f of splitPaths)
    for (const line of fs.readFileSync(f, 'utf8').split('\n').filter(Boolean))
      if (!fs.existsSync(path.join(root, line.slice(0, line.lastIndexOf(' '))))) return false;
  return true;
}

/**
 * Writes the default dataset from the compact source files in `sourceDir` into `dir` (or reuses a complete
 * one already there) and returns the split files.
 */
export async function prepareDefaultDataset(
  dir: string,
  sourceDir: string,
  opts: { concurrency?: number } = {},
): Promise<DefaultDataset> {
  const root = path.resolve(dir);
  const src = path.resolve(sourceDir);
  const split = readSplitJson(src);
  const sourcePaths = Object.values(FASHION_SOURCE_FILES).map((f) => path.join(src, f));
  for (const f of sourcePaths)
    if (!fs.existsSync(f))
      throw new DataError(
        f,
        'the default dataset source file is missing',
        'restore examples/default/dataset from the repository (git checkout -- examples/default/dataset)',
      );
  const want = {
    generator: GENERATOR,
    source: split.source,
    seed: split.seed,
    classes: split.classes,
    counts: split.counts,
    sourceSha256: sha256Files(sourcePaths),
  };
  if (isComplete(root, want)) return result(root, split.classes, true);

  const images = readGzIdx(path.join(src, FASHION_SOURCE_FILES.images)); // (N, 28, 28)
  const labels = readGzIdx(path.join(src, FASHION_SOURCE_FILES.labels)); // (N,)
  const n = split.counts.train + split.counts.val + split.counts.test;
  const [count, h, w] = images.dims;
  if (images.dims.length !== 3 || count !== n || labels.dims[0] !== n)
    throw new DataError(
      path.join(src, FASHION_SOURCE_FILES.images),
      `holds ${count} images and ${labels.dims[0]} labels; split.json counts ${n}`,
      'restore examples/default/dataset from the repository (git checkout -- examples/default/dataset)',
    );

  fs.mkdirSync(root, { recursive: true });
  fs.rmSync(path.join(root, 'dataset.json'), { force: true });
  for (const name of split.classes) fs.mkdirSync(path.join(root, 'images', name), { recursive: true });
  const perClass = new Array<number>(split.classes.length).fill(0);
  const lines: Record<SplitName, string[]> = { train: [], val: [], test: [] };
  const jobs: { index: number; rel: string }[] = [];
  let index = 0;
  for (const s of SPLITS)
    for (let i = 0; i < split.counts[s]; i++, index++) {
      const label = labels.data[index];
      if (label >= split.classes.length)
        throw new DataError(
          path.join(src, FASHION_SOURCE_FILES.labels),
          `label ${label} at ${index} is out of range (${split.classes.length} classes)`,
          'restore examples/default/dataset from the repository',
        );
      const rel = `images/${split.classes[label]}/${perClass[label]++}.png`;
      jobs.push({ index, rel });
      lines[s].push(`${rel} ${label}`);
    }

  const concurrency = Math.max(1, opts.concurrency ?? 8);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++];
      const pixels = Buffer.from(images.data.subarray(job.index * h * w, (job.index + 1) * h * w));
      await sharp(pixels, { raw: { width: w, height: h, channels: 1 } })
        .png()
        .toFile(path.join(root, job.rel));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));

  for (const s of SPLITS) fs.writeFileSync(path.join(root, SPLIT_FILES[s]), `${lines[s].join('\n')}\n`);
  fs.writeFileSync(path.join(root, TRAINVAL_FILE), `${[...lines.train, ...lines.val].join('\n')}\n`);
  const splitsSha256 = sha256Files(SPLITS.map((s) => path.join(root, SPLIT_FILES[s])));
  // The completion mark, last and atomic: a killed run leaves no mark and the folder is rewritten.
  writeFileAtomic(path.join(root, 'dataset.json'), `${JSON.stringify({ ...want, splitsSha256 }, null, 2)}\n`);
  return result(root, split.classes, false);
}

/**
 * The shipped compact form of a data root: `<parent of data.root>/dataset/split.json` beside it (the default
 * experiment's `./data` and `./dataset`). Returns that folder, or null when there is none.
 */
export function shippedDatasetSource(dataRoot: string): string | null {
  const src = path.join(path.dirname(path.resolve(dataRoot)), 'dataset');
  return fs.existsSync(path.join(src, FASHION_SOURCE_FILES.split)) ? src : null;
}

/**
 * Writes a data root out of its shipped compact form when it is not complete yet, so that `spt train` (and
 * a run started in VS Code) on the default experiment works before `spt demo` has ever run. A data root
 * without a shipped form beside it is left alone (the dataset checks then name what is missing).
 */
export async function ensureShippedDataset(
  dataRoot: string,
  log?: (level: 'info', message: string) => void,
): Promise<void> {
  const src = shippedDatasetSource(dataRoot);
  if (!src) return;
  // Only a missing folder or one this module wrote: never rewrite a folder someone else filled.
  if (fs.existsSync(dataRoot) && fs.readdirSync(dataRoot).length > 0) {
    const mark = path.join(dataRoot, 'dataset.json');
    const ours = fs.existsSync(mark) && fs.readFileSync(mark, 'utf8').includes(GENERATOR);
    if (!ours) return;
  }
  const ds = await prepareDefaultDataset(dataRoot, src);
  if (!ds.reused) log?.('info', `wrote the shipped dataset ${src} out to ${ds.root}`);
}
