/** NMI, inertia ratio and cosine statistics of the prompt-patch analysis, against hand and sklearn numbers. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  assignToPrompts,
  entropy,
  lloyd,
  mutualInformation,
  nmi,
  promptPatchCosine,
  promptPatchStats,
} from '../../../src/engine/analysis/prompt-patch-stats';
import { Rng } from '../../../src/engine/util/rng';

interface Fixtures {
  nmi: { name: string; a: number[]; b: number[]; sklearn: number; nmi_numpy: number }[];
  prompt_patch: {
    T: number;
    N: number;
    D: number;
    patches: number[];
    cases: {
      S: number;
      prompts: number[];
      labels: number[];
      inertia: number;
      nearest_cosine: number;
      mean_cosine: number;
    }[];
  };
}

const fixtures = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../../fixtures/analysis/analysis.json'), 'utf8'),
) as Fixtures;

const close = (a: number, b: number, tol: number, msg?: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${msg ?? ''} ${a} vs ${b} (tol ${tol})`);

/** Points around K well-separated centres in D dims: [M, D], and the exact cluster means [K, D]. */
function blobs(K: number, perCluster: number, D: number, seed: number) {
  const rng = new Rng(seed);
  const points = new Float32Array(K * perCluster * D);
  const means = new Float64Array(K * D);
  for (let k = 0; k < K; k++) {
    const c = Array.from({ length: D }, () => rng.normal() * 50);
    for (let i = 0; i < perCluster; i++) {
      for (let d = 0; d < D; d++) {
        const v = Math.fround(c[d] + rng.normal());
        points[(k * perCluster + i) * D + d] = v;
        means[k * D + d] += v / perCluster;
      }
    }
  }
  return { points, means: Float32Array.from(means) };
}

describe('analysis: normalised mutual information', () => {
  it('is 1 for identical labelings and invariant to permuting label names', () => {
    assert.equal(nmi([0, 0, 1, 1, 2, 2], [0, 0, 1, 1, 2, 2]), 1);
    close(nmi([0, 0, 1, 1, 2, 2], [2, 2, 0, 0, 1, 1]), 1, 1e-12);
    const rng = new Rng(3);
    const a = Array.from({ length: 500 }, () => rng.int(6));
    const b = a.map((x) => (rng.uniform() < 0.7 ? x : rng.int(6)));
    const perm = [4, 0, 5, 2, 1, 3];
    close(
      nmi(
        a.map((x) => perm[x]),
        b,
      ),
      nmi(a, b),
      1e-12,
    );
    close(
      nmi(
        a,
        b.map((x) => perm[x] * 10 - 7),
      ),
      nmi(a, b),
      1e-12,
    );
    close(nmi(b, a), nmi(a, b), 1e-12, 'symmetric');
  });

  it('is about 0 for independent labelings', () => {
    assert.equal(nmi([0, 0, 1, 1], [0, 1, 0, 1]), 0); // exactly independent
    const rng = new Rng(8);
    const a = Array.from({ length: 20000 }, () => rng.int(5));
    const b = Array.from({ length: 20000 }, () => rng.int(5));
    assert.ok(nmi(a, b) < 2e-3, `${nmi(a, b)}`);
  });

  it('matches a hand computation', () => {
    // a = [0,0,0,1,1,1], b = [0,0,1,1,1,1]: joint counts (0,0)=2, (0,1)=1, (1,1)=3 of 6.
    const a = [0, 0, 0, 1, 1, 1];
    const b = [0, 0, 1, 1, 1, 1];
    const ha = Math.log(2);
    const hb = -((1 / 3) * Math.log(1 / 3) + (2 / 3) * Math.log(2 / 3));
    const mi = (1 / 3) * Math.log(2) + (1 / 6) * Math.log(1 / 2) + (1 / 2) * Math.log(3 / 2);
    close(entropy(a), ha, 1e-14);
    close(entropy(b), hb, 1e-14);
    close(mutualInformation(a, b), mi, 1e-14);
    close(nmi(a, b), mi / ((ha + hb) / 2), 1e-14);
    close(nmi(a, b), 0.47870397138567977, 1e-12);
  });

  it("follows sklearn's edge cases", () => {
    assert.equal(nmi([3, 3, 3], [7, 7, 7]), 1);
    assert.equal(nmi([], []), 1);
    assert.equal(nmi([0, 0, 0, 0], [0, 1, 0, 1]), 0);
    assert.throws(() => nmi([0, 1], [0]), /differ in length/);
  });

  it('matches sklearn normalized_mutual_info_score (fixtures)', () => {
    assert.ok(fixtures.nmi.length >= 10);
    for (const c of fixtures.nmi) {
      close(nmi(c.a, c.b), c.sklearn, 1e-12, c.name);
      close(c.nmi_numpy, c.sklearn, 1e-12, c.name);
    }
  });
});

