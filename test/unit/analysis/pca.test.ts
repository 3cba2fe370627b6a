/** The 2-D PCA of patch tokens: a known embedded plane, a closed-form 3x3 eigen decomposition, numpy. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { covariance, pca2, project, symmetricEigen } from '../../../src/engine/analysis/pca';
import { Rng } from '../../../src/engine/util/rng';

const close = (a: number, b: number, tol: number, msg?: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${msg ?? ''} ${a} vs ${b} (tol ${tol})`);

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/** Eigenvalues of a symmetric 3x3 matrix, descending (the trigonometric closed form). */
function eig3(A: number[][]): number[] {
  const p1 = A[0][1] ** 2 + A[0][2] ** 2 + A[1][2] ** 2;
  const q = (A[0][0] + A[1][1] + A[2][2]) / 3;
  const p2 = (A[0][0] - q) ** 2 + (A[1][1] - q) ** 2 + (A[2][2] - q) ** 2 + 2 * p1;
  const p = Math.sqrt(p2 / 6);
  const B = A.map((row, i) => row.map((v, j) => (v - (i === j ? q : 0)) / p));
  const det =
    B[0][0] * (B[1][1] * B[2][2] - B[1][2] * B[2][1]) -
    B[0][1] * (B[1][0] * B[2][2] - B[1][2] * B[2][0]) +
    B[0][2] * (B[1][0] * B[2][1] - B[1][1] * B[2][0]);
  const phi = Math.acos(Math.min(1, Math.max(-1, det / 2))) / 3;
  const l1 = q + 2 * p * Math.cos(phi);
  const l3 = q + 2 * p * Math.cos(phi + (2 * Math.PI) / 3);
  return [l1, 3 * q - l1 - l3, l3];
}

/** Unit eigenvector of a symmetric 3x3 matrix for eigenvalue l: the largest cross product of rows of A - lI. */
function eigvec3(A: number[][], l: number): number[] {
  const R = A.map((row, i) => row.map((v, j) => v - (i === j ? l : 0)));
  const cross = (a: number[], b: number[]) => [
    a[1] * b[2] - a[2] * b[1],
    a[2] * b[0] - a[0] * b[2],
    a[0] * b[1] - a[1] * b[0],
  ];
  const cands = [cross(R[0], R[1]), cross(R[0], R[2]), cross(R[1], R[2])];
  const best = cands.reduce((x, y) => (dot(x, x) >= dot(y, y) ? x : y));
  const n = Math.sqrt(dot(best, best));
  const v = best.map((x) => x / n);
  const big = v.reduce((bi, x, i) => (Math.abs(x) > Math.abs(v[bi]) ? i : bi), 0);
  return v[big] < 0 ? v.map((x) => -x) : v;
}

