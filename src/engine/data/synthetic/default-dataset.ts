/**
 * The default experiment's downstream dataset, generated deterministically at run time (no downloads,
 * no Python): 10 classes of geometric objects (circle, square, triangle, cross, ring, star, bar pair,
 * diamond, arrow, crescent), 32x32 RGB, drawn with anti-aliasing (signed distance functions, coverage =
 * clamp(0.5 - distance in pixels)) at a random position, scale, rotation, aspect and colour over a cluttered
 * background (colour gradient, smooth value noise, distractor blobs and strokes), plus an occasional
 * occluder, brightness/contrast jitter and pixel noise.
 *
 * Layout (VTAB-1k style): `images/<class>/<n>.png`, split files `train800.txt` (80 per class), `val200.txt`
 * (20 per class), `train800val200.txt` and `test.txt` (100 per class), lines `images/<class>/<n>.png <label>`,
 * and `dataset.json` (generator version, seed, counts, SHA-256 over the split files), written last. A folder
 * that already holds a complete dataset with a matching `dataset.json` is reused as is.
 *
 * Every image draws from its own `Rng` stream, keyed by seed, split and index, so the bytes are identical on
 * every machine (all randomness from `util/rng`, maths in float64, PNG encoding by sharp).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic } from '../../../run-folder/atomic-write';
import { Rng } from '../../util/rng';

export const DEFAULT_DATASET_VERSION = 2;
export const DEFAULT_DATASET_SIZE = 32;
export const DEFAULT_DATASET_CLASSES = [
  'circle',
  'square',
  'triangle',
  'cross',
  'ring',
  'star',
  'bar_pair',
  'diamond',
  'arrow',
  'crescent',
] as const;

/** Images per class in each split (VTAB-1k sizes: 800 train, 200 val; 1000 test). */
const PER_CLASS = { train: 80, val: 20, test: 100 } as const;
const SPLIT_FILES = { train: 'train800.txt', val: 'val200.txt', test: 'test.txt' } as const;
const TRAINVAL_FILE = 'train800val200.txt';
type SplitName = keyof typeof PER_CLASS;
const SPLITS: SplitName[] = ['train', 'val', 'test'];

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

interface DatasetJson {
  generator: string;
  version: number;
  seed: number;
  imageSize: number;
  classes: string[];
  counts: Record<SplitName, number>;
  splitFiles: Record<SplitName, string>;
  /** SHA-256 over the split files' bytes, in the order train, val, test. */
  splitsSha256: string;
}

// ------------------------------------------------------------------------------------------------
// Signed distance functions (shape space, the object's radius is about 1; negative inside)
// ------------------------------------------------------------------------------------------------
type Pt = readonly [number, number];
type Sdf = (x: number, y: number) => number;

/** Exact signed distance to a simple polygon (Inigo Quilez's sdPolygon). */
function polygonSdf(v: readonly Pt[]): Sdf {
  const n = v.length;
  return (px, py) => {
    let d = (px - v[0][0]) ** 2 + (py - v[0][1]) ** 2;
    let s = 1;
    for (let i = 0, j = n - 1; i < n; j = i, i++) {
      const ex = v[j][0] - v[i][0];
      const ey = v[j][1] - v[i][1];
      const wx = px - v[i][0];
      const wy = py - v[i][1];
      const t = Math.min(1, Math.max(0, (wx * ex + wy * ey) / (ex * ex + ey * ey)));
      const bx = wx - ex * t;
      const by = wy - ey * t;
      d = Math.min(d, bx * bx + by * by);
      const c1 = py >= v[i][1];
      const c2 = py < v[j][1];
      const c3 = ex * wy > ey * wx;
      if ((c1 && c2 && c3) || (!c1 && !c2 && !c3)) s = -s;
    }
    return s * Math.sqrt(d);
  };
}

function box(hx: number, hy: number, cx = 0, cy = 0): Pt[] {
  return [
    [cx - hx, cy - hy],
    [cx + hx, cy - hy],
    [cx + hx, cy + hy],
    [cx - hx, cy + hy],
  ];
}

