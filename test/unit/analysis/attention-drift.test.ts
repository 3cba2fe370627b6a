/** Attention maps and mass (rows of softmax probabilities sum to 1), and prompt drift. */
import * as assert from 'node:assert/strict';
import { attentionMaps, summariseAttention } from '../../../src/engine/analysis/attention-maps';
import { promptDrift } from '../../../src/engine/analysis/drift';
import { selectBackend } from '../../../src/engine/backend/select-backend';
import { tf } from '../../../src/engine/tf';
import { Rng } from '../../../src/engine/util/rng';

const close = (a: number, b: number, tol: number, msg?: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${msg ?? ''} ${a} vs ${b} (tol ${tol})`);

function randomProbs(P: number, H: number, L: number, seed: number): { t: tf.Tensor; host: Float32Array } {
  const rng = new Rng(seed);
  const logits = tf.tensor4d(
    Float32Array.from({ length: P * H * L * L }, () => rng.normal() * 2),
    [P, H, L, L],
  );
  const t = tf.softmax(logits); // [P, H, L, L]
  logits.dispose();
  return { t, host: t.dataSync() as Float32Array };
}

describe('analysis: attention maps', () => {
  before(async () => {
    await selectBackend('cpu');
  });

  for (const N of [3, 0]) {
    it(`maps and mass shares, ${N} prompts`, async () => {
      const [P, H, T] = [2, 3, 9];
      const L = 1 + N + T;
      const { t, host } = randomProbs(P, H, L, 4 + N);
      const rows = await summariseAttention(t, N);
      t.dispose();
      const m = attentionMaps(7, rows);
      assert.equal(m.layer, 7);
      const at = (p: number, h: number, q: number, k: number) => host[((p * H + h) * L + q) * L + k];
      assert.equal(m.clsToPatch.length, P * (H + 1) * T);
      for (let p = 0; p < P; p++) {
        for (let h = 0; h < H; h++) {
          let sum = 0;
          for (let k = 0; k < T; k++) {
            close(m.clsToPatch[(p * (H + 1) + h) * T + k], at(p, h, 0, 1 + N + k), 1e-7);
            sum += m.clsToPatch[(p * (H + 1) + h) * T + k];
            if (N > 0) {
              let mean = 0;
              for (let q = 1; q <= N; q++) mean += at(p, h, q, 1 + N + k) / N;
              close(m.promptToPatch![(p * (H + 1) + h) * T + k], mean, 1e-6);
            }
          }
          // the CLS row sums to 1 over CLS + prompts + patches
          const c = rows.clsMass.subarray((p * H + h) * 3, (p * H + h) * 3 + 3);
          close(c[0] + c[1] + c[2], 1, 1e-5, 'cls mass');
          close(c[2], sum, 1e-5, 'cls patch mass = sum of the map');
          close(c[0], at(p, h, 0, 0), 1e-7, 'cls self mass');
          const pm = rows.patchMass.subarray((p * H + h) * 3, (p * H + h) * 3 + 3);
          close(pm[0] + pm[1] + pm[2], 1, 1e-5, 'patch mass');
        }
        for (let k = 0; k < T; k++) {
          let mean = 0;
          for (let h = 0; h < H; h++) mean += m.clsToPatch[(p * (H + 1) + h) * T + k] / H;
          close(m.clsToPatch[(p * (H + 1) + H) * T + k], mean, 1e-7, 'head mean');
        }
      }
      const s = (x: { cls: number; prompts: number; patches: number }) => x.cls + x.prompts + x.patches;
      close(s(m.clsMass), 1, 1e-5);
      close(s(m.patchMass), 1, 1e-5);
      assert.equal(m.clsMassPerHead.length, H);
      for (const x of m.clsMassPerHead) close(s(x), 1, 1e-5);
      if (N > 0) {
        close(s(m.promptMass!), 1, 1e-5);
        assert.ok(m.clsMass.prompts > 0);
      } else {
        assert.equal(m.promptToPatch, undefined);
        assert.equal(m.promptMass, undefined);
        assert.equal(m.clsMass.prompts, 0);
      }
    });
  }

  it('rejects attention without patches', async () => {
    const t = tf.ones([1, 1, 3, 3]);
    await assert.rejects(summariseAttention(t, 2), /no patches/);
    t.dispose();
  });
});

describe('analysis: prompt drift', () => {
  it('is zero at initialisation', () => {
    const rng = new Rng(1);
    const p = Float32Array.from({ length: 2 * 3 * 4 }, () => rng.normal());
    const d = promptDrift(p, p, 2, 3, 4);
    assert.equal(d.length, 2);
    for (const l of d) {
      assert.deepEqual(l.l2, [0, 0, 0]);
      for (const c of l.cosine) close(c, 1, 1e-12);
      assert.equal(l.meanL2, 0);
      close(l.meanCosine, 1, 1e-12);
      assert.ok(l.meanInitialNorm > 0);
    }
    assert.deepEqual(
      d.map((l) => l.layer),
      [0, 1],
    );
  });

  it('measures distance and angle', () => {
    const init = Float32Array.from([1, 0, 0, 2]); // S=1, N=2, D=2
    const cur = Float32Array.from([0, 1, 0, -2]);
    const [l] = promptDrift(cur, init, 1, 2, 2);
    close(l.l2[0], Math.SQRT2, 1e-12);
    close(l.l2[1], 4, 1e-12);
    close(l.cosine[0], 0, 1e-12);
    close(l.cosine[1], -1, 1e-12);
    close(l.meanL2, (Math.SQRT2 + 4) / 2, 1e-12);
    close(l.meanInitialNorm, 1.5, 1e-12);
    assert.throws(() => promptDrift(cur, init, 1, 3, 2), /expected/);
  });
});
