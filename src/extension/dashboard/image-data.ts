/**
 * Dataset images for the webview as data URLs: the file's bytes as they are (never decoded here),
 * after checking that the path stays inside the run's data folder, that the bytes are an image the
 * browser draws (PNG, JPEG, GIF, WebP, by their first bytes) and that the file is not too large.
 * Unreadable images come back with `dataUrl: null` and the reason. Pure Node: no `vscode`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ImageData64 } from '../../shared/webview-contract';
import { MissingFileError, resolveInside } from './path-guard';
import type { RunData } from './run-config';

/** Per image. */
export const MAX_IMAGE_BYTES = 4 << 20;

/** The MIME type of image bytes the browser draws, by their signature; null for anything else. */
export function sniffImage(head: Uint8Array): string | null {
  const at = (i: number, bytes: number[]) => bytes.every((b, j) => head[i + j] === b);
  if (at(0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (at(0, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (at(0, [0x47, 0x49, 0x46, 0x38])) return 'image/gif';
  if (at(0, [0x52, 0x49, 0x46, 0x46]) && at(8, [0x57, 0x45, 0x42, 0x50])) return 'image/webp';
  return null;
}

/** The folder image ids of a split are relative to (ImageFolder: the split folder; else the root). */
export function imageBase(data: RunData, split: 'train' | 'val'): string {
  if (data.format !== 'imagefolder') return data.root;
  const folder = split === 'val' ? (data.val ?? data.train) : data.train;
  return folder ? path.join(data.root, folder) : data.root;
}

function fail(id: string, error: string): ImageData64 {
  return { id, dataUrl: null, error };
}

/** Reads one image of the run's data folder as a data URL. Never throws. */
export function readImageData(
  data: RunData | null,
  split: 'train' | 'val',
  id: string,
  maxBytes = MAX_IMAGE_BYTES,
): ImageData64 {
  if (!data) return fail(id, "the run's config.yaml names no data.root, so its images cannot be found");
  if (data.format === 'synthetic')
    return fail(id, 'synthetic data is generated in memory: it has no image files');
  const base = imageBase(data, split);
  let file: string;
  try {
    file = resolveInside(base, id, id);
  } catch (err) {
    if (err instanceof MissingFileError)
      return fail(id, `${id} is missing under ${base}: the data folder changed since the run`);
    return fail(id, (err as Error).message);
  }
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) return fail(id, `${id} is not a file`);
    if (st.size > maxBytes)
      return fail(
        id,
        `${id} is ${(st.size / (1 << 20)).toFixed(1)} MB, over the ${maxBytes >> 20} MB the dashboard shows`,
      );
    const bytes = fs.readFileSync(file);
    const mime = sniffImage(bytes.subarray(0, 16));
    if (!mime) return fail(id, `${id} is not a PNG, JPEG, GIF or WebP image the dashboard can show`);
    return { id, dataUrl: `data:${mime};base64,${bytes.toString('base64')}` };
  } catch (err) {
    return fail(id, `${id} cannot be read: ${(err as Error).message}`);
  }
}
