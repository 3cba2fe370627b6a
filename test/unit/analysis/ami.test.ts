/** The chance-corrected prompt-patch NMI (adjusted mutual information), against hand and sklearn numbers. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ami,
  expectedMutualInformation,
  mutualInformation,
  nmi,
  promptPatchStats,
} from '../../../src/engine/analysis/prompt-patch-stats';
import { Rng } from '../../../src/engine/util/rng';

interface AmiFixtures {
  sklearn: string;
  cases: { name: string; a: number[]; b: number[]; ami: number; emi: number; mi: number; nmi: number }[];
}

// scripts/make_ami_fixtures.py (Debian's python3-sklearn)
const fixtures = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../../fixtures/analysis/ami.json'), 'utf8'),
) as AmiFixtures;

const close = (a: number, b: number, tol: number, msg?: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${msg ?? ''} ${a} vs ${b} (tol ${tol})`);

describe('analysis: adjusted mutual information (chance-corrected NMI)', () => {
  it('matches a hand computation', () => {
    // a = [0,0,1,1] (sizes 2, 2), b = [0,0,1,2] (sizes 2, 1, 1), n = 4.
    // MI = 1/2 log 2 + 2 * 1/4 log 2 = log 2; H(a) = log 2; H(b) = 3/2 log 2.
    // E[MI], hypergeometric nij: cells (2, 2): P(nij = 2) = 1/6, term 2/4 log 2 (nij = 1 gives log 1 = 0),
    // 2 cells -> 1/6 log 2; cells (2, 1): P(nij = 1) = 1/2, term 1/4 log 2, 4 cells -> 1/2 log 2.
    // E[MI] = 2/3 log 2; AMI = (1 - 2/3) / ((1 + 3/2) / 2 - 2/3) = 4/7.
    const a = [0, 0, 1, 1];
    const b = [0, 0, 1, 2];
    close(mutualInformation(a, b), Math.log(2), 1e-15);
    close(expectedMutualInformation(a, b), (2 / 3) * Math.log(2), 1e-15);
    close(ami(a, b), 4 / 7, 1e-14);
    close(nmi(a, b), 0.8, 1e-14, 'NMI of the same pair is far higher');
    // exactly independent 2x2: MI = 0, E[MI] = 1/3 log 2, AMI = (0 - 1/3) / (1 - 1/3) = -1/2
    close(expectedMutualInformation([0, 0, 1, 1], [0, 1, 0, 1]), Math.log(2) / 3, 1e-15);
    close(ami([0, 0, 1, 1], [0, 1, 0, 1]), -0.5, 1e-14);
  });

  it("follows sklearn's edge cases and is symmetric and label-name invariant", () => {
    assert.equal(ami([3, 3, 3], [7, 7, 7]), 1);
    assert.equal(ami([], []), 1);
    assert.equal(ami([0, 0, 0, 0], [0, 1, 0, 1]), 0); // one side has one cluster: E[MI] = 0
    assert.equal(expectedMutualInformation([0, 0, 0], [0, 1, 2]), 0);
    close(ami([0, 0, 1, 1, 2, 2], [2, 2, 0, 0, 1, 1]), 1, 1e-12);
    assert.throws(() => ami([0, 1], [0]), /differ in length/);
    const rng = new Rng(4);
    const a = Array.from({ length: 300 }, () => rng.int(5));
    const b = a.map((x) => (rng.uniform() < 0.5 ? x : rng.int(5)));
    close(ami(b, a), ami(a, b), 1e-12, 'symmetric');
    close(
      ami(
        a.map((x) => x * 10 - 3),
        b,
      ),
      ami(a, b),
      1e-12,
    );
  });

  it('matches sklearn adjusted_mutual_info_score and expected_mutual_information (fixtures)', () => {
    assert.ok(fixtures.cases.length >= 15, 'the fixture holds the cases');
    for (const c of fixtures.cases) {
      close(ami(c.a, c.b), c.ami, 1e-10, c.name);
      close(expectedMutualInformation(c.a, c.b), c.emi, 1e-10, c.name);
      close(mutualInformation(c.a, c.b), c.mi, 1e-12, c.name);
      close(nmi(c.a, c.b), c.nmi, 1e-12, c.name);
    }
  });

  it('removes the chance floor that NMI keeps at the analysis sizes', () => {
    for (const c of fixtures.cases.filter((x) => x.name.startsWith('unrelated-'))) {
      assert.ok(Math.abs(ami(c.a, c.b)) < 0.005, `${c.name}: AMI ${ami(c.a, c.b)}`);
      assert.ok(nmi(c.a, c.b) > 0.005, `${c.name}: NMI ${nmi(c.a, c.b)} has a floor`);
    }
  });

  it('is reported by the prompt-patch statistics next to NMI', () => {
    const rng = new Rng(12);
    const D = 3;
    const N = 4;
    const patches = Float32Array.from({ length: 40 * D }, () => rng.normal());
    const prompts = Float32Array.from({ length: N * D }, () => rng.normal());
    const s = promptPatchStats({ patches, prompts, S: 1, N, D, T: 40 }, new Rng(1));
    close(s.ami!, ami(s.promptLabels, s.kmeansLabels), 1e-15);
    close(s.nmi, nmi(s.promptLabels, s.kmeansLabels), 1e-15);
    assert.ok(s.ami! < s.nmi, `AMI ${s.ami} below NMI ${s.nmi}`);
  });
});
