/**
 * FGVC training augmentation (spt-method.md section 6), as torchvision 0.14 composes it:
 * `RandomResizedCrop(size, scale=(0.08, 1.0), ratio=(3/4, 4/3), interpolation=BICUBIC)`,
 * `RandomHorizontalFlip(0.5)`, `ToTensor()`, `Normalize(ImageNet mean, std)`.
 *
 * The crop box is drawn with torchvision's `RandomResizedCrop.get_params` algorithm: up to 10 attempts of a
 * target area `area * U(scale)` and an aspect ratio `exp(U(log ratio))` (float32, as torch draws them),
 * w = round(sqrt(area * r)), h = round(sqrt(area / r)) with Python's round; an attempt that fits draws the
 * top in [0, H - h] and the left in [0, W - w]; after 10 misses the central-crop fallback clamps the whole
 * image's aspect ratio into [3/4, 4/3]. Then the box is cut out and resized to size x size with PIL's bicubic
 * (torchvision's `resized_crop`: crop, then resize), flipped when U < 0.5, and normalised.
 *
 * The random numbers come from the given Rng (the caller decides determinism), so the boxes are those of
 * torchvision's algorithm but not of torch's random stream.
 */
import type { RgbImage } from './decode-image';
import { resizeBicubic } from './resize';
import { normalise, roundHalfEven } from './transforms';

/** The part of an Rng the augmentation draws from. */
export interface AugmentRng {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

export interface CropBox {
  /** Row of the top edge (torchvision's i). */
  top: number;
  /** Column of the left edge (torchvision's j). */
  left: number;
  height: number;
  width: number;
}

export interface CropParams extends CropBox {
  /** True when all 10 attempts missed and the central crop was used. */
  fallback: boolean;
}

export const RRC_SCALE: readonly [number, number] = [0.08, 1.0];
export const RRC_RATIO: readonly [number, number] = [3 / 4, 4 / 3];

/** torch's `torch.empty(1).uniform_(from, to).item()` on a float32 tensor. */
function uniformF32(rng: AugmentRng, from: number, to: number): number {
  return Math.fround(from + (to - from) * rng.uniform());
}

/** torchvision 0.14 `RandomResizedCrop.get_params(img, scale, ratio)` for a width x height image. */
export function randomResizedCropParams(
  width: number,
  height: number,
  rng: AugmentRng,
  scale: readonly [number, number] = RRC_SCALE,
  ratio: readonly [number, number] = RRC_RATIO,
): CropParams {
  if (!(width >= 1 && height >= 1)) throw new Error(`randomResizedCrop: bad image size ${width}x${height}`);
  const area = height * width;
  // torch.log(torch.tensor(ratio)): float32.
  const logLo = Math.fround(Math.log(Math.fround(ratio[0])));
  const logHi = Math.fround(Math.log(Math.fround(ratio[1])));
  for (let attempt = 0; attempt < 10; attempt++) {
    const targetArea = area * uniformF32(rng, scale[0], scale[1]);
    const aspect = Math.fround(Math.exp(uniformF32(rng, logLo, logHi)));
    const w = roundHalfEven(Math.sqrt(targetArea * aspect));
    const h = roundHalfEven(Math.sqrt(targetArea / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const top = rng.int(height - h + 1);
      const left = rng.int(width - w + 1);
      return { top, left, height: h, width: w, fallback: false };
    }
  }
  const inRatio = width / height;
  const minRatio = Math.min(ratio[0], ratio[1]);
  const maxRatio = Math.max(ratio[0], ratio[1]);
  let w: number;
  let h: number;
  if (inRatio < minRatio) {
    w = width;
    h = roundHalfEven(w / minRatio);
  } else if (inRatio > maxRatio) {
    h = height;
    w = roundHalfEven(h * maxRatio);
  } else {
    w = width;
    h = height;
  }
  return {
    top: Math.floor((height - h) / 2),
    left: Math.floor((width - w) / 2),
    height: h,
    width: w,
    fallback: true,
  };
}

/** PIL's `img.crop((left, top, left + width, top + height))` for a box inside the image. */
export function cropImage(img: RgbImage, box: CropBox): RgbImage {
  const { top, left, height, width } = box;
  if (
    top < 0 ||
    left < 0 ||
    top + height > img.height ||
    left + width > img.width ||
    width < 1 ||
    height < 1
  ) {
    throw new Error(
      `cropImage: box ${JSON.stringify(box)} is not inside the ${img.width}x${img.height} image`,
    );
  }
  if (top === 0 && left === 0 && width === img.width && height === img.height) return img;
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const s = ((top + y) * img.width + left) * 3;
    out.set(img.data.subarray(s, s + width * 3), y * width * 3);
  }
  return { width, height, data: out };
}

/** Mirror left-right (`F.hflip`). */
export function hflipImage(img: RgbImage): RgbImage {
  const { width, height, data } = img;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) {
    const row = y * width * 3;
    for (let x = 0; x < width; x++) {
      const s = row + x * 3;
      const d = row + (width - 1 - x) * 3;
      out[d] = data[s];
      out[d + 1] = data[s + 1];
      out[d + 2] = data[s + 2];
    }
  }
  return { width, height, data: out };
}

export interface AugmentedImage {
  image: RgbImage;
  box: CropParams;
  flipped: boolean;
}

/** RandomResizedCrop(size, bicubic) + RandomHorizontalFlip(0.5), drawing the box first, then the flip. */
export function fgvcTrainAugmentImage(img: RgbImage, size: number, rng: AugmentRng): AugmentedImage {
  if (!Number.isInteger(size) || size < 1)
    throw new Error(`augment size must be a positive integer (got ${size})`);
  const box = randomResizedCropParams(img.width, img.height, rng);
  const cropped = cropImage(img, box);
  let image =
    cropped.width === size && cropped.height === size ? cropped : resizeBicubic(cropped, size, size);
  const flipped = rng.uniform() < 0.5;
  if (flipped) image = hflipImage(image);
  return { image, box, flipped };
}

/** The FGVC training transform: augmentation + ToTensor + Normalize, HWC float32 into `out` at `offset`. */
export function fgvcTrainTransform(
  img: RgbImage,
  size: number,
  rng: AugmentRng,
  out?: Float32Array,
  offset = 0,
): Float32Array {
  return normalise(fgvcTrainAugmentImage(img, size, rng).image, out, offset);
}