describe('analysis: PCA', () => {
  it('recovers a 2-D plane embedded in 12 dimensions', () => {
    const D = 12;
    const M = 300;
    const rng = new Rng(21);
    // two orthonormal directions a, b
    const a = Array.from({ length: D }, () => rng.normal());
    const na = Math.sqrt(dot(a, a));
    for (let d = 0; d < D; d++) a[d] /= na;
    const b = Array.from({ length: D }, () => rng.normal());
    const ab = dot(a, b);
    for (let d = 0; d < D; d++) b[d] -= ab * a[d];
    const nb = Math.sqrt(dot(b, b));
    for (let d = 0; d < D; d++) b[d] /= nb;
    const offset = Array.from({ length: D }, () => rng.normal() * 5);
    const pts = new Float32Array(M * D);
    const coords: [number, number][] = [];
    for (let i = 0; i < M; i++) {
      const u = rng.normal() * 4;
      const v = rng.normal() * 1.5;
      coords.push([u, v]);
      for (let d = 0; d < D; d++) pts[i * D + d] = offset[d] + u * a[d] + v * b[d] + rng.normal() * 1e-3;
    }
    const fit = pca2(pts, M, D, { seed: 1 });
    const c1 = fit.components.subarray(0, D);
    const c2 = fit.components.subarray(D, 2 * D);
    close(Math.abs(dot(c1, a)), 1, 1e-4, 'first component is a');
    close(Math.abs(dot(c2, b)), 1, 1e-4, 'second component is b');
    close(dot(c1, c2), 0, 1e-9, 'orthogonal');
    assert.ok((fit.eigenvalues[0] + fit.eigenvalues[1]) / fit.totalVariance > 0.9999);
    assert.ok(fit.eigenvalues[0] > fit.eigenvalues[1]);
    // sign convention: the largest-|loading| entry is positive
    for (const c of [c1, c2]) {
      const big = [...c].reduce((bi, x, i) => (Math.abs(x) > Math.abs(c[bi]) ? i : bi), 0);
      assert.ok(c[big] > 0);
    }
    // the projection preserves in-plane distances
    const xy = project(fit, pts, M);
    for (const [i, j] of [
      [0, 1],
      [5, 77],
      [10, 299],
    ]) {
      const dp = Math.hypot(xy[2 * i] - xy[2 * j], xy[2 * i + 1] - xy[2 * j + 1]);
      const dt = Math.hypot(coords[i][0] - coords[j][0], coords[i][1] - coords[j][1]);
      close(dp, dt, 1e-2, `distance ${i}-${j}`);
    }
  });

  it('matches the closed-form eigen decomposition of a 3x3 covariance', () => {
    const rng = new Rng(5);
    const M = 60;
    const pts = new Float32Array(M * 3);
    for (let i = 0; i < M; i++) {
      const z = [rng.normal() * 3, rng.normal() * 2, rng.normal() * 0.5];
      pts[i * 3] = z[0] + 0.5 * z[1];
      pts[i * 3 + 1] = -0.3 * z[0] + z[1] + 0.2 * z[2];
      pts[i * 3 + 2] = 0.1 * z[0] - 0.4 * z[1] + z[2];
    }
    const { cov } = covariance(pts, M, 3);
    const A = [0, 1, 2].map((i) => [0, 1, 2].map((j) => cov[i * 3 + j]));
    const ls = eig3(A);
    const fit = pca2(pts, M, 3);
    close(fit.eigenvalues[0], ls[0], 1e-9 * ls[0], 'lambda 1');
    close(fit.eigenvalues[1], ls[1], 1e-9 * ls[0], 'lambda 2');
    close(fit.totalVariance, ls[0] + ls[1] + ls[2], 1e-9 * ls[0], 'trace');
    for (let c = 0; c < 2; c++) {
      const v = eigvec3(A, ls[c]);
      for (let d = 0; d < 3; d++) close(fit.components[c * 3 + d], v[d], 1e-6, `component ${c}[${d}]`);
    }
  });

  it('matches numpy eigh (fixture)', () => {
    const fx = JSON.parse(
      fs.readFileSync(path.join(__dirname, '../../fixtures/analysis/analysis.json'), 'utf8'),
    ).pca as {
      M: number;
      D: number;
      points: number[];
      eigenvalues: number[];
      total_variance: number;
      components: number[];
      projection: number[];
    };
    const pts = Float32Array.from(fx.points);
    const fit = pca2(pts, fx.M, fx.D, { seed: 3 });
    close(fit.eigenvalues[0], fx.eigenvalues[0], 1e-9 * fx.eigenvalues[0]);
    close(fit.eigenvalues[1], fx.eigenvalues[1], 1e-9 * fx.eigenvalues[0]);
    close(fit.totalVariance, fx.total_variance, 1e-9 * fx.total_variance);
    for (const [i, v] of fx.components.entries()) close(fit.components[i], v, 1e-6, `component ${i}`);
    const xy = project(fit, pts, fx.M);
    for (const [i, v] of fx.projection.entries()) close(xy[i], v, 1e-4, `projection ${i}`);
  });

  it('symmetricEigen diagonalises a small matrix; degenerate data gives zero variance', () => {
    const A = Float64Array.from([4, 1, 0, 1, 3, 1, 0, 1, 2]);
    const { values, vectors } = symmetricEigen(A, 3);
    for (let c = 0; c < 3; c++) {
      for (let i = 0; i < 3; i++) {
        let av = 0;
        for (let j = 0; j < 3; j++) av += A[i * 3 + j] * vectors[j * 3 + c];
        close(av, values[c] * vectors[i * 3 + c], 1e-12);
      }
    }
    assert.ok(values[0] >= values[1] && values[1] >= values[2]);
    const same = new Float32Array(10 * 4).fill(0.3);
    const fit = pca2(same, 10, 4);
    assert.ok(fit.eigenvalues.every((x) => Math.abs(x) < 1e-12));
    assert.ok(project(fit, same, 10).every((x) => Math.abs(x) < 1e-6));
  });
});
