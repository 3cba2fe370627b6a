/**
 * TensorBoard's scalar smoothing: an exponential moving average debiased like Adam's moments, so the
 * first points are not pulled towards 0. Index-based (one update per point), as TensorBoard's is.
 */

/** weight in [0, 1): 0 returns a copy of the input; non-finite values pass through and are skipped. */
export function smoothEma(values: ArrayLike<number>, weight: number): number[] {
  const w = Math.min(Math.max(weight, 0), 0.999);
  const out = new Array<number>(values.length);
  let last = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * w + (1 - w) * v;
    count++;
    const debias = w === 0 ? 1 : 1 - w ** count;
    out[i] = last / debias;
  }
  return out;
}

/**
 * Memoises smoothEma per input array and weight: live runs append to the same arrays, so the cache is
 * keyed on the array and its length.
 */
export class SmoothingCache {
  private cache = new WeakMap<ArrayLike<number>, { weight: number; length: number; out: number[] }>();

  get(values: ArrayLike<number>, weight: number): ArrayLike<number> {
    if (weight <= 0) return values;
    const hit = this.cache.get(values);
    if (hit && hit.weight === weight && hit.length === values.length) return hit.out;
    const out = smoothEma(values, weight);
    this.cache.set(values, { weight, length: values.length, out });
    return out;
  }
}
