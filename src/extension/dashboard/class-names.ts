/**
 * Class names of a run's dataset, when the data folder names them: `dataset.json`'s `classes` (the
 * generated default dataset), the class folders of an ImageFolder layout (sorted, as the trainer
 * labels them), or the one parent folder shared by every image of a label in a split file or VPT
 * json (FGVC's `001.Black_footed_Albatross/...`). Anything else is null: the dashboard shows label
 * numbers. Pure Node: no `vscode`; results are memoised per file modification time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compareCodePoints } from '../../shared/class-order';
import type { RunData } from './run-config';

/** Split files larger than this are not read for names. */
const MAX_SPLIT_BYTES = 32 << 20;
const cache = new Map<string, { stamp: string; names: string[] | null }>();

function mtime(file: string): number | null {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return null;
  }
}

function memo(key: string, files: string[], compute: () => string[] | null): string[] | null {
  const stamp = files.map((f) => `${f}:${mtime(f)}`).join('|');
  const hit = cache.get(key);
  if (hit && hit.stamp === stamp) return hit.names;
  const names = compute();
  if (cache.size > 64) cache.delete(cache.keys().next().value as string);
  cache.set(key, { stamp, names });
  return names;
}

const fits = (names: string[], n: number | null) => names.length > 0 && (n === null || names.length === n);

function fromDatasetJson(root: string, numClasses: number | null): string[] | null {
  try {
    const meta = JSON.parse(fs.readFileSync(path.join(root, 'dataset.json'), 'utf8')) as {
      classes?: unknown;
    };
    const c = meta?.classes;
    if (Array.isArray(c) && c.every((x) => typeof x === 'string') && fits(c, numClasses)) return c;
  } catch {
    // no dataset.json, or not ours
  }
  return null;
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function fromFolders(dir: string, numClasses: number | null): string[] | null {
  try {
    const names = fs
      .readdirSync(dir, { withFileTypes: true })
      .filter(
        (d) =>
          !d.name.startsWith('.') &&
          (d.isDirectory() || (d.isSymbolicLink() && isDir(path.join(dir, d.name)))),
      )
      .map((d) => d.name)
      .sort(compareCodePoints);
    return fits(names, numClasses) ? names : null;
  } catch {
    return null;
  }
}

/** label -> the parent folder's name, when every image of every label agrees and names are distinct. */
export function namesFromPairs(
  pairs: Iterable<[string, number]>,
  numClasses: number | null,
): string[] | null {
  const byLabel = new Map<number, string>();
  for (const [image, label] of pairs) {
    if (!Number.isInteger(label) || label < 0) return null;
    const parts = image.replace(/\\/g, '/').split('/');
    if (parts.length < 2) return null;
    const dir = parts[parts.length - 2];
    const seen = byLabel.get(label);
    if (seen === undefined) byLabel.set(label, dir);
    else if (seen !== dir) return null;
  }
  const n = numClasses ?? byLabel.size;
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = byLabel.get(i);
    if (name === undefined) return null;
    names.push(name);
  }
  return new Set(names).size === names.length && fits(names, numClasses) ? names : null;
}

function readSmall(file: string): string | null {
  try {
    if (fs.statSync(file).size > MAX_SPLIT_BYTES) return null;
    return fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch {
    return null;
  }
}

function* splitPairs(text: string): Generator<[string, number]> {
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const line = raw.trim();
    if (!line) continue;
    const m = /^(.*\S)\s+\+?(\d+)$/.exec(line);
    if (!m) continue;
    yield [m[1], Number(m[2])];
  }
}

function fromSplitFile(file: string, numClasses: number | null): string[] | null {
  const text = readSmall(file);
  return text === null ? null : namesFromPairs(splitPairs(text), numClasses);
}

function fromVptJson(file: string, numClasses: number | null): string[] | null {
  const text = readSmall(file);
  if (text === null) return null;
  try {
    const map = JSON.parse(text) as unknown;
    if (!map || typeof map !== 'object' || Array.isArray(map)) return null;
    return namesFromPairs(Object.entries(map as Record<string, number>), numClasses);
  } catch {
    return null;
  }
}

/** The class names by label index, or null when the data folder does not name them. */
export function classNamesOf(data: RunData | null): string[] | null {
  if (!data) return null;
  const { root, numClasses } = data;
  const datasetJson = path.join(root, 'dataset.json');
  const split = data.val ?? data.train;
  const key = `${data.format}|${root}|${split}|${numClasses}`;
  const splitFile = split ? path.join(root, split) : null;
  const source = data.format === 'imagefolder' ? data.train && path.join(root, data.train) : splitFile;
  return memo(key, source ? [datasetJson, source] : [datasetJson], () => {
    const named = fromDatasetJson(root, numClasses);
    if (named) return named;
    if (!splitFile) return null;
    switch (data.format) {
      case 'imagefolder':
        return data.train ? fromFolders(path.join(root, data.train), numClasses) : null;
      case 'vtab':
      case 'fgvc':
        return fromSplitFile(splitFile, numClasses);
      case 'vpt-json':
        return fromVptJson(splitFile, numClasses);
      default:
        return null;
    }
  });
}