function regular(n: number, r: number, phase: number, inner?: number): Pt[] {
  const pts: Pt[] = [];
  const k = inner === undefined ? n : 2 * n;
  for (let i = 0; i < k; i++) {
    const a = phase + (2 * Math.PI * i) / k;
    const rr = inner !== undefined && i % 2 === 1 ? inner : r;
    pts.push([rr * Math.cos(a), rr * Math.sin(a)]);
  }
  return pts;
}

const SHAPES: Record<(typeof DEFAULT_DATASET_CLASSES)[number], Sdf> = {
  circle: (x, y) => Math.hypot(x, y) - 0.85,
  square: polygonSdf(box(0.75, 0.75)),
  triangle: polygonSdf(regular(3, 1.05, Math.PI / 2)),
  cross: polygonSdf([
    [-0.28, -1],
    [0.28, -1],
    [0.28, -0.28],
    [1, -0.28],
    [1, 0.28],
    [0.28, 0.28],
    [0.28, 1],
    [-0.28, 1],
    [-0.28, 0.28],
    [-1, 0.28],
    [-1, -0.28],
    [-0.28, -0.28],
  ]),
  ring: (x, y) => Math.abs(Math.hypot(x, y) - 0.72) - 0.2,
  star: polygonSdf(regular(5, 1.05, Math.PI / 2, 0.42)),
  bar_pair: (() => {
    const a = polygonSdf(box(0.95, 0.2, 0, -0.45));
    const b = polygonSdf(box(0.95, 0.2, 0, 0.45));
    return (x: number, y: number) => Math.min(a(x, y), b(x, y));
  })(),
  diamond: polygonSdf([
    [0, -1],
    [0.55, 0],
    [0, 1],
    [-0.55, 0],
  ]),
  arrow: polygonSdf([
    [-1, -0.17],
    [0.15, -0.17],
    [0.15, -0.55],
    [1, 0],
    [0.15, 0.55],
    [0.15, 0.17],
    [-1, 0.17],
  ]),
  crescent: (x, y) => Math.max(Math.hypot(x, y) - 0.9, -(Math.hypot(x - 0.42, y) - 0.72)),
};

// ------------------------------------------------------------------------------------------------
// Drawing
// ------------------------------------------------------------------------------------------------
const S = DEFAULT_DATASET_SIZE;
type Rgb = [number, number, number];

function clamp01(v: number): number {
  return Math.min(1, Math.max(0, v));
}

/** Natural-ish colour: mid luminance, modest chroma, sometimes saturated. */
function randColour(rng: Rng): Rgb {
  const lum = 0.15 + 0.7 * rng.uniform();
  const sat = rng.uniform() < 0.35 ? 0.3 : 0.12;
  const c = [rng.normal() * sat, rng.normal() * sat, rng.normal() * sat];
  const m = (c[0] + c[1] + c[2]) / 3;
  return [clamp01(lum + c[0] - m), clamp01(lum + c[1] - m), clamp01(lum + c[2] - m)];
}

function luminance(c: Rgb): number {
  return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
}

/** Smooth value noise on a (g+1)^2 lattice, smoothstep-interpolated to S x S, values in [0, 1). */
function valueNoise(rng: Rng, g: number): Float64Array {
  const lat = new Float64Array((g + 1) * (g + 1));
  for (let i = 0; i < lat.length; i++) lat[i] = rng.uniform();
  const out = new Float64Array(S * S);
  for (let y = 0; y < S; y++) {
    const v = ((y + 0.5) / S) * g;
    const y0 = Math.min(Math.floor(v), g - 1);
    let fy = v - y0;
    fy = fy * fy * (3 - 2 * fy);
    for (let x = 0; x < S; x++) {
      const u = ((x + 0.5) / S) * g;
      const x0 = Math.min(Math.floor(u), g - 1);
      let fx = u - x0;
      fx = fx * fx * (3 - 2 * fx);
      const a = lat[y0 * (g + 1) + x0] * (1 - fx) + lat[y0 * (g + 1) + x0 + 1] * fx;
      const b = lat[(y0 + 1) * (g + 1) + x0] * (1 - fx) + lat[(y0 + 1) * (g + 1) + x0 + 1] * fx;
      out[y * S + x] = a * (1 - fy) + b * fy;
    }
  }
  return out;
}

