import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { selectBackend } from '../../../src/engine/backend/select-backend';
import { tf } from '../../../src/engine/tf';
import { AdamW } from '../../../src/engine/train/adamw';
import { fractionalEpoch, learningRateAt } from '../../../src/engine/train/lr-schedule';

interface Fixture {
  shapes: Record<string, number[]>;
  weight_decay: Record<string, number>;
  lrs: number[];
  initial: Record<string, number[]>;
  grads: Record<string, number[]>[];
  final: Record<string, number[]>;
  schedule: { lr: number; min_lr: number; warmup_epochs: number; epochs: number; points: [number, number][] };
}
const fx: Fixture = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'optim', 'adamw.json'), 'utf8'),
);

describe('learning-rate schedule', () => {
  it('matches the recipe formula (warm-up then cosine) at every tested point', () => {
    const s = fx.schedule;
    for (const [t, want] of s.points) {
      const got = learningRateAt(t, {
        lr: s.lr,
        minLr: s.min_lr,
        warmupEpochs: s.warmup_epochs,
        epochs: s.epochs,
      });
      assert.ok(Math.abs(got - want) <= 1e-12, `t=${t}: ${got} vs ${want}`);
    }
  });
  it('is set per step from the fractional epoch', () => {
    assert.equal(fractionalEpoch(3, 5, 20), 3.25);
    const p = { lr: 1, minLr: 0, warmupEpochs: 2, epochs: 4 };
    assert.equal(learningRateAt(fractionalEpoch(0, 10, 20), p), 0.25);
    assert.equal(learningRateAt(4, p), 0);
  });
});

describe('AdamW with weight-decay groups', () => {
  before(async () => {
    await selectBackend('cpu');
  });
  it('matches torch.optim.AdamW over 4 steps with per-group decay (prompts, head weight, biases)', () => {
    const vars = Object.fromEntries(
      Object.entries(fx.shapes).map(([k, s]) => [k, tf.variable(tf.tensor(fx.initial[k], s), true)]),
    );
    const opt = new AdamW(
      Object.keys(fx.shapes).map((k) => ({ name: k, params: [vars[k]], weightDecay: fx.weight_decay[k] })),
    );
    fx.lrs.forEach((lr, i) => {
      const grads = Object.fromEntries(
        Object.entries(vars).map(([k, v]) => [v.name, tf.tensor(fx.grads[i][k], fx.shapes[k])]),
      );
      opt.apply(grads, lr);
    });
    for (const k of Object.keys(fx.shapes)) {
      const got = vars[k].dataSync();
      fx.final[k].forEach((want, j) => {
        assert.ok(Math.abs(got[j] - want) <= 2e-6, `${k}[${j}]: ${got[j]} vs ${want}`);
      });
    }
    assert.equal(opt.step, 4);
  });
  it('decays only what its group says: a zero gradient shrinks the head weight, not the bias', () => {
    const w = tf.variable(tf.ones([2, 2]), true);
    const b = tf.variable(tf.ones([2]), true);
    const opt = new AdamW([
      { name: 'head.weight', params: [w], weightDecay: 0.5 },
      { name: 'bias', params: [b], weightDecay: 0 },
    ]);
    opt.apply({ [w.name]: tf.zeros([2, 2]), [b.name]: tf.zeros([2]) }, 0.1);
    assert.ok(Array.from(w.dataSync()).every((x) => Math.abs(x - 0.95) < 1e-7));
    assert.deepEqual(Array.from(b.dataSync()), [1, 1]);
  });
  it('saves and restores its moments so that a resumed run takes the same next step', async () => {
    const mk = () => tf.variable(tf.tensor([1, -2, 3]), true);
    const a = mk();
    const optA = new AdamW([{ name: 'p', params: [a], weightDecay: 0.01 }]);
    optA.apply({ [a.name]: tf.tensor([0.5, 0.1, -0.3]) }, 0.01);
    const b = tf.variable(tf.tensor(a.dataSync()), true);
    const optB = new AdamW([{ name: 'p', params: [b], weightDecay: 0.01 }]);
    optB.loadState(await optA.stateToHost(), optA.step);
    optA.apply({ [a.name]: tf.tensor([0.2, 0.2, 0.2]) }, 0.01);
    optB.apply({ [b.name]: tf.tensor([0.2, 0.2, 0.2]) }, 0.01);
    assert.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()));
  });
});
