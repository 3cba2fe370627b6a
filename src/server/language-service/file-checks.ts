/**
 * Checks of the files an experiment names, relative to the experiment file: the checkpoint (exists, is
 * a supported format, its header agrees with `backbone.arch` and `backbone.format`, MAE wants
 * `pool: mean`), the data root and the split files (exist, labels fit `num_classes`, sampled for big
 * files). Only headers and samples are read, and every result is cached per path, mtime and size.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Document, Node } from 'yaml';
import { isMap, isScalar } from 'yaml';
import { NAMED_VITS, type NamedViT } from '../../config/architectures';
import { rangeAt } from '../../config/semantic-rules';
import {
  archMismatch,
  type CheckpointHeaderInfo,
  type ExpectedArch,
  LAYOUT_NAMES,
  readCheckpointHeaderInfo,
} from '../../engine/checkpoint/header-check';
import { type RequestedFormat, resolveFormat } from '../../engine/checkpoint/layout-detect';
import { DataError } from '../../engine/data/data-error';
import { OutsideRootError, parseSplitFile, readVptJson } from '../../engine/data/split-file';
import { CheckpointError } from '../../run-folder/tensors/checkpoint-error';
import { numberAt, stringAt } from './positions';

export type LsSeverity = 'error' | 'warning' | 'information';

/** A problem in the language service's own terms (offsets; converted to a Diagnostic later). */
export interface LsProblem {
  range: [number, number];
  message: string;
  severity: LsSeverity;
  code: string;
  /**
   * For quick fixes: the key path and, where there is one, the replacement of the marked text; for
   * `spt validate`, the `--set` argument that caused the problem.
   */
  data?: { path: (string | number)[]; suggestion?: string; override?: string };
}

export interface FileCheckResult {
  problems: LsProblem[];
  /** Absolute paths the result depends on (to watch for changes). */
  files: string[];
}

/** Split files up to this size are parsed whole; larger ones are sampled. */
export const FULL_PARSE_LIMIT = 1 << 20;
const SAMPLE_WINDOW = 64 * 1024;
const SAMPLE_WINDOWS = 8;
const MAX_CACHE = 512;

interface Cached<T> {
  mtimeMs: number;
  size: number;
  key: string;
  value: T;
}
const cache = new Map<string, Cached<unknown>>();

/** Cached per path + mtime + size (+ `extra`, e.g. num_classes). */
function cached<T>(kind: string, file: string, st: fs.Stats, extra: string, compute: () => T): T {
  const id = `${kind}\u0000${file}`;
  const hit = cache.get(id);
  if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size && hit.key === extra) return hit.value as T;
  const value = compute();
  if (cache.size >= MAX_CACHE) cache.delete(cache.keys().next().value as string);
  cache.set(id, { mtimeMs: st.mtimeMs, size: st.size, key: extra, value });
  return value;
}

/** Forgets cached results (all, or those of one file). */
export function clearFileCache(file?: string): void {
  if (file === undefined) cache.clear();
  else for (const id of [...cache.keys()]) if (id.endsWith(`\u0000${file}`)) cache.delete(id);
}

/** How many times a header or split file was actually read (for tests of the cache). */
export const readCounts = { header: 0, split: 0 };

function stat(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}

const messageOf = (e: unknown) =>
  e instanceof CheckpointError
    ? `${e.problem}${e.fix ? ` (fix: ${e.fix})` : ''}`
    : e instanceof DataError
      ? `${e.line !== undefined ? `line ${e.line}: ` : ''}${e.problem}`
      : (e as Error).message;

type HeaderResult = { info: CheckpointHeaderInfo } | { error: string };

function header(file: string, st: fs.Stats): HeaderResult {
  return cached('header', file, st, '', () => {
    readCounts.header++;
    try {
      return { info: readCheckpointHeaderInfo(file) };
    } catch (e) {
      return { error: messageOf(e) };
    }
  });
}

/** The ViT size `backbone.arch` asks for, if it is written well enough to tell. */
export function archOf(doc: Document): ExpectedArch | undefined {
  const arch = doc.getIn(['backbone', 'arch'], true) as Node | undefined;
  if (isScalar(arch) && typeof arch.value === 'string' && arch.value in NAMED_VITS) {
    const n = NAMED_VITS[arch.value as NamedViT];
    return {
      name: arch.value,
      embedDim: n.embedDim,
      depth: n.depth,
      patchSize: n.patchSize,
      numHeads: n.numHeads,
    };
  }
  if (isMap(arch)) {
    const [embedDim, depth, patchSize, numHeads] = ['embed_dim', 'depth', 'patch_size', 'num_heads'].map(
      (k) => numberAt(doc, ['backbone', 'arch', k]),
    );
    if (embedDim === undefined || depth === undefined || patchSize === undefined) return undefined;
    return numHeads === undefined ? { embedDim, depth, patchSize } : { embedDim, depth, patchSize, numHeads };
  }
  return undefined;
}

