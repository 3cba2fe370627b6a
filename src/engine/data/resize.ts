/**
 * Bicubic resize of 8-bit RGB images, bit-exact with PIL's `Image.resize((w, h), Image.BICUBIC)` for RGB
 * images (Pillow's `libImaging/Resample.c`), which is what torchvision's `Resize` runs on PIL images:
 *
 * - antialiased: scale = in / out; when shrinking the cubic kernel is stretched by the scale (support
 *   2 * scale, argument divided by scale); output pixel i is centred at (i + 0.5) * scale;
 * - taps xmin = max(trunc(centre - support + 0.5), 0) .. min(trunc(centre + support + 0.5), in) - 1, the
 *   weights normalised to sum 1 over that clipped range (no padding);
 * - Keys' cubic with a = -0.5, evaluated with PIL's exact expressions in float64;
 * - the 8-bit path: the weights are turned into 22-bit fixed point (round half away from zero), each
 *   output is (sum(w_fixed * v) + 2^21) >> 22 clipped to [0, 255];
 * - separable, horizontal pass first (rounded to uint8), then the vertical pass; an axis whose size does
 *   not change is skipped, and an image already of the requested size is returned as a copy.
 *
 * `src/engine/checkpoint/resample-1d.ts` implements the same tap geometry for float data, but its cubic
 * is written differently (so a weight can differ in the last bit and flip a fixed-point rounding) and it
 * has no 8-bit fixed-point path; this module therefore computes its own weights to stay bit-exact.
 */
import type { RgbImage } from './decode-image';

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 2 ** PRECISION_BITS;
const HALF = 2 ** (PRECISION_BITS - 1);

/** PIL's `bicubic_filter` (a = -0.5), same operation order. */
function bicubic(x: number): number {
  const a = -0.5;
  if (x < 0) x = -x;
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

/** Fixed-point taps of one axis, as Pillow's `precompute_coeffs` + `normalize_coeffs_8bpc` produce them. */
export interface FixedTaps {
  inSize: number;
  outSize: number;
  ksize: number;
  /** First input index per output index. */
  start: Int32Array;
  /** Number of taps per output index. */
  count: Int32Array;
  /** outSize x ksize integer weights (scaled by 2^22). */
  weights: Int32Array;
}

/** The PIL bicubic taps for resampling an axis of `inSize` pixels to `outSize` pixels. */
export function pilBicubicTaps(inSize: number, outSize: number): FixedTaps {
  if (!Number.isInteger(inSize) || !Number.isInteger(outSize) || inSize < 1 || outSize < 1) {
    throw new Error(`pilBicubicTaps: sizes must be positive integers (got ${inSize} -> ${outSize})`);
  }
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 2 * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  const ss = 1 / filterScale;
  for (let xx = 0; xx < outSize; xx++) {
    const centre = (xx + 0.5) * scale;
    const xmin = Math.max(Math.trunc(centre - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(centre + support + 0.5), inSize) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = bicubic((x + xmin - centre + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    const row = xx * ksize;
    for (let x = 0; x < xmax; x++) {
      const w = ww !== 0 ? k[x] / ww : k[x];
      // C's (int) truncates toward zero after adding -0.5 / +0.5.
      weights[row + x] = Math.trunc(w < 0 ? -0.5 + w * ONE : 0.5 + w * ONE);
    }
    start[xx] = xmin;
    count[xx] = Math.max(xmax, 0);
  }
  return { inSize, outSize, ksize, start, count, weights };
}

function clip8(acc: number): number {
  // acc is an exact integer (|acc| < 2^53); the shift of C's int becomes a floor division.
  const v = Math.floor(acc / ONE);
  return Math.min(Math.max(v, 0), 255);
}

/**
 * Resamples the middle axis of a row-major uint8 [outer, inSize, inner] array to [outer, outSize, inner]
 * (horizontal pass of an HWC image: outer = H, inner = 3; vertical pass: outer = 1, inner = W * 3).
 */
function resampleAxisU8(src: Uint8Array, outer: number, inner: number, t: FixedTaps): Uint8Array {
  const { inSize, outSize, ksize, start, count, weights } = t;
  const out = new Uint8Array(outer * outSize * inner);
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const srcBase = o * inSize * inner;
    const dstBase = o * outSize * inner;
    for (let i = 0; i < outSize; i++) {
      acc.fill(HALF);
      const row = i * ksize;
      for (let j = 0; j < count[i]; j++) {
        const w = weights[row + j];
        const s = srcBase + (start[i] + j) * inner;
        for (let c = 0; c < inner; c++) acc[c] += w * src[s + c];
      }
      const d = dstBase + i * inner;
      for (let c = 0; c < inner; c++) out[d + c] = clip8(acc[c]);
    }
  }
  return out;
}

/** Resizes an RGB uint8 HWC image to `outWidth` x `outHeight` exactly as PIL's BICUBIC resize does. */
export function resizeBicubic(img: RgbImage, outWidth: number, outHeight: number): RgbImage {
  const { width, height, data } = img;
  if (data.length !== width * height * 3) {
    throw new Error(`resizeBicubic: ${data.length} bytes do not fill a ${width}x${height} RGB image`);
  }
  if (!Number.isInteger(outWidth) || !Number.isInteger(outHeight) || outWidth < 1 || outHeight < 1) {
    throw new Error(`resizeBicubic: target size must be positive integers (got ${outWidth}x${outHeight})`);
  }
  let cur = data;
  if (outWidth !== width) cur = resampleAxisU8(cur, height, 3, pilBicubicTaps(width, outWidth));
  if (outHeight !== height) cur = resampleAxisU8(cur, 1, outWidth * 3, pilBicubicTaps(height, outHeight));
  return { width: outWidth, height: outHeight, data: cur === data ? data.slice() : cur };
}
