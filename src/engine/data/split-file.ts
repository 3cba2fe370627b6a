/**
 * Split files of the VTAB-1k and FGVC (authors') layouts, and the VPT layout's `{train,val,test}.json`.
 *
 * A split file has one `<image path relative to the task folder> <integer label>` line per image
 * (`train800.txt`, `val200.txt`, `train800val200.txt`, `test.txt`, or FGVC's
 * `001.Black_footed_Albatross/Black_Footed_Albatross_0009_34.jpg 0`). Parsing is tolerant of a UTF-8
 * byte-order mark, Windows (CRLF) or old Mac (CR) line endings, blank lines, leading/trailing whitespace
 * and paths containing spaces: the label is the LAST whitespace-separated field and the path is
 * everything before it (trimmed). There are no comment lines (a path may start with `#`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataError } from './data-error';

export interface SplitEntry {
  /** The image path exactly as written in the split file (or the JSON key). */
  image: string;
  /** Absolute path: `image` resolved against the split file's folder, or `root` when given. */
  path: string;
  label: number;
}

export interface SplitFile {
  /** Absolute path of the file that was read. */
  file: string;
  entries: SplitEntry[];
}

export interface SplitOptions {
  /** When given, every label must lie in [0, numClasses). */
  numClasses?: number;
  /** Folder the image paths are relative to; defaults to the split file's folder. */
  root?: string;
  /**
   * Refuse entries whose path resolves outside that folder (`../../etc/passwd`, `/etc/shadow`): the
   * experiment's `data.allow_outside_root: false`. Judged on the written path, so symbolic links under
   * the folder still work.
   */
  confine?: boolean;
}

/** Entries shown by name when some resolve outside their folder. */
const SHOWN_OUTSIDE = 5;

/** Whether `resolved` lies outside `root` (lexically: `..` segments and absolute paths). */
export function isOutsideRoot(root: string, resolved: string): boolean {
  const rel = path.relative(root, resolved);
  return rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel);
}

/** The DataError for split entries that resolve outside their folder (its own class, for the editor's code). */
export class OutsideRootError extends DataError {}

/** Throws a DataError naming the entries (with their line where known) that resolve outside `root`. */
function refuseOutside(file: string, root: string, outside: { image: string; line?: number }[]): void {
  if (outside.length === 0) return;
  const shown = outside
    .slice(0, SHOWN_OUTSIDE)
    .map((o) => `${o.line !== undefined ? `line ${o.line} ` : ''}"${o.image}"`)
    .join(', ');
  const more = outside.length > SHOWN_OUTSIDE ? ` and ${outside.length - SHOWN_OUTSIDE} more` : '';
  throw new OutsideRootError(
    file,
    `${outside.length} entr${outside.length > 1 ? 'ies resolve' : 'y resolves'} outside the folder the image paths are relative to (${root}): ${shown}${more}`,
    `list only images under ${root}, as paths relative to it; if the images really live elsewhere, set data.allow_outside_root: true in the experiment file`,
    outside[0].line,
  );
}

const INTEGER = /^[+]?\d+$/;

function readText(file: string, what: string): string {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new DataError(
        file,
        `${what} not found`,
        'check the dataset folder in the experiment config; the file must exist and be readable',
      );
    }
    if (code === 'EISDIR') {
      throw new DataError(file, `${what} is a folder, not a file`, `point the config at the ${what} itself`);
    }
    throw new DataError(file, `cannot read ${what}: ${(err as Error).message}`, 'check the file permissions');
  }
  let text = buf.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return text;
}

function checkLabel(
  file: string,
  label: number,
  numClasses: number | undefined,
  line: number | undefined,
  where: string,
): void {
  if (!Number.isSafeInteger(label) || label < 0) {
    throw new DataError(
      file,
      `${where}label ${label} is not a non-negative integer`,
      'number the classes 0, 1, 2, ... (0-based) and use those numbers as labels',
      line,
    );
  }
  if (numClasses !== undefined && label >= numClasses) {
    throw new DataError(
      file,
      `${where}label ${label} is out of range: the task has ${numClasses} classes (labels 0..${numClasses - 1})`,
      `set data.num_classes to at least ${label + 1} in the experiment file, or correct the label (labels are 0-based)`,
      line,
    );
  }
}

function absRoot(file: string, root: string | undefined): string {
  return path.resolve(root ?? path.dirname(path.resolve(file)));
}

/** Parses a `<relative image path> <integer label>` split file. Throws a DataError naming file and line. */
export function parseSplitFile(file: string, options: SplitOptions = {}): SplitFile {
  const abs = path.resolve(file);
  const text = readText(abs, 'split file');
  const root = absRoot(abs, options.root);
  const entries: SplitEntry[] = [];
  const outside: { image: string; line: number }[] = [];
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const trimmed = lines[i].trim();
    if (trimmed === '') continue;
    const m = /^(.*?)\s+(\S+)$/.exec(trimmed);
    if (!m) {
      throw new DataError(
        abs,
        `"${trimmed}" is not "<image path> <integer label>"`,
        'write each line as "<image path relative to the split file folder> <integer label>", e.g. "images/0001.jpg 3"',
        lineNo,
      );
    }
    const [, image, labelText] = m;
    if (!INTEGER.test(labelText)) {
      const negative = /^-\d+$/.test(labelText);
      throw new DataError(
        abs,
        negative
          ? `label ${labelText} is negative; labels must be non-negative integers`
          : `the line ends in "${labelText}", which is not an integer label`,
        negative
          ? 'number the classes 0, 1, 2, ... (0-based) and use those numbers as labels'
          : 'write each line as "<image path> <integer label>"; the label must be the last field on the line',
        lineNo,
      );
    }
    const label = Number.parseInt(labelText, 10);
    checkLabel(abs, label, options.numClasses, lineNo, '');
    const resolved = path.resolve(root, image);
    if (options.confine && isOutsideRoot(root, resolved)) outside.push({ image, line: lineNo });
    entries.push({ image, path: resolved, label });
  }
  refuseOutside(abs, root, outside);
  return { file: abs, entries };
}

/**
 * Reads a VPT-layout `{train,val,test}.json`: an object mapping image paths (relative to the JSON file's
 * folder, or `root`) to integer labels. Entries keep the JSON key order.
 */
export function readVptJson(file: string, options: SplitOptions = {}): SplitFile {
  const abs = path.resolve(file);
  const text = readText(abs, 'split file');
  const root = absRoot(abs, options.root);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new DataError(
      abs,
      `is not valid JSON (${(err as Error).message})`,
      'the VPT layout expects a JSON object like {"images/0001.jpg": 3, ...}',
    );
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new DataError(
      abs,
      `holds ${Array.isArray(data) ? 'an array' : data === null ? 'null' : `a ${typeof data}`}, not an object`,
      'the VPT layout expects a JSON object mapping relative image paths to integer labels, like {"images/0001.jpg": 3}',
    );
  }
  const entries: SplitEntry[] = [];
  const outside: { image: string }[] = [];
  for (const [image, value] of Object.entries(data as Record<string, unknown>)) {
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      throw new DataError(
        abs,
        `entry "${image}" has label ${JSON.stringify(value)}, which is not an integer`,
        'map every image path to its 0-based integer class number',
      );
    }
    checkLabel(abs, value, options.numClasses, undefined, `entry "${image}": `);
    const resolved = path.resolve(root, image);
    if (options.confine && isOutsideRoot(root, resolved)) outside.push({ image });
    entries.push({ image, path: resolved, label: value });
  }
  refuseOutside(abs, root, outside);
  return { file: abs, entries };
}