/** The arch to write for a checkpoint: a timm name when one fits, else a custom size. */
export function archFor(info: CheckpointHeaderInfo, imageSize: number, numHeads?: number): string {
  const name = (Object.keys(NAMED_VITS) as NamedViT[]).find((n) => {
    const v = NAMED_VITS[n];
    return (
      v.embedDim === info.embedDim &&
      v.depth === info.depth &&
      v.patchSize === info.patchSize &&
      (info.numHeads === undefined || v.numHeads === info.numHeads)
    );
  });
  if (name) return name;
  // Heads are not in timm/HF headers: keep the configured number when it divides D, else guess head_dim 64.
  const heads =
    info.numHeads ??
    (numHeads !== undefined && info.embedDim % numHeads === 0
      ? numHeads
      : info.embedDim % 64 === 0
        ? info.embedDim / 64
        : ([16, 12, 8, 6, 4, 3, 2].find((h) => info.embedDim % h === 0 && info.embedDim / h >= 8) ?? 1));
  return `{embed_dim: ${info.embedDim}, depth: ${info.depth}, num_heads: ${heads}, patch_size: ${info.patchSize}, image_size: ${imageSize}}`;
}

interface SplitSummary {
  /** A parse or label problem, with its line when known. */
  error?: string;
  /** The problem is entries resolving outside data.root (data.allow_outside_root is false). */
  outside?: boolean;
  sampled: boolean;
}

/** Reads `[pos, pos+len)` of a file. */
function readAt(fd: number, pos: number, len: number): string {
  const buf = Buffer.alloc(len);
  const n = fs.readSync(fd, buf, 0, len, pos);
  return buf.subarray(0, n).toString('utf8');
}

