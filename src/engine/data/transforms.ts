/**
 * Evaluation transforms (spt-method.md section 6) as pure functions on a decoded RGB uint8 image, each
 * producing a Float32Array in HWC order, normalised like torchvision's `ToTensor()` + `Normalize(mean, std)`:
 * x = (v / 255 - mean) / std, every step rounded to float32 as PyTorch computes it in float32.
 *
 * - VTAB-1k: `Resize(size, BICUBIC)` (shorter side to `size`, longer side int(size * long / short)) then
 *   `CenterCrop(size)`.
 * - FGVC test: `Resize(round(size * 256 / 224), BICUBIC)` (256 for 224) then `CenterCrop(size)`.
 * - CenterCrop: top = round((h - size) / 2), left = round((w - size) / 2), with Python's round (half to
 *   even), as torchvision computes it.
 * The bicubic resize is PIL's (see resize.ts); it is skipped when the image already has the target size.
 */
import type { RgbImage } from './decode-image';
import { resizeBicubic } from './resize';

export const IMAGENET_MEAN: readonly [number, number, number] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: readonly [number, number, number] = [0.229, 0.224, 0.225];

export type TransformKind = 'vtab' | 'fgvc' | 'none';

/** lut[c * 256 + v] = float32((float32(v / 255) - float32(mean[c])) / float32(std[c])). */
const NORMALISE_LUT: Float32Array = (() => {
  const lut = new Float32Array(3 * 256);
  for (let c = 0; c < 3; c++) {
    const m = Math.fround(IMAGENET_MEAN[c]);
    const s = Math.fround(IMAGENET_STD[c]);
    for (let v = 0; v < 256; v++) {
      lut[c * 256 + v] = Math.fround(Math.fround(Math.fround(v / 255) - m) / s);
    }
  }
  return lut;
})();

/** Python 3's round(): to the nearest integer, halves to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Normalises an RGB uint8 HWC image into `out` (a new Float32Array by default) at `offset`. */
export function normalise(img: RgbImage, out?: Float32Array, offset = 0): Float32Array {
  const { data } = img;
  const dst = out ?? new Float32Array(data.length);
  if (offset + data.length > dst.length) {
    throw new Error(`normalise: ${data.length} values do not fit at offset ${offset} of ${dst.length}`);
  }
  for (let i = 0; i < data.length; i += 3) {
    dst[offset + i] = NORMALISE_LUT[data[i]];
    dst[offset + i + 1] = NORMALISE_LUT[256 + data[i + 1]];
    dst[offset + i + 2] = NORMALISE_LUT[512 + data[i + 2]];
  }
  return dst;
}

/** torchvision `Resize(int)` output size: shorter side to `size`, longer side int(size * long / short). */
export function shorterSideSize(
  width: number,
  height: number,
  size: number,
): { width: number; height: number } {
  if (width <= height) return { width: size, height: Math.trunc((size * height) / width) };
  return { width: Math.trunc((size * width) / height), height: size };
}

/** Bicubic resize of the shorter side to `size` (torchvision `Resize(size)` on a PIL image). */
export function resizeShorterSide(img: RgbImage, size: number): RgbImage {
  const t = shorterSideSize(img.width, img.height, size);
  if (t.width === img.width && t.height === img.height) return img;
  return resizeBicubic(img, t.width, t.height);
}

/** torchvision `CenterCrop(size)` for an image at least `size` in both directions. */
export function centerCrop(img: RgbImage, size: number): RgbImage {
  const { width, height, data } = img;
  if (width < size || height < size) {
    throw new Error(`centerCrop: a ${width}x${height} image is smaller than the ${size}x${size} crop`);
  }
  if (width === size && height === size) return img;
  const top = roundHalfEven((height - size) / 2);
  const left = roundHalfEven((width - size) / 2);
  const out = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    const s = ((top + y) * width + left) * 3;
    out.set(data.subarray(s, s + size * 3), y * size * 3);
  }
  return { width: size, height: size, data: out };
}

function checkSize(size: number): void {
  if (!Number.isInteger(size) || size < 1)
    throw new Error(`transform size must be a positive integer (got ${size})`);
}

/** VTAB-1k: bicubic resize of the shorter side to `size`, centre crop `size`, normalise. */
export function vtabTransform(img: RgbImage, size = 224, out?: Float32Array, offset = 0): Float32Array {
  checkSize(size);
  return normalise(centerCrop(resizeShorterSide(img, size), size), out, offset);
}

/** The FGVC test-time resize: round(size * 256 / 224), i.e. 256 for 224. */
export function fgvcResizeSize(size: number): number {
  return roundHalfEven((size * 256) / 224);
}

/** FGVC evaluation: bicubic resize of the shorter side to round(size * 256 / 224), centre crop `size`, normalise. */
export function fgvcEvalTransform(img: RgbImage, size = 224, out?: Float32Array, offset = 0): Float32Array {
  checkSize(size);
  return normalise(centerCrop(resizeShorterSide(img, fgvcResizeSize(size)), size), out, offset);
}

/** Normalisation only, for images that already have the model's size. */
export function identityTransform(img: RgbImage, out?: Float32Array, offset = 0): Float32Array {
  return normalise(img, out, offset);
}

/**
 * The model input for one image: for 'vtab' and 'none' an image already exactly `size` x `size` is only
 * normalised (VTAB's resize + crop is then the identity); otherwise `kind` picks the transform ('none' then
 * throws, since the sizes do not match). 'fgvc' always resizes, as torchvision's Resize(256) + CenterCrop(224).
 */
export function toModelInput(
  img: RgbImage,
  size: number,
  kind: TransformKind,
  out?: Float32Array,
  offset = 0,
): Float32Array {
  checkSize(size);
  // The FGVC evaluation transform always resizes to 256/224 x size first, even for a size x size image.
  if (kind !== 'fgvc' && img.width === size && img.height === size)
    return identityTransform(img, out, offset);
  switch (kind) {
    case 'vtab':
      return vtabTransform(img, size, out, offset);
    case 'fgvc':
      return fgvcEvalTransform(img, size, out, offset);
    case 'none':
      throw new Error(
        `toModelInput: a ${img.width}x${img.height} image needs resizing to ${size}x${size}, but the transform is 'none'`,
      );
    default:
      throw new Error(`toModelInput: unknown transform kind ${String(kind)}`);
  }
}
