/**
 * `spt predict --out F` must never destroy an input: F is refused when it is the experiment file, the
 * images list, a listed image, a checkpoint, a split file or a folder (whatever the path's spelling:
 * existing files are compared by device and inode, so symlinks and hard links count), and when it is
 * an existing file that is not a predictions JSONL written by `spt predict`, unless `force` is set.
 * Images and checkpoints are recognised by their first bytes too, so `force` never replaces one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The output path cannot be written as asked: names the file, why, and what to do (bad input, exit 2). */
export class OutputPathError extends Error {
  override name = 'OutputPathError';
  constructor(
    readonly file: string,
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`--out ${file}: ${problem}\n  fix: ${fix}`);
  }
}

/** A file the output must never replace, and what it is (for the message). */
export interface ProtectedInput {
  file: string;
  what: string;
}

const HEAD_BYTES = 16;
const FIRST_LINE_BYTES = 1 << 20;

/** What the first bytes say the file is, when it is an image or a checkpoint; else null. */
export function sniffInput(head: Uint8Array): string | null {
  const at = (i: number, ...bytes: number[]) => bytes.every((b, k) => head[i + k] === b);
  const ascii = (i: number, s: string) => at(i, ...[...s].map((c) => c.charCodeAt(0)));
  if (at(0, 0x89, 0x50, 0x4e, 0x47)) return 'a PNG image';
  if (at(0, 0xff, 0xd8, 0xff)) return 'a JPEG image';
  if (ascii(0, 'GIF8')) return 'a GIF image';
  if (ascii(0, 'BM') && at(6, 0, 0, 0, 0)) return 'a BMP image';
  if (ascii(0, 'RIFF') && ascii(8, 'WEBP')) return 'a WebP image';
  if (at(0, 0x49, 0x49, 0x2a, 0x00) || at(0, 0x4d, 0x4d, 0x00, 0x2a)) return 'a TIFF image';
  if (ascii(4, 'ftyp')) return 'an AVIF/HEIF image';
  if (at(0, 0x50, 0x4b, 0x03, 0x04) || at(0, 0x50, 0x4b, 0x05, 0x06)) return 'a ZIP archive (a checkpoint?)';
  if (at(0, 0x93) && ascii(1, 'NUMPY')) return 'a NumPy array';
  if (head[0] === 0x80 && head[1] !== undefined && head[1] <= 5) return 'a pickle (a PyTorch checkpoint?)';
  // safetensors: an 8-byte little-endian header length, then the JSON header.
  if (head.length >= 9 && head[8] === 0x7b && head.slice(0, 8).some((b) => b !== 0) && head[7] === 0)
    return 'a safetensors checkpoint';
  return null;
}

/** True when the first line is a row as `spt predict` writes it: {"image", "logits", "pred"}. */
export function isPredictionsLine(line: string): boolean {
  try {
    const row = JSON.parse(line) as Record<string, unknown> | null;
    return (
      row !== null &&
      typeof row === 'object' &&
      !Array.isArray(row) &&
      typeof row.image === 'string' &&
      Array.isArray(row.logits) &&
      row.logits.every((v) => typeof v === 'number' || v === null) &&
      Number.isInteger(row.pred) &&
      Object.keys(row).every((k) => k === 'image' || k === 'logits' || k === 'pred')
    );
  } catch {
    return false;
  }
}

function readStart(file: string, bytes: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const n = fs.readSync(fd, buf, 0, bytes, 0);
    return buf.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Throws an OutputPathError when writing `out` could destroy an input or a file that is not an
 * earlier `spt predict` output (the latter unless `force`). A path that does not exist yet is fine.
 */
export function checkPredictOutput(out: string, inputs: readonly ProtectedInput[], force: boolean): void {
  if (!out.trim()) throw new OutputPathError(out, 'the path is empty', 'name a file, e.g. --out preds.jsonl');
  const abs = path.resolve(out);
  const refuse = (problem: string, fix = 'write the predictions to another file, e.g. --out preds.jsonl') => {
    throw new OutputPathError(out, problem, fix);
  };
  const st = fs.statSync(abs, { throwIfNoEntry: false });
  if (!st) {
    if (/[\\/]$/.test(out))
      refuse(
        'a folder path (it ends with a separator)',
        `name a file in it, e.g. --out ${path.join(out, 'preds.jsonl')}`,
      );
    return;
  }
  if (st.isDirectory())
    refuse('is a folder', `name a file in it, e.g. --out ${path.join(out, 'preds.jsonl')}`);
  if (!st.isFile()) refuse('is not a regular file (a device, socket or pipe)');
  for (const input of inputs) {
    const s = fs.statSync(input.file, { throwIfNoEntry: false });
    if (s && s.dev === st.dev && s.ino === st.ino)
      refuse(`is ${input.what} (${input.file}); predict never replaces its own inputs`);
  }
  const head = readStart(abs, Math.min(st.size, FIRST_LINE_BYTES));
  const kind = sniffInput(head.subarray(0, HEAD_BYTES));
  if (kind) refuse(`holds ${kind}; predict never replaces images or checkpoints, even with --force`);
  const nl = head.indexOf(0x0a);
  const first = head.subarray(0, nl < 0 ? head.length : nl).toString('utf8');
  if (isPredictionsLine(first)) return;
  if (force) return;
  refuse(
    st.size === 0
      ? 'exists and is empty, so it is not an earlier `spt predict` output'
      : 'exists and is not a predictions file written by `spt predict` (its first line is not {"image", "logits", "pred"})',
    'write to another file, or add --force to replace it',
  );
}
