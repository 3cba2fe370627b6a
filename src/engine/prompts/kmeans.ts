/**
 * k-means on the host for SPT's `kmeans` initialiser and the prompt-patch analysis:
 * k-means++ seeding, then mini-batch Lloyd updates (Sculley 2010) with per-centre learning rates,
 * then a final full assignment. Deterministic for a given Rng.
 */
import type { Rng } from '../util/rng';

export interface KMeansResult {
  centers: Float32Array; // [K, D]
  assignment: Int32Array; // [M]
  sizes: Int32Array; // [K]
  /** Sum of squared distances of the points to their centre. */
  inertia: number;
}

export interface KMeansOptions {
  iterations?: number; // mini-batch steps (default 100)
  batchSize?: number; // points per step (default 1024; all points when fewer)
}

function sqDist(a: Float32Array, ai: number, b: Float32Array, bi: number, D: number): number {
  let s = 0;
  for (let d = 0; d < D; d++) {
    const t = a[ai + d] - b[bi + d];
    s += t * t;
  }
  return s;
}

/** Index of the nearest centre and its squared distance. */
export function nearestCenter(
  points: Float32Array,
  p: number,
  centers: Float32Array,
  K: number,
  D: number,
): [number, number] {
  let best = 0;
  let bestD = Number.POSITIVE_INFINITY;
  for (let k = 0; k < K; k++) {
    const d = sqDist(points, p * D, centers, k * D, D);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return [best, bestD];
}

/** k-means++: the first centre uniform, each next one with probability proportional to D(x)^2. */
export function kmeansPlusPlus(
  points: Float32Array,
  M: number,
  D: number,
  K: number,
  rng: Rng,
): Float32Array {
  const centers = new Float32Array(K * D);
  const first = rng.int(M);
  centers.set(points.subarray(first * D, first * D + D), 0);
  const dist = new Float64Array(M);
  for (let i = 0; i < M; i++) dist[i] = sqDist(points, i * D, centers, 0, D);
  for (let k = 1; k < K; k++) {
    let total = 0;
    for (let i = 0; i < M; i++) total += dist[i];
    let pick = 0;
    if (total > 0) {
      let r = rng.uniform() * total;
      for (pick = 0; pick < M - 1; pick++) {
        r -= dist[pick];
        if (r < 0) break;
      }
    } else {
      pick = rng.int(M);
    }
    centers.set(points.subarray(pick * D, pick * D + D), k * D);
    for (let i = 0; i < M; i++) dist[i] = Math.min(dist[i], sqDist(points, i * D, centers, k * D, D));
  }
  return centers;
}

/** Assigns every point to its nearest centre. */
export function assign(points: Float32Array, M: number, centers: Float32Array, K: number, D: number) {
  const assignment = new Int32Array(M);
  const sizes = new Int32Array(K);
  let inertia = 0;
  for (let i = 0; i < M; i++) {
    const [k, d] = nearestCenter(points, i, centers, K, D);
    assignment[i] = k;
    sizes[k]++;
    inertia += d;
  }
  return { assignment, sizes, inertia };
}

export function kmeans(
  points: Float32Array,
  D: number,
  K: number,
  rng: Rng,
  opts: KMeansOptions = {},
): KMeansResult {
  const M = points.length / D;
  if (!Number.isInteger(M) || M < K)
    throw new Error(`k-means needs at least K=${K} points of width ${D}, got ${M}`);
  const centers = kmeansPlusPlus(points, M, D, K, rng);
  const iterations = opts.iterations ?? 100;
  const batch = Math.min(opts.batchSize ?? 1024, M);
  const counts = new Float64Array(K);
  for (let it = 0; it < iterations; it++) {
    const picks: number[] = [];
    for (let b = 0; b < batch; b++) picks.push(batch === M ? b : rng.int(M));
    const owners = picks.map((p) => nearestCenter(points, p, centers, K, D)[0]);
    for (let b = 0; b < batch; b++) {
      const k = owners[b];
      counts[k] += 1;
      const eta = 1 / counts[k];
      const p = picks[b] * D;
      for (let d = 0; d < D; d++) centers[k * D + d] += eta * (points[p + d] - centers[k * D + d]);
    }
  }
  return { centers, ...assign(points, M, centers, K, D) };
}