/** Alpha-composites a colour through an SDF given in pixel units (coverage = clamp(0.5 - d)). */
function paint(img: Float64Array, sdfPx: Sdf, colour: Rgb, alpha: number, shade?: Float64Array): void {
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const cov = clamp01(0.5 - sdfPx(x + 0.5, y + 0.5)) * alpha;
      if (cov <= 0) continue;
      const k = y * S + x;
      const sh = shade ? shade[k] : 1;
      for (let c = 0; c < 3; c++) {
        const i = k * 3 + c;
        img[i] += (clamp01(colour[c] * sh) - img[i]) * cov;
      }
    }
  }
}

/** Places a shape-space SDF at centre (cx, cy) px with radius r px, rotation th and aspect (ax, ay). */
function place(sdf: Sdf, cx: number, cy: number, r: number, th: number, ax = 1, ay = 1): Sdf {
  const cs = Math.cos(th);
  const sn = Math.sin(th);
  const scale = r * Math.min(ax, ay);
  return (px, py) => {
    const dx = px - cx;
    const dy = py - cy;
    const u = (dx * cs + dy * sn) / (r * ax);
    const v = (-dx * sn + dy * cs) / (r * ay);
    return sdf(u, v) * scale;
  };
}

function segmentSdf(x0: number, y0: number, x1: number, y1: number, halfWidth: number): Sdf {
  const ex = x1 - x0;
  const ey = y1 - y0;
  const ee = ex * ex + ey * ey;
  return (px, py) => {
    const t = clamp01(((px - x0) * ex + (py - y0) * ey) / ee);
    return Math.hypot(px - x0 - ex * t, py - y0 - ey * t) - halfWidth;
  };
}

function distractor(rng: Rng, small: boolean): Sdf {
  const cx = rng.uniform() * S;
  const cy = rng.uniform() * S;
  if (rng.uniform() < 0.45) {
    const len = (small ? 4 : 8) + rng.uniform() * (small ? 6 : 16);
    const th = rng.uniform() * 2 * Math.PI;
    const dx = (Math.cos(th) * len) / 2;
    const dy = (Math.sin(th) * len) / 2;
    return segmentSdf(cx - dx, cy - dy, cx + dx, cy + dy, 0.5 + rng.uniform() * (small ? 0.5 : 1.2));
  }
  // an irregular blob: an ellipse with a wobbly boundary
  const r = (small ? 1.5 : 2.5) + rng.uniform() * (small ? 2.5 : 5);
  const aspect = 0.35 + 0.65 * rng.uniform();
  const k = 2 + rng.int(4);
  const amp = 0.25 * rng.uniform();
  const ph = rng.uniform() * 2 * Math.PI;
  const blob: Sdf = (u, v) => Math.hypot(u, v) * (1 + amp * Math.sin(k * Math.atan2(v, u) + ph)) - 1;
  return place(blob, cx, cy, r, rng.uniform() * 2 * Math.PI, 1, aspect);
}

