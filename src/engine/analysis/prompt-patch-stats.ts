/**
 * How prompts relate to the patch tokens of one layer (spec section 8, the paper's motivating
 * observation): nearest-prompt labels vs k-means labels (NMI, and chance-corrected as AMI), the inertia with prompts as centres
 * vs the k-means optimum, and prompt-patch cosine similarity. All on the host, in float64 sums.
 */
import type { PromptPatchLayerStats } from '../../shared/analysis-contract';
import { assign, kmeans, nearestCenter } from '../prompts/kmeans';
import type { Rng } from '../util/rng';

/** Maps arbitrary integer labels to 0..K-1 (order of first appearance). */
function relabel(labels: ArrayLike<number>): { ids: Int32Array; K: number } {
  const map = new Map<number, number>();
  const ids = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    let k = map.get(labels[i]);
    if (k === undefined) {
      k = map.size;
      map.set(labels[i], k);
    }
    ids[i] = k;
  }
  return { ids, K: map.size };
}

/** Shannon entropy (nats) of a labeling. */
export function entropy(labels: ArrayLike<number>): number {
  const { ids, K } = relabel(labels);
  const n = ids.length;
  const counts = new Float64Array(K);
  for (const k of ids) counts[k]++;
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / n) * Math.log(c / n);
  return h;
}

/** Mutual information (nats) of two labelings of the same items, clipped at 0 as sklearn does. */
export function mutualInformation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`labelings differ in length: ${a.length} vs ${b.length}`);
  const A = relabel(a);
  const B = relabel(b);
  const n = a.length;
  if (n === 0) return 0;
  const joint = new Float64Array(A.K * B.K);
  const ca = new Float64Array(A.K);
  const cb = new Float64Array(B.K);
  for (let i = 0; i < n; i++) {
    joint[A.ids[i] * B.K + B.ids[i]]++;
    ca[A.ids[i]]++;
    cb[B.ids[i]]++;
  }
  let mi = 0;
  for (let i = 0; i < A.K; i++) {
    for (let j = 0; j < B.K; j++) {
      const nij = joint[i * B.K + j];
      if (nij > 0) mi += (nij / n) * Math.log((n * nij) / (ca[i] * cb[j]));
    }
  }
  return Math.max(mi, 0);
}

/**
 * Normalised mutual information with the arithmetic-mean normaliser, MI / ((H(a) + H(b)) / 2), with
 * sklearn's conventions (`normalized_mutual_info_score`, average_method='arithmetic'): 1 when both
 * labelings put everything in one cluster (or are empty), 0 when the MI is 0.
 */
export function nmi(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ka = relabel(a).K;
  const kb = relabel(b).K;
  if ((ka === 1 && kb === 1) || (ka === 0 && kb === 0)) return 1;
  const mi = mutualInformation(a, b);
  if (mi === 0) return 0;
  return mi / ((entropy(a) + entropy(b)) / 2);
}

/** log(k!) for k = 0..n (sums of logs: exact to float64 rounding for integers, as gammaln(k + 1)). */
function logFactorials(n: number): Float64Array {
  const out = new Float64Array(n + 1);
  for (let k = 2; k <= n; k++) out[k] = out[k - 1] + Math.log(k);
  return out;
}

/** Cluster sizes of a labeling (0..K-1 after relabelling). */
function clusterSizes(labels: ArrayLike<number>): number[] {
  const { ids, K } = relabel(labels);
  const sizes = new Array<number>(K).fill(0);
  for (const k of ids) sizes[k]++;
  return sizes;
}

/**
 * The expected mutual information (nats) of two labelings with these cluster sizes under random
 * permutation (the hypergeometric model of Vinh, Epps and Bailey 2010), as sklearn's
 * `expected_mutual_information`: 0 when either labeling has one cluster.
 */
