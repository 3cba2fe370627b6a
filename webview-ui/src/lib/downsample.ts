/**
 * Display downsampling for long curves: min/max per pixel bucket over the visible x-range, so every
 * spike survives at any zoom. Pure functions over the caller's arrays; the input is never modified.
 * `x` must be ascending (non-decreasing), as steps and epoch progress are.
 */
import { lowerBound } from '../../../src/shared/metric-columns';

export type Point = [number, number];

export interface XRange {
  min: number;
  max: number;
}

export interface DownsampleOptions {
  /** Drop points with y <= 0 (a log-scale axis cannot show them). */
  positiveOnly?: boolean;
}

/**
 * The coarse whole-series overview of displayPoints, kept per series while the series (its arrays and
 * length) and the bucket count stay the same: zooming and panning then only resample the visible range.
 */
export class OverviewCache {
  private cache = new WeakMap<
    ArrayLike<number>,
    { x: ArrayLike<number>; n: number; key: string; points: Point[] }
  >();

  get(x: ArrayLike<number>, y: ArrayLike<number>, buckets: number, positiveOnly: boolean): Point[] {
    const n = Math.min(x.length, y.length);
    const key = `${buckets}|${positiveOnly}`;
    const hit = this.cache.get(y);
    if (hit && hit.x === x && hit.n === n && hit.key === key) return hit.points;
    const points = downsampleMinMax(x, y, null, buckets, { positiveOnly });
    this.cache.set(y, { x, n, key, points });
    return points;
  }
}

export { lowerBound };

/** Index of the x nearest to `value` (x ascending), or -1 for an empty series. */
export function nearestIndex(x: ArrayLike<number>, value: number): number {
  if (x.length === 0) return -1;
  const i = lowerBound(x, value);
  if (i === 0) return 0;
  if (i >= x.length) return x.length - 1;
  return value - x[i - 1] <= x[i] - value ? i - 1 : i;
}

/** First index with x[i] > value (x ascending); x.length when none. */
export function upperBound(x: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = x.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x[mid] <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function usable(x: number, y: number, positiveOnly: boolean): boolean {
  return Number.isFinite(x) && Number.isFinite(y) && (!positiveOnly || y > 0);
}

/**
 * The points of [range.min, range.max] (all of them when range is null), reduced to at most two per bucket
 * (the bucket's minimum and maximum y, in x order) when there are more than `2 * buckets`, plus the range's
 * first and last point, plus one neighbour on each side of the range so the line runs to the chart's edge.
 * Non-finite values (and y <= 0 with positiveOnly) are left out.
 */
export function downsampleMinMax(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  range: XRange | null,
  buckets: number,
  options: DownsampleOptions = {},
): Point[] {
  const n = Math.min(x.length, y.length);
  if (n === 0) return [];
  const positiveOnly = options.positiveOnly ?? false;
  const i0 = range ? lowerBound(x, range.min) : 0;
  const i1 = Math.min(n, range ? upperBound(x, range.max) : n); // exclusive
  const out: Point[] = [];
  // The neighbour before the range (the nearest usable one).
  for (let i = Math.min(i0, n) - 1; i >= 0; i--) {
    if (usable(x[i], y[i], positiveOnly)) {
      out.push([x[i], y[i]]);
      break;
    }
  }
  buckets = Math.max(1, Math.floor(buckets));
  if (i1 - i0 <= 2 * buckets) {
    for (let i = i0; i < i1; i++) if (usable(x[i], y[i], positiveOnly)) out.push([x[i], y[i]]);
  } else {
    out.push(...bucketExtremes(x, y, i0, i1, range, buckets, positiveOnly));
  }
  // The neighbour after the range.
  for (let i = i1; i < n; i++) {
    if (usable(x[i], y[i], positiveOnly)) {
      out.push([x[i], y[i]]);
      break;
    }
  }
  return out;
}

/** Min and max of each bucket of [i0, i1), in x order, plus the first and last usable point. */
function bucketExtremes(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  i0: number,
  i1: number,
  range: XRange | null,
  buckets: number,
  positiveOnly: boolean,
): Point[] {
  const lo = range ? range.min : x[i0];
  const hi = range ? range.max : x[i1 - 1];
  const width = (hi - lo) / buckets || 1;
  const picked: number[] = [];
  let first = -1;
  let last = -1;
  let bucket = -1;
  let minI = -1;
  let maxI = -1;
  const flush = () => {
    if (minI < 0) return;
    if (minI === maxI) picked.push(minI);
    else picked.push(Math.min(minI, maxI), Math.max(minI, maxI));
  };
  for (let i = i0; i < i1; i++) {
    const yi = y[i];
    const xi = x[i];
    // Inline finiteness test (v - v is 0 only for finite v): this loop runs over every point.
    if (yi - yi !== 0 || xi - xi !== 0 || (positiveOnly && yi <= 0)) continue;
    if (first < 0) first = i;
    last = i;
    const b = Math.min(buckets - 1, Math.floor((xi - lo) / width));
    if (b !== bucket) {
      flush();
      bucket = b;
      minI = i;
      maxI = i;
    } else {
      if (yi < y[minI]) minI = i;
      if (yi > y[maxI]) maxI = i;
    }
  }
  flush();
  if (first < 0) return [];
  if (picked[0] !== first) picked.unshift(first);
  if (picked[picked.length - 1] !== last) picked.push(last);
  return picked.map((i) => [x[i], y[i]] as Point);
}

/**
 * What a chart draws for one series: the visible range in detail (`buckets` ~ the plot's width in pixels)
 * and the rest of the data coarsely, so that panning shows a line at once and the zoom slider's shadow
 * covers the whole run.
 */
export function displayPoints(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  visible: XRange | null,
  buckets: number,
  options: DownsampleOptions & { overview?: OverviewCache } = {},
): Point[] {
  const n = Math.min(x.length, y.length);
  if (n === 0) return [];
  const full = visible === null || (visible.min <= x[0] && visible.max >= x[n - 1]);
  if (full) return downsampleMinMax(x, y, null, buckets, options);
  const coarseBuckets = Math.max(16, Math.floor(buckets / 4));
  const coarse = options.overview
    ? options.overview.get(x, y, coarseBuckets, options.positiveOnly ?? false)
    : downsampleMinMax(x, y, null, coarseBuckets, options);
  const fine = downsampleMinMax(x, y, visible, buckets, options);
  const out: Point[] = [];
  for (const p of coarse) if (p[0] < visible.min) out.push(p);
  for (const p of fine) if (p[0] >= visible.min && p[0] <= visible.max) out.push(p);
  for (const p of coarse) if (p[0] > visible.max) out.push(p);
  return out;
}
