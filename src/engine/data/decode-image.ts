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
 * So does an image of more than MAX_IMAGE_PIXELS pixels (PIL's decompression-bomb limit), refused from
 * its header before anything is decoded.
 */
import * as fs from 'node:fs/promises';
import sharp from 'sharp';
import { DataError } from './data-error';

/** PIL raises DecompressionBombError above 2 x Image.MAX_IMAGE_PIXELS; so do we. */
export const MAX_IMAGE_PIXELS = 2 * 89_478_485;

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

/** Decodes an image file (JPEG, PNG, WebP, GIF, TIFF, AVIF/HEIF where sharp supports them) to RGB uint8 HWC. */
export async function decodeImage(file: string, options: DecodeOptions = {}): Promise<RgbImage> {
  let buf: Buffer;
  try {
    buf = await fs.readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new DataError(
        file,
        'image not found',
        'check the image path in the split file and the dataset folder it is resolved against',
      );
    }
    throw unreadable(file, `cannot read image: ${(err as Error).message}`);
  }
  if (buf.length === 0) throw unreadable(file, 'image file is empty (0 bytes)');
  try {
    const meta = await sharp(buf, { limitInputPixels: MAX_IMAGE_PIXELS }).metadata();
    if ((meta.width ?? 0) * (meta.height ?? 0) > MAX_IMAGE_PIXELS)
      throw new Error(
        `${meta.width} x ${meta.height} pixels exceed the pixel limit of ${MAX_IMAGE_PIXELS} (a decompression bomb?)`,
      );
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
