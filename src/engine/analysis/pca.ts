/**
 * A 2-D PCA of one layer's patch tokens (spec section 8, prototype maps): the D x D covariance,
 * subspace (block power) iteration for its leading eigenvectors, a Rayleigh-Ritz step to separate
 * them, and a deterministic sign: each component's largest-|loading| entry is positive.
 */
import { Rng } from '../util/rng';

export interface Pca2 {
  D: number;
  mean: Float64Array; // [D]
  components: Float64Array; // [2, D], unit rows
  eigenvalues: [number, number]; // variance along each component (covariance normalised by M - 1)
  totalVariance: number; // trace of the covariance
}

export interface PcaOptions {
  seed?: number;
  maxIterations?: number;
  /** Stop when 1 - |<q_new, q_old>| of the two leading vectors is below this. */
  tolerance?: number;
}

/** Jacobi eigen decomposition of a small symmetric n x n matrix: values descending, vectors as columns. */
export function symmetricEigen(A: Float64Array, n: number): { values: number[]; vectors: Float64Array } {
  const a = Float64Array.from(A);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = [...Array(n).keys()].sort((i, j) => a[j * n + j] - a[i * n + i]);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src];
  });
  return { values: order.map((i) => a[i * n + i]), vectors };
}

/** Covariance [D, D] of points [M, D] about their mean (normalised by M - 1). */
export function covariance(
  points: Float32Array,
  M: number,
  D: number,
): { mean: Float64Array; cov: Float64Array } {
  const mean = new Float64Array(D);
  for (let i = 0; i < M; i++) for (let d = 0; d < D; d++) mean[d] += points[i * D + d];
  for (let d = 0; d < D; d++) mean[d] /= Math.max(M, 1);
  const cov = new Float64Array(D * D);
  const x = new Float64Array(D);
  for (let i = 0; i < M; i++) {
    for (let d = 0; d < D; d++) x[d] = points[i * D + d] - mean[d];
    for (let a = 0; a < D; a++) {
      const xa = x[a];
      const row = a * D;
      for (let b = a; b < D; b++) cov[row + b] += xa * x[b];
    }
  }
  const norm = M > 1 ? 1 / (M - 1) : 0;
  for (let a = 0; a < D; a++) {
    for (let b = a; b < D; b++) {
      cov[a * D + b] *= norm;
      cov[b * D + a] = cov[a * D + b];
    }
  }
  return { mean, cov };
}

/** Modified Gram-Schmidt, in place, on the k vectors stored one after another in Q [k, D]. */
function orthonormalise(Q: Float64Array, D: number, k: number): void {
  for (let j = 0; j < k; j++) {
    const qj = Q.subarray(j * D, (j + 1) * D);
    for (let i = 0; i < j; i++) {
      const qi = Q.subarray(i * D, (i + 1) * D);
      let dot = 0;
      for (let d = 0; d < D; d++) dot += qi[d] * qj[d];
      for (let d = 0; d < D; d++) qj[d] -= dot * qi[d];
    }
    let n = 0;
    for (let d = 0; d < D; d++) n += qj[d] * qj[d];
    n = Math.sqrt(n);
    if (n < 1e-300) {
      // a null direction: replace with a unit axis and re-orthogonalise it next round
      qj.fill(0);
      qj[j % D] = 1;
    } else {
      for (let d = 0; d < D; d++) qj[d] /= n;
    }
  }
}

function multiply(C: Float64Array, Q: Float64Array, D: number, k: number): Float64Array {
  const out = new Float64Array(D * k);
  for (let j = 0; j < k; j++) {
    for (let a = 0; a < D; a++) {
      let s = 0;
      const row = a * D;
      for (let b = 0; b < D; b++) s += C[row + b] * Q[j * D + b];
      out[j * D + a] = s;
    }
  }
  return out;
}

/** Top-2 principal components of points [M, D] (D >= 1; a missing second component is all zeros). */
export function pca2(points: Float32Array, M: number, D: number, opts: PcaOptions = {}): Pca2 {
  if (points.length !== M * D) throw new Error(`pca2: ${points.length} values are not ${M}x${D}`);
  const { mean, cov } = covariance(points, M, D);
  let trace = 0;
  for (let d = 0; d < D; d++) trace += cov[d * D + d];
  const k = Math.min(D, 4); // a few extra vectors speed up convergence of the leading two
  const rng = new Rng(opts.seed ?? 0);
  let Q: Float64Array = new Float64Array(D * k);
  for (let i = 0; i < Q.length; i++) Q[i] = rng.normal();
  orthonormalise(Q, D, k);
  const maxIt = opts.maxIterations ?? 300;
  const tol = opts.tolerance ?? 1e-12;
  for (let it = 0; it < maxIt && trace > 0; it++) {
    const Z = multiply(cov, Q, D, k);
    orthonormalise(Z, D, k);
    let change = 0;
    for (let j = 0; j < Math.min(2, k); j++) {
      let dot = 0;
      for (let d = 0; d < D; d++) dot += Z[j * D + d] * Q[j * D + d];
      change = Math.max(change, 1 - Math.abs(dot));
    }
    Q = Z;
    if (change < tol) break;
  }
  // Rayleigh-Ritz: B = Q^T C Q (k x k), rotate Q by B's eigenvectors.
  const CQ = multiply(cov, Q, D, k);
  const B = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let d = 0; d < D; d++) s += Q[i * D + d] * CQ[j * D + d];
      B[i * k + j] = s;
    }
  }
  for (let i = 0; i < k; i++)
    for (let j = i + 1; j < k; j++) B[i * k + j] = B[j * k + i] = (B[i * k + j] + B[j * k + i]) / 2;
  const eig = symmetricEigen(B, k);
  const components = new Float64Array(2 * D);
  for (let c = 0; c < Math.min(2, k); c++) {
    const row = components.subarray(c * D, (c + 1) * D);
    for (let j = 0; j < k; j++) {
      const w = eig.vectors[j * k + c];
      for (let d = 0; d < D; d++) row[d] += w * Q[j * D + d];
    }
    let big = 0;
    for (let d = 1; d < D; d++) if (Math.abs(row[d]) > Math.abs(row[big]) + 1e-12) big = d;
    if (row[big] < 0) for (let d = 0; d < D; d++) row[d] = -row[d];
  }
  const ev: [number, number] = [Math.max(eig.values[0] ?? 0, 0), Math.max(eig.values[1] ?? 0, 0)];
  return { D, mean, components, eigenvalues: ev, totalVariance: trace };
}

/** Rows [n, D] -> their coordinates [n, 2] in the PCA plane. */
export function project(pca: Pca2, rows: Float32Array, n: number): Float32Array {
  const { D, mean, components } = pca;
  const out = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 2; c++) {
      let s = 0;
      for (let d = 0; d < D; d++) s += (rows[i * D + d] - mean[d]) * components[c * D + d];
      out[i * 2 + c] = s;
    }
  }
  return out;
}

/** project, as [x, y] pairs (for the few prompt points stored in the JSON). */
export function projectPairs(pca: Pca2, rows: Float32Array, n: number): [number, number][] {
  const xy = project(pca, rows, n);
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) out.push([xy[2 * i], xy[2 * i + 1]]);
  return out;
}
