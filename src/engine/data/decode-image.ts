/**
 * Image decoding to 8-bit RGB, HWC, with sharp (libvips), made to agree with what the reference code does:
 * PIL's `Image.open(path).convert('RGB')` as torchvision's datasets call it.
 *
 * - RGB / sRGB 8-bit: the stored values, unchanged. Embedded ICC profiles are ignored, as PIL ignores them.
 * - Alpha (RGBA, LA, palette with transparency): the alpha channel is DROPPED, not flattened onto a
 *   background, exactly like PIL's `convert('RGB')`; the colour values under transparent pixels are kept.
 * - Grayscale (L, LA, 1-bit): the gray value is copied into R, G and B, as PIL does.
 * - Palette PNG/GIF: expanded through the palette. Multi-frame GIF/TIFF: the first frame only (as PIL).
 * - 16-bit PNG/TIFF (RGB or gray): reduced to 8 bits by taking the high byte (v >> 8). PIL does the same
 *   for 16-bit RGB; for 16-bit gray PIL clips the 16-bit value at 255 instead (a known PIL quirk that
 *   turns most such images white), which we deliberately do not copy.
 * - CMYK (JPEG/TIFF): converted to sRGB by colour management, with the embedded ICC profile when there is
 *   one, else a generic CMYK profile. PIL uses a naive `255 - (c + k)`-style formula here, so CMYK images
 *   differ from PIL's; such images are rare in the benchmarks.
 * - EXIF orientation: NOT applied by default, because PIL's `Image.open` does not apply it either and
 *   the benchmark labels/numbers were made without it; pass `{ autoOrient: true }` to apply it.
 *
 * An empty, truncated or corrupt file, or one in a format sharp cannot read, throws a DataError naming it.
 * So does an image of more than MAX_IMAGE_PIXELS pixels (PIL's decompression-bomb limit), or one whose
 * decoded size (width x height x channels x bytes per sample) exceeds MAX_DECODED_BYTES, both refused
 * from its header before anything is decoded. A refusal is remembered for as long as the file is
 * unchanged (same inode, size and mtime), so a bad image costs one decode per process, not one per epoch.
 */
import * as fs from 'node:fs/promises';
import sharp from 'sharp';
import { DataError } from './data-error';

/** PIL raises DecompressionBombError above 2 x Image.MAX_IMAGE_PIXELS; so do we. */
export const MAX_IMAGE_PIXELS = 2 * 89_478_485;

/**
 * Decoded-size limit in bytes, checked from the header: libvips holds the whole decoded image (at its
 * stored depth) while converting it, so a 13000 x 13000 16-bit RGBA PNG of 6 MB on disk would cost
 * 1.35 GB. 256 MiB admits 8-bit RGB images up to about 9400 x 9400 pixels, far beyond any benchmark's.
 */
export const MAX_DECODED_BYTES = 256 * 1024 * 1024;

/** Bytes per sample of sharp's `depth` names (libvips band formats). */
const BYTES_PER_SAMPLE: Record<string, number> = {
  uchar: 1,
  char: 1,
  ushort: 2,
  short: 2,
  uint: 4,
  int: 4,
  float: 4,
  complex: 8,
  double: 8,
  dpcomplex: 16,
};

const mib = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(0)} MiB`;

export interface RgbImage {
  width: number;
  height: number;
  /** height * width * 3 bytes, row-major, RGB interleaved (HWC). */
  data: Uint8Array;
}

export interface DecodeOptions {
  /** Rotate/flip according to the EXIF orientation tag (default false, like PIL). */
  autoOrient?: boolean;
}

function unreadable(file: string, problem: string): DataError {
  return new DataError(
    file,
    problem,
    'replace the file with an intact copy (re-download or re-extract the dataset), or remove it from the split file',
  );
}

/** Errors about reading the file rather than its content (not remembered). */
const readErrors = new WeakSet<DataError>();

function readError(file: string, problem: string, fix: string): DataError {
  const e = new DataError(file, problem, fix);
  readErrors.add(e);
  return e;
}

/** Images refused as corrupt or too large, by path: the file's identity then and the error. */
const refused = new Map<string, { identity: string; error: DataError }>();

async function identity(file: string): Promise<string | undefined> {
  try {
    const st = await fs.stat(file);
    return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return undefined;
  }
}

/**
 * Decodes an image file (JPEG, PNG, WebP, GIF, TIFF, AVIF/HEIF where sharp supports them) to RGB uint8 HWC.
 * A file refused before (corrupt, too large) and unchanged since is refused again without being read.
 */
export async function decodeImage(file: string, options: DecodeOptions = {}): Promise<RgbImage> {
  const id = await identity(file);
  const before = refused.get(file);
  if (before && id !== undefined && before.identity === id) throw before.error;
  try {
    return await decodeFresh(file, options);
  } catch (err) {
    // Only verdicts on the content are remembered; a read error (permissions, a vanished file) is not.
    if (err instanceof DataError && id !== undefined && !readErrors.has(err))
      refused.set(file, { identity: id, error: err });
    throw err;
  }
}

async function decodeFresh(file: string, options: DecodeOptions): Promise<RgbImage> {
  let buf: Buffer;
  try {
    buf = await fs.readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw readError(
        file,
        'image not found',
        'check the image path in the split file and the dataset folder it is resolved against',
      );
    }
    throw readError(file, `cannot read image: ${(err as Error).message}`, 'check the file permissions');
  }
  if (buf.length === 0) throw unreadable(file, 'image file is empty (0 bytes)');
  try {
    const meta = await sharp(buf, { limitInputPixels: MAX_IMAGE_PIXELS }).metadata();
    if ((meta.width ?? 0) * (meta.height ?? 0) > MAX_IMAGE_PIXELS)
      throw new Error(
        `${meta.width} x ${meta.height} pixels exceed the pixel limit of ${MAX_IMAGE_PIXELS} (a decompression bomb?)`,
      );
    const channels = meta.channels ?? 4;
    const sampleBytes = BYTES_PER_SAMPLE[meta.depth ?? ''] ?? 8;
    const bytes = (meta.width ?? 0) * (meta.height ?? 0) * channels * sampleBytes;
    if (bytes > MAX_DECODED_BYTES) {
      throw new DataError(
        file,
        `image is too large to decode: ${meta.width} x ${meta.height} pixels x ${channels} channels x ${sampleBytes} byte${sampleBytes > 1 ? 's' : ''} per sample (${meta.depth}) = ${mib(bytes)} decoded, over the limit of ${mib(MAX_DECODED_BYTES)}`,
        'downscale it (and convert it to 8-bit RGB) beforehand, for example with `vips resize` or ImageMagick, or remove it from the split',
      );
    }
    // PIL ignores ICC profiles; keep them only where colour management is the only sensible way (CMYK).
    const ignoreIcc = meta.space !== 'cmyk';
    let pipeline = sharp(buf, {
      ignoreIcc,
      failOn: 'warning',
      pages: 1,
      page: 0,
      limitInputPixels: MAX_IMAGE_PIXELS,
    });
    if (options.autoOrient) pipeline = pipeline.rotate();
    const { data, info } = await pipeline
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || data.length !== info.width * info.height * 3) {
      throw new Error(`decoded to ${info.channels} channels (${data.length} bytes), expected RGB`);
    }
    return {
      width: info.width,
      height: info.height,
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    };
  } catch (err) {
    if (err instanceof DataError) throw err;
    const msg = (err as Error).message.split('\n')[0];
    throw unreadable(file, `image is corrupt, truncated or in an unsupported format (${msg})`);
  }
}