export function expectedMutualInformation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const sa = clusterSizes(a);
  const sb = clusterSizes(b);
  const n = a.length;
  if (sa.length <= 1 || sb.length <= 1) return 0;
  const lf = logFactorials(n);
  let emi = 0;
  for (const ai of sa) {
    for (const bj of sb) {
      // P(nij) = ai! bj! (n-ai)! (n-bj)! / (n! nij! (ai-nij)! (bj-nij)! (n-ai-bj+nij)!)
      const base = lf[ai] + lf[bj] + lf[n - ai] + lf[n - bj] - lf[n];
      for (let nij = Math.max(1, ai + bj - n); nij <= Math.min(ai, bj); nij++) {
        const logP = base - lf[nij] - lf[ai - nij] - lf[bj - nij] - lf[n - ai - bj + nij];
        emi += (nij / n) * Math.log((n * nij) / (ai * bj)) * Math.exp(logP);
      }
    }
  }
  return emi;
}

/**
 * Adjusted mutual information with the arithmetic-mean normaliser, (MI - E[MI]) / ((H(a) + H(b)) / 2 -
 * E[MI]), as sklearn's `adjusted_mutual_info_score` (average_method='arithmetic'): 0 in expectation for
 * independent labelings whatever their sizes (NMI is not: with few items per cluster its chance floor is
 * large), 1 for identical ones, 1 when both put everything in one cluster (or are empty).
 */
export function ami(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`labelings differ in length: ${a.length} vs ${b.length}`);
  const ka = relabel(a).K;
  const kb = relabel(b).K;
  if ((ka === 1 && kb === 1) || (ka === 0 && kb === 0)) return 1;
  const mi = mutualInformation(a, b);
  const emi = expectedMutualInformation(a, b);
  const denominator = (entropy(a) + entropy(b)) / 2 - emi;
  // sklearn: keep the sign, but never divide by less than float64 epsilon
  const eps = Number.EPSILON;
  const d = denominator < 0 ? Math.min(denominator, -eps) : Math.max(denominator, eps);
  return (mi - emi) / d;
}

/**
 * Lloyd iterations from the given centres (copied): assign, move each centre to its points' mean
 * (an empty cluster keeps its centre), until no label changes. Never increases the inertia.
 */
export function lloyd(
  points: Float32Array,
  D: number,
  init: Float32Array,
  K: number,
  maxIterations = 20,
): { centers: Float32Array; assignment: Int32Array; inertia: number } {
  const M = points.length / D;
  const centers = Float32Array.from(init);
  let cur = assign(points, M, centers, K, D);
  for (let it = 0; it < maxIterations; it++) {
    const sums = new Float64Array(K * D);
    for (let i = 0; i < M; i++) {
      const k = cur.assignment[i];
      for (let d = 0; d < D; d++) sums[k * D + d] += points[i * D + d];
    }
    for (let k = 0; k < K; k++) {
      if (cur.sizes[k] === 0) continue;
      for (let d = 0; d < D; d++) centers[k * D + d] = sums[k * D + d] / cur.sizes[k];
    }
    const next = assign(points, M, centers, K, D);
    const changed = next.assignment.some((k, i) => k !== cur.assignment[i]);
    cur = next;
    if (!changed) break;
  }
  return { centers, assignment: cur.assignment, inertia: cur.inertia };
}

export interface PromptPatchInput {
  /** Patch tokens [M, D], M = S' * T image-major (the probe's P*T tokens). */
  patches: Float32Array;
  /** Prompts [S, N, D]: S = 1 (the same set for every patch) or S = P (set p for the patches of image p). */
  prompts: Float32Array;
  S: number;
  N: number;
  D: number;
  /** Patches per image (T): patch j belongs to image floor(j / T). Needed when S > 1. */
  T: number;
}

export interface PromptPatchOptions {
  /** Mini-batch k-means steps over all points (default 10), then Lloyd iterations (default 20). */
  kmeansIterations?: number;
  lloydIterations?: number;
}

export type PromptPatchResult = Omit<PromptPatchLayerStats, 'layer' | 'promptSource'> & {
  /** Nearest prompt of each patch [M], and the k-means label of each patch [M]. */
  promptLabels: Int32Array;
  kmeansLabels: Int32Array;
};

function normalizedRows(x: Float32Array, n: number, D: number): Float64Array {
  const out = new Float64Array(n * D);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let d = 0; d < D; d++) s += x[i * D + d] * x[i * D + d];
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let d = 0; d < D; d++) out[i * D + d] = x[i * D + d] * inv;
  }
  return out;
}