/** Renders one image of class `label` as RGB uint8 HWC. */
export function renderDefaultImage(rng: Rng, label: number): Uint8Array {
  const img = new Float64Array(S * S * 3);
  // background: gradient between two colours plus smooth coloured noise
  const c0 = randColour(rng);
  const c1 = randColour(rng);
  const gth = rng.uniform() * 2 * Math.PI;
  const gx = Math.cos(gth);
  const gy = Math.sin(gth);
  const noiseAmp = 0.05 + 0.15 * rng.uniform();
  const grids = [2 + rng.int(3), 4 + rng.int(5), 2 + rng.int(6)];
  const noise = grids.map((g) => valueNoise(rng, g));
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const t = clamp01(0.5 + ((x + 0.5) / S - 0.5) * gx + ((y + 0.5) / S - 0.5) * gy);
      const k = y * S + x;
      for (let c = 0; c < 3; c++) {
        img[k * 3 + c] = c0[c] + (c1[c] - c0[c]) * t + noiseAmp * (noise[c][k] - 0.5);
      }
    }
  }
  // clutter behind the object
  const nBehind = rng.int(4);
  for (let i = 0; i < nBehind; i++) {
    paint(img, distractor(rng, false), randColour(rng), 0.3 + 0.4 * rng.uniform());
  }
  // the object
  const name = DEFAULT_DATASET_CLASSES[label];
  const r = 9 + 4 * rng.uniform();
  const cx = S / 2 + (rng.uniform() - 0.5) * 8;
  const cy = S / 2 + (rng.uniform() - 0.5) * 8;
  const th = rng.uniform() * 2 * Math.PI;
  const ax = 0.85 + 0.3 * rng.uniform();
  const ay = 0.85 + 0.3 * rng.uniform();
  let colour = randColour(rng);
  // keep some contrast with the background under the object
  let bgLum = 0;
  let count = 0;
  for (let y = Math.max(0, Math.floor(cy - r)); y < Math.min(S, Math.ceil(cy + r)); y++) {
    for (let x = Math.max(0, Math.floor(cx - r)); x < Math.min(S, Math.ceil(cx + r)); x++) {
      const k = (y * S + x) * 3;
      bgLum += luminance([img[k], img[k + 1], img[k + 2]]);
      count++;
    }
  }
  bgLum /= Math.max(1, count);
  const minContrast = 0.25 + 0.15 * rng.uniform();
  const diff = luminance(colour) - bgLum;
  if (Math.abs(diff) < minContrast) {
    const canUp = bgLum + minContrast <= 1;
    const canDown = bgLum - minContrast >= 0;
    const sign = diff >= 0 ? (canUp ? 1 : -1) : canDown ? -1 : 1;
    const s = bgLum + sign * minContrast - luminance(colour);
    colour = [clamp01(colour[0] + s), clamp01(colour[1] + s), clamp01(colour[2] + s)];
  }
  const shadeNoise = valueNoise(rng, 3);
  const shadeAmp = 0.3 * rng.uniform();
  const shade = shadeNoise.map((v) => 1 + shadeAmp * (v - 0.5));
  paint(img, place(SHAPES[name], cx, cy, r, th, ax, ay), colour, 0.85 + 0.15 * rng.uniform(), shade);
  // an occasional small occluder on top
  if (rng.uniform() < 0.15) paint(img, distractor(rng, true), randColour(rng), 0.6 + 0.4 * rng.uniform());
  // photometric jitter and pixel noise
  const contrast = 0.75 + 0.5 * rng.uniform();
  const bright = (rng.uniform() - 0.5) * 0.2;
  const sigma = 0.01 + 0.04 * rng.uniform();
  const out = new Uint8Array(S * S * 3);
  for (let i = 0; i < out.length; i++) {
    const v = (img[i] - 0.5) * contrast + 0.5 + bright + sigma * rng.normal();
    out[i] = Math.round(clamp01(v) * 255);
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// Dataset on disk
// ------------------------------------------------------------------------------------------------
function sha256Files(files: string[]): string {
  const h = createHash('sha256');
  for (const f of files) h.update(fs.readFileSync(f));
  return h.digest('hex');
}

function result(root: string, reused: boolean): DefaultDataset {
  return {
    root,
    train: path.join(root, SPLIT_FILES.train),
    val: path.join(root, SPLIT_FILES.val),
    test: path.join(root, SPLIT_FILES.test),
    numClasses: DEFAULT_DATASET_CLASSES.length,
    classes: [...DEFAULT_DATASET_CLASSES],
    reused,
  };
}

function expectedJson(seed: number, splitsSha256: string): DatasetJson {
  return {
    generator: 'spt-studio default-dataset (src/engine/data/synthetic/default-dataset.ts)',
    version: DEFAULT_DATASET_VERSION,
    seed,
    imageSize: S,
    classes: [...DEFAULT_DATASET_CLASSES],
    counts: {
      train: PER_CLASS.train * DEFAULT_DATASET_CLASSES.length,
      val: PER_CLASS.val * DEFAULT_DATASET_CLASSES.length,
      test: PER_CLASS.test * DEFAULT_DATASET_CLASSES.length,
    },
    splitFiles: { ...SPLIT_FILES },
    splitsSha256,
  };
}

/** True when `root` holds a complete dataset made by this generator version with this seed. */
function isComplete(root: string, seed: number): boolean {
  let meta: DatasetJson;
  try {
    meta = JSON.parse(fs.readFileSync(path.join(root, 'dataset.json'), 'utf8')) as DatasetJson;
  } catch {
    return false;
  }
  const splitPaths = SPLITS.map((s) => path.join(root, SPLIT_FILES[s]));
  if (!splitPaths.every((f) => fs.existsSync(f))) return false;
  const want = expectedJson(seed, meta.splitsSha256);
  if (JSON.stringify(meta) !== JSON.stringify(want)) return false;
  if (sha256Files(splitPaths) !== meta.splitsSha256) return false;
  for (const f of splitPaths) {
    const lines = fs.readFileSync(f, 'utf8').split('\n').filter(Boolean);
    for (const line of lines) {
      const rel = line.slice(0, line.lastIndexOf(' '));
      if (!fs.existsSync(path.join(root, rel))) return false;
    }
  }
  return true;
}

/**
 * Generates the default dataset into `dir` (or reuses a complete one already there) and returns the
 * split files. Deterministic for `seed` (default 0).
 */
export async function generateDefaultDataset(
  dir: string,
  opts: { seed?: number; concurrency?: number } = {},
): Promise<DefaultDataset> {
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0)
    throw new Error(`seed must be a non-negative integer (got ${seed})`);
  const root = path.resolve(dir);
  if (isComplete(root, seed)) return result(root, true);

  fs.mkdirSync(root, { recursive: true });
  fs.rmSync(path.join(root, 'dataset.json'), { force: true });
  for (const name of DEFAULT_DATASET_CLASSES)
    fs.mkdirSync(path.join(root, 'images', name), { recursive: true });

  const jobs: { split: SplitName; index: number; label: number; rel: string }[] = [];
  const perClassCount = new Array<number>(DEFAULT_DATASET_CLASSES.length).fill(0);
  const lines: Record<SplitName, string[]> = { train: [], val: [], test: [] };
  for (const split of SPLITS) {
    const n = PER_CLASS[split] * DEFAULT_DATASET_CLASSES.length;
    for (let index = 0; index < n; index++) {
      const label = index % DEFAULT_DATASET_CLASSES.length;
      const rel = `images/${DEFAULT_DATASET_CLASSES[label]}/${perClassCount[label]++}.png`;
      jobs.push({ split, index, label, rel });
      lines[split].push(`${rel} ${label}`);
    }
  }

  const concurrency = Math.max(1, opts.concurrency ?? 8);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++];
      const rng = new Rng(
        `spt-default-dataset:v${DEFAULT_DATASET_VERSION}:${seed}:${job.split}:${job.index}`,
      );
      const pixels = renderDefaultImage(rng, job.label);
      await sharp(Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength), {
        raw: { width: S, height: S, channels: 3 },
      })
        .png()
        .toFile(path.join(root, job.rel));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));

  for (const split of SPLITS)
    fs.writeFileSync(path.join(root, SPLIT_FILES[split]), `${lines[split].join('\n')}\n`);
  fs.writeFileSync(path.join(root, TRAINVAL_FILE), `${[...lines.train, ...lines.val].join('\n')}\n`);
  const sha = sha256Files(SPLITS.map((s) => path.join(root, SPLIT_FILES[s])));
  // The completion mark, last and atomic: a killed generator leaves no mark and is redone.
  writeFileAtomic(path.join(root, 'dataset.json'), `${JSON.stringify(expectedJson(seed, sha), null, 2)}\n`);
  return result(root, false);
}