describe('analysis: prompt-patch statistics', () => {
  it('nearest-prompt labels, inertia and cosines match numpy (shared and per-image prompts)', () => {
    const { T, N, D, patches, cases } = fixtures.prompt_patch;
    for (const c of cases) {
      const input = {
        patches: Float32Array.from(patches),
        prompts: Float32Array.from(c.prompts),
        S: c.S,
        N,
        D,
        T,
      };
      const r = assignToPrompts(input);
      assert.deepEqual([...r.labels], c.labels, `S=${c.S} labels`);
      close(r.inertia, c.inertia, 1e-4 * c.inertia, `S=${c.S} inertia`);
      const cos = promptPatchCosine(input);
      close(cos.nearest, c.nearest_cosine, 1e-6, `S=${c.S} nearest cosine`);
      close(cos.mean, c.mean_cosine, 1e-6, `S=${c.S} mean cosine`);
    }
  });

  it('inertia ratio is 1 and NMI 1 when the prompts are the cluster centres', () => {
    const K = 5;
    const D = 6;
    const { points, means } = blobs(K, 40, D, 2);
    const s = promptPatchStats({ patches: points, prompts: means, S: 1, N: K, D, T: 40 }, new Rng(1));
    close(s.inertiaRatio, 1, 1e-6, 'ratio');
    close(s.nmi, 1, 1e-12, 'nmi');
    assert.deepEqual(s.promptUsage, [40, 40, 40, 40, 40]);
    assert.equal(s.patchCount, 200);
    assert.ok(s.nearestCosine > 0.99, `${s.nearestCosine}`);
  });

  it('inertia ratio is >= 1 for arbitrary prompts, and large for bad ones', () => {
    const K = 4;
    const D = 5;
    const { points } = blobs(K, 30, D, 7);
    const rng = new Rng(4);
    for (let trial = 0; trial < 5; trial++) {
      const prompts = Float32Array.from({ length: K * D }, () => rng.normal() * 30);
      const s = promptPatchStats({ patches: points, prompts, S: 1, N: K, D, T: 30 }, new Rng(trial));
      assert.ok(s.inertiaRatio >= 1 - 1e-9, `ratio ${s.inertiaRatio}`);
      assert.ok(s.inertiaKMeans <= s.inertiaPrompts * (1 + 1e-9));
      assert.ok(s.nmi >= 0 && s.nmi <= 1 + 1e-12);
      assert.ok(s.meanCosine <= s.nearestCosine + 1e-12);
    }
    const far = new Float32Array(K * D).fill(1000);
    const s = promptPatchStats({ patches: points, prompts: far, S: 1, N: K, D, T: 30 }, new Rng(1));
    assert.ok(s.inertiaRatio > 100, `${s.inertiaRatio}`);
    assert.equal(s.nmi, 0, 'every patch goes to the first of identical prompts');
  });

  it('Lloyd never increases the inertia and is deterministic for a seed', () => {
    const { points } = blobs(3, 20, 4, 5);
    const init = points.slice(0, 3 * 4);
    const M = points.length / 4;
    let before = 0;
    for (let i = 0; i < M; i++) {
      let best = Number.POSITIVE_INFINITY;
      for (let k = 0; k < 3; k++) {
        let d2 = 0;
        for (let d = 0; d < 4; d++) d2 += (points[i * 4 + d] - init[k * 4 + d]) ** 2;
        best = Math.min(best, d2);
      }
      before += best;
    }
    assert.ok(lloyd(points, 4, init, 3).inertia <= before);
    const input = { patches: points, prompts: init, S: 1, N: 3, D: 4, T: 20 };
    const a = promptPatchStats(input, new Rng(9));
    const b = promptPatchStats(input, new Rng(9));
    assert.deepEqual(a, b);
  });
});
