/** Each prompt's drift from its initial value (spec section 8): L2 distance and cosine similarity. */
import type { DriftLayer } from '../../shared/analysis-contract';

/**
 * current, initial: prompt sets [S, N, D] (shallow S = 1: layer 0; deep S = depth: set i enters block i).
 * Returns one DriftLayer per set.
 */
export function promptDrift(
  current: Float32Array,
  initial: Float32Array,
  S: number,
  N: number,
  D: number,
): DriftLayer[] {
  if (current.length !== S * N * D || initial.length !== S * N * D) {
    throw new Error(`prompt drift: ${current.length} and ${initial.length} values, expected ${S}x${N}x${D}`);
  }
  const out: DriftLayer[] = [];
  for (let s = 0; s < S; s++) {
    const l2: number[] = [];
    const cosine: number[] = [];
    let norm0 = 0;
    for (let n = 0; n < N; n++) {
      const o = (s * N + n) * D;
      let dd = 0;
      let dot = 0;
      let na = 0;
      let nb = 0;
      for (let d = 0; d < D; d++) {
        const a = current[o + d];
        const b = initial[o + d];
        dd += (a - b) * (a - b);
        dot += a * b;
        na += a * a;
        nb += b * b;
      }
      l2.push(Math.sqrt(dd));
      cosine.push(na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : na === nb ? 1 : 0);
      norm0 += Math.sqrt(nb);
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);
    out.push({
      layer: s,
      l2,
      cosine,
      meanL2: mean(l2),
      meanCosine: mean(cosine),
      meanInitialNorm: norm0 / Math.max(N, 1),
    });
  }
  return out;
}
