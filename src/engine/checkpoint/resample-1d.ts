/**
 * Separable antialiased resampling, as PyTorch's `interpolate(..., antialias=True, align_corners=False)`
 * computes it on CPU (`_upsample_bicubic2d_aa` / `_upsample_bilinear2d_aa`, which follow PIL's resampler):
 *
 * - scale = in / out; the output pixel i is centred at scale * (i + 0.5) in input coordinates;
 * - the filter support is interp_size / 2 (2 for bicubic, 1 for bilinear), multiplied by the scale when
 *   shrinking (scale >= 1), and the filter argument is divided by the scale then (a wider, lower kernel);
 * - input pixels xmin .. xmin + xsize - 1 with xmin = max(trunc(centre - support + 0.5), 0),
 *   xmax = min(trunc(centre + support + 0.5), in), each weighted filter((x - centre + 0.5) / max(scale, 1));
 * - the weights of one output pixel are normalised to sum 1 over that valid (clipped) range, which is how
 *   the borders are handled (no padding, no index clamping).
 *
 * Bicubic uses Keys' cubic convolution with a = -0.5 (PIL's value; the non-antialiased PyTorch path uses
 * -0.75 and clamps indices instead, which this module does not implement).
 * Weights and sums are computed in float64; the results are rounded to float32 once, at the end of a pass.
 */

export type ResampleFilter = 'bicubic' | 'bilinear';

/** Per-output-index taps of one axis: input range [start, start + count) and its normalised weights. */
export interface AxisWeights {
  inSize: number;
  outSize: number;
  /** Weights stored per output index (the row stride of `weights`). */
  maxTaps: number;
  start: Int32Array;
  count: Int32Array;
  /** outSize x maxTaps, zero beyond `count`. */
  weights: Float64Array;
}

const CUBIC_A = -0.5;

function cubicFilter(x: number): number {
  const t = Math.abs(x);
  if (t < 1) return ((CUBIC_A + 2) * t - (CUBIC_A + 3)) * t * t + 1;
  if (t < 2) return ((CUBIC_A * t - 5 * CUBIC_A) * t + 8 * CUBIC_A) * t - 4 * CUBIC_A;
  return 0;
}

function triangleFilter(x: number): number {
  const t = Math.abs(x);
  return t < 1 ? 1 - t : 0;
}

const FILTERS: Record<ResampleFilter, { fn: (x: number) => number; interpSize: number }> = {
  bicubic: { fn: cubicFilter, interpSize: 4 },
  bilinear: { fn: triangleFilter, interpSize: 2 },
};

/** The antialiased taps for resampling an axis of `inSize` samples to `outSize` samples. */
export function antialiasWeights(
  inSize: number,
  outSize: number,
  filter: ResampleFilter = 'bicubic',
): AxisWeights {
  if (!Number.isInteger(inSize) || !Number.isInteger(outSize) || inSize < 1 || outSize < 1) {
    throw new Error(`antialiasWeights: sizes must be positive integers (got ${inSize} -> ${outSize})`);
  }
  const { fn, interpSize } = FILTERS[filter];
  const scale = inSize / outSize;
  const support = scale >= 1 ? interpSize * 0.5 * scale : interpSize * 0.5;
  const invScale = scale >= 1 ? 1 / scale : 1;
  const maxTaps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * maxTaps);
  for (let i = 0; i < outSize; i++) {
    const centre = scale * (i + 0.5);
    const xmin = Math.max(Math.trunc(centre - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(centre + support + 0.5), inSize);
    const n = Math.min(Math.max(xmax - xmin, 0), maxTaps);
    let total = 0;
    const row = i * maxTaps;
    for (let j = 0; j < n; j++) {
      const w = fn((j + xmin - centre + 0.5) * invScale);
      weights[row + j] = w;
      total += w;
    }
    if (total !== 0) for (let j = 0; j < n; j++) weights[row + j] /= total;
    start[i] = xmin;
    count[i] = n;
  }
  return { inSize, outSize, maxTaps, start, count, weights };
}

/**
 * Resamples the middle axis of a row-major [outer, inSize, inner] array to [outer, outSize, inner].
 * `inner` is the number of contiguous values per sample (channels for HWC rows, 1 for a plain signal).
 */
export function resampleAxis(
  src: ArrayLike<number>,
  outer: number,
  inner: number,
  w: AxisWeights,
): Float32Array {
  const { inSize, outSize, maxTaps, start, count, weights } = w;
  if (src.length !== outer * inSize * inner) {
    throw new Error(`resampleAxis: ${src.length} values do not fill [${outer}, ${inSize}, ${inner}]`);
  }
  const out = new Float32Array(outer * outSize * inner);
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const srcBase = o * inSize * inner;
    const dstBase = o * outSize * inner;
    for (let i = 0; i < outSize; i++) {
      acc.fill(0);
      const row = i * maxTaps;
      for (let j = 0; j < count[i]; j++) {
        const wt = weights[row + j];
        const s = srcBase + (start[i] + j) * inner;
        for (let c = 0; c < inner; c++) acc[c] += wt * src[s + c];
      }
      const d = dstBase + i * inner;
      for (let c = 0; c < inner; c++) out[d + c] = acc[c];
    }
  }
  return out;
}

export interface Resize2dOptions {
  /** Memory layout of `src`: 'hwc' (interleaved channels, the default) or 'chw' (planar). */
  layout?: 'hwc' | 'chw';
  filter?: ResampleFilter;
}

/**
 * Antialiased 2-D resize of a float image (PyTorch `interpolate(mode, antialias=True)` on float input):
 * the width is resampled first, then the height, as PyTorch's CPU kernel does. An axis whose size does
 * not change is copied unchanged.
 */
export function resize2d(
  src: ArrayLike<number>,
  height: number,
  width: number,
  channels: number,
  outHeight: number,
  outWidth: number,
  options: Resize2dOptions = {},
): Float32Array {
  const layout = options.layout ?? 'hwc';
  const filter = options.filter ?? 'bicubic';
  if (src.length !== height * width * channels) {
    throw new Error(`resize2d: ${src.length} values do not fill ${height}x${width}x${channels}`);
  }
  let cur: ArrayLike<number> = src;
  if (outWidth !== width) {
    const ww = antialiasWeights(width, outWidth, filter);
    cur =
      layout === 'hwc'
        ? resampleAxis(cur, height, channels, ww)
        : resampleAxis(cur, channels * height, 1, ww);
  }
  if (outHeight !== height) {
    const wh = antialiasWeights(height, outHeight, filter);
    cur =
      layout === 'hwc'
        ? resampleAxis(cur, 1, outWidth * channels, wh)
        : resampleAxis(cur, channels, outWidth, wh);
  }
  return cur instanceof Float32Array && cur !== src ? cur : Float32Array.from(cur);
}