/** Label problems of a big split file from its head, its tail and a few windows in between. */
function sampleSplit(file: string, size: number, numClasses: number | undefined): SplitSummary {
  const fd = fs.openSync(file, 'r');
  try {
    const starts = [0];
    for (let i = 1; i <= SAMPLE_WINDOWS; i++)
      starts.push(Math.floor(((size - SAMPLE_WINDOW) * i) / SAMPLE_WINDOWS));
    for (const start of starts) {
      let text = readAt(fd, start, SAMPLE_WINDOW);
      if (start === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      const lines = text.split(/\r\n|\r|\n/);
      // Windows may cut lines: drop the first (unless at 0) and last (unless at the end) pieces.
      const from = start === 0 ? 0 : 1;
      const to = start + SAMPLE_WINDOW >= size ? lines.length : lines.length - 1;
      for (let i = from; i < to; i++) {
        const where = start === 0 ? `line ${i + 1}: ` : `near byte ${start}: `;
        const trimmed = lines[i].trim();
        if (trimmed === '') continue;
        const m = /^(.*?)\s+(\S+)$/.exec(trimmed);
        if (!m || !/^[+]?\d+$/.test(m[2])) {
          return {
            error: `${where}"${trimmed.slice(0, 80)}" is not "<image path> <integer label>"`,
            sampled: true,
          };
        }
        const label = Number.parseInt(m[2], 10);
        if (numClasses !== undefined && label >= numClasses) {
          return {
            error: `${where}label ${label} is out of range: data.num_classes is ${numClasses} (labels 0..${numClasses - 1})`,
            sampled: true,
          };
        }
      }
    }
    return { sampled: true };
  } finally {
    fs.closeSync(fd);
  }
}

function splitSummary(
  file: string,
  st: fs.Stats,
  json: boolean,
  numClasses: number | undefined,
  root: string,
  confine: boolean,
): SplitSummary {
  return cached('split', file, st, `${json}:${numClasses}:${root}:${confine}`, () => {
    readCounts.split++;
    try {
      if (st.size > FULL_PARSE_LIMIT) {
        return json ? { sampled: true } : sampleSplit(file, st.size, numClasses);
      }
      const opts = { ...(numClasses === undefined ? {} : { numClasses }), root, confine };
      if (json) readVptJson(file, opts);
      else parseSplitFile(file, opts);
      return { sampled: false };
    } catch (e) {
      const message = messageOf(e).replace(/numClasses/g, 'data.num_classes');
      if (e instanceof OutsideRootError)
        return { error: `${message}; ${e.fix}`, outside: true, sampled: false };
      return { error: message, sampled: false };
    }
  });
}

export function checkFiles(doc: Document, dir: string): FileCheckResult {
  const problems: LsProblem[] = [];
  const files: string[] = [];
  const add = (
    keyPath: string[],
    severity: LsSeverity,
    code: string,
    message: string,
    suggestion?: string,
    part: 'key' | 'value' = 'value',
  ) =>
    problems.push({
      range: rangeAt(doc, keyPath, part),
      severity,
      code,
      message,
      data: suggestion === undefined ? { path: keyPath } : { path: keyPath, suggestion },
    });

  // ---- checkpoint
  const checkpoint = stringAt(doc, ['backbone', 'checkpoint']);
  let info: CheckpointHeaderInfo | undefined;
  if (checkpoint) {
    const file = path.resolve(dir, checkpoint);
    files.push(file);
    const st = stat(file);
    const at = ['backbone', 'checkpoint'];
    if (!st) add(at, 'error', 'checkpoint-missing', `backbone.checkpoint: ${file} does not exist`);
    else if (st.isDirectory())
      add(at, 'error', 'checkpoint-format', `backbone.checkpoint: ${file} is a folder, not a file`);
    else if (!st.isFile())
      add(at, 'error', 'checkpoint-format', `backbone.checkpoint: ${file} is not a regular file`);
    else {
      const r = header(file, st);
      if ('error' in r) add(at, 'error', 'checkpoint-format', `backbone.checkpoint: ${r.error}`);
      else info = r.info;
    }
  }
  if (info) {
    const want = archOf(doc);
    const mismatch = want && archMismatch(info, want);
    if (mismatch) {
      const imageSize =
        numberAt(doc, ['backbone', 'arch', 'image_size']) ?? (info.grid ?? 14) * info.patchSize;
      const fix = archFor(info, imageSize, want.numHeads);
      add(['backbone', 'arch'], 'error', 'arch-mismatch', `${mismatch}; set backbone.arch to ${fix}`, fix);
    }
    const format = stringAt(doc, ['backbone', 'format']);
    if (format && format !== 'auto' && ['timm', 'mae', 'mocov3', 'jax', 'hf'].includes(format)) {
      try {
        resolveFormat(format as RequestedFormat, { ...info, format: info.layout }, info.file);
      } catch (e) {
        const suggest = info.layout === 'spt' ? 'auto' : info.layout;
        add(['backbone', 'format'], 'error', 'format-mismatch', `backbone.format: ${messageOf(e)}`, suggest);
      }
    }
    const pool = stringAt(doc, ['backbone', 'pool']) ?? 'cls';
    if (info.layout === 'mae' && pool !== 'mean') {
      const written = doc.getIn(['backbone', 'pool']) !== undefined;
      add(
        written ? ['backbone', 'pool'] : ['backbone', 'checkpoint'],
        'information',
        'pool-mae',
        `the checkpoint is ${LAYOUT_NAMES.mae} (${info.description}); MAE backbones are evaluated with pool: mean`,
        'mean',
      );
    }
  }

  // ---- data
  const format = stringAt(doc, ['data', 'format']) ?? 'vtab';
  const root = stringAt(doc, ['data', 'root']);
  if (format !== 'synthetic' && root) {
    const absRoot = path.resolve(dir, root);
    files.push(absRoot);
    const st = stat(absRoot);
    if (!st)
      add(['data', 'root'], 'error', 'data-missing', `data.root: the folder ${absRoot} does not exist`);
    else if (!st.isDirectory())
      add(['data', 'root'], 'error', 'data-missing', `data.root: ${absRoot} is not a folder`);
    else {
      const numClasses = numberAt(doc, ['data', 'num_classes']);
      for (const split of ['train', 'val', 'test']) {
        const rel = stringAt(doc, ['data', split]);
        if (!rel) continue;
        const file = path.resolve(absRoot, rel);
        files.push(file);
        const at = ['data', split];
        const fst = stat(file);
        if (!fst) {
          add(at, 'error', 'split-missing', `data.${split}: ${file} does not exist`);
          continue;
        }
        if (format === 'imagefolder') {
          if (!fst.isDirectory())
            add(at, 'error', 'split-missing', `data.${split}: ${file} is not a folder of class folders`);
          continue;
        }
        if (!fst.isFile()) {
          add(at, 'error', 'split-missing', `data.${split}: ${file} is not a split file`);
          continue;
        }
        const confine = doc.getIn(['data', 'allow_outside_root']) !== true;
        const summary = splitSummary(file, fst, format === 'vpt-json', numClasses, absRoot, confine);
        if (summary.error) {
          add(
            at,
            'error',
            summary.outside ? 'split-outside-root' : 'split-labels',
            `data.${split}: ${path.basename(file)}: ${summary.error}${summary.sampled ? ' (sampled)' : ''}`,
          );
        }
      }
    }
  }
  return { problems, files };
}