/** Cosine of each prompt with its most similar patch (mean over prompts), and over all pairs. */
export function promptPatchCosine(input: PromptPatchInput): { nearest: number; mean: number } {
  const { patches, prompts, S, N, D, T } = input;
  const M = patches.length / D;
  const perSet = S === 1 ? M : T; // the patches each prompt set is compared with
  const pn = normalizedRows(patches, M, D);
  const qn = normalizedRows(prompts, S * N, D);
  let nearest = 0;
  let mean = 0;
  for (let s = 0; s < S; s++) {
    const sum = new Float64Array(D); // sum of the set's normalised patches
    for (let j = s * perSet; j < (s + 1) * perSet; j++) for (let d = 0; d < D; d++) sum[d] += pn[j * D + d];
    for (let n = 0; n < N; n++) {
      const q = (s * N + n) * D;
      let best = Number.NEGATIVE_INFINITY;
      for (let j = s * perSet; j < (s + 1) * perSet; j++) {
        let c = 0;
        for (let d = 0; d < D; d++) c += qn[q + d] * pn[j * D + d];
        if (c > best) best = c;
      }
      let m = 0;
      for (let d = 0; d < D; d++) m += qn[q + d] * sum[d];
      nearest += best;
      mean += m / perSet;
    }
  }
  return { nearest: nearest / (S * N), mean: mean / (S * N) };
}

/** Nearest prompt of every patch (Euclidean) and the inertia with the prompts as centres. */
export function assignToPrompts(input: PromptPatchInput): { labels: Int32Array; inertia: number } {
  const { patches, prompts, S, N, D, T } = input;
  const M = patches.length / D;
  if (S === 1) {
    const r = assign(patches, M, prompts, N, D);
    return { labels: r.assignment, inertia: r.inertia };
  }
  if (S * T !== M) throw new Error(`${S} prompt sets of ${T} patches do not cover ${M} patch tokens`);
  const labels = new Int32Array(M);
  let inertia = 0;
  for (let s = 0; s < S; s++) {
    const centers = prompts.subarray(s * N * D, (s + 1) * N * D);
    for (let t = 0; t < T; t++) {
      const [k, d] = nearestCenter(patches, s * T + t, centers, N, D);
      labels[s * T + t] = k;
      inertia += d;
    }
  }
  return { labels, inertia };
}

/** Needs at least N patch tokens (K = N clusters); `rng` seeds k-means. */
export function promptPatchStats(
  input: PromptPatchInput,
  rng: Rng,
  opts: PromptPatchOptions = {},
): PromptPatchResult {
  const { patches, prompts, S, N, D } = input;
  const M = patches.length / D;
  if (prompts.length !== S * N * D)
    throw new Error(`prompts hold ${prompts.length} values, expected ${S}x${N}x${D}`);
  const byPrompt = assignToPrompts(input);
  const km = kmeans(patches, D, N, rng, { iterations: opts.kmeansIterations ?? 10, batchSize: M });
  const refined = lloyd(patches, D, km.centers, N, opts.lloydIterations ?? 20);
  let best = refined.inertia;
  if (S === 1) {
    // Lloyd started at the prompts only lowers their inertia: the best optimum known is never worse
    // than the prompts themselves. Its labels are not used for the NMI (they would not be independent).
    best = Math.min(best, lloyd(patches, D, prompts, N, opts.lloydIterations ?? 20).inertia);
  }
  const cos = promptPatchCosine(input);
  const usage = new Array<number>(N).fill(0);
  for (const k of byPrompt.labels) usage[k]++;
  return {
    promptCount: N,
    patchCount: M,
    nmi: nmi(byPrompt.labels, refined.assignment),
    ami: ami(byPrompt.labels, refined.assignment),
    inertiaPrompts: byPrompt.inertia,
    inertiaKMeans: best,
    inertiaRatio: best > 0 ? byPrompt.inertia / best : byPrompt.inertia > 0 ? Number.MAX_VALUE : 1,
    nearestCosine: cos.nearest,
    meanCosine: cos.mean,
    promptUsage: usage,
    promptLabels: byPrompt.labels,
    kmeansLabels: refined.assignment,
  };
}
