/**
 * train.drop_path: timm's stochastic depth in the frozen backbone. The masks (rates, scales, keyed by
 * seed/epoch/step), one block's masked forward against the block written out by hand, its input gradient
 * against central finite differences, a training step (unchanged at rate 0, independent of
 * micro-batching), and the step engines' refusal.
 */
import * as assert from 'node:assert/strict';
import { vitConfig } from '../../../src/config/architectures';
import { selectBackend } from '../../../src/engine/backend/select-backend';
import { attention } from '../../../src/engine/model/attention';
import {
  disposeDropPath,
  dropPathRates,
  dropPathScales,
  dropPathTensors,
} from '../../../src/engine/model/drop-path';
import { frozenBlock } from '../../../src/engine/model/frozen-block';
import { initHead } from '../../../src/engine/model/head';
import { gelu, layerNorm, linear } from '../../../src/engine/model/layers';
import { PromptedViT } from '../../../src/engine/model/prompted-vit';
import { disposeViTWeights, vitWeightsFromState } from '../../../src/engine/model/vit-weights';
import { promptParamsFromHost } from '../../../src/engine/prompts/prompt-params';
import { tf } from '../../../src/engine/tf';
import { AdamW } from '../../../src/engine/train/adamw';
import { paramGroups } from '../../../src/engine/train/param-groups';
import { trainStep } from '../../../src/engine/train/tfjs-train-step';
import { Rng } from '../../../src/engine/util/rng';
import { stepEngineUnsupported } from '../../../src/engine/webgpu/host-weights';
import { randomVitState } from '../../helpers/random-state';

const cfg = vitConfig({ embed_dim: 16, depth: 3, num_heads: 2, patch_size: 4, image_size: 8 });

describe('drop_path: the masks', () => {
  before(async () => {
    await selectBackend('cpu');
  });

  it('rates rise linearly from 0 at block 0 to drop_path at the last block (torch.linspace)', () => {
    const r = dropPathRates(0.1, 12);
    assert.equal(r.length, 12);
    assert.equal(r[0], 0);
    assert.ok(Math.abs(r[11] - 0.1) < 1e-15);
    for (let i = 1; i < 12; i++) assert.ok(Math.abs(r[i] - r[i - 1] - 0.1 / 11) < 1e-15);
    assert.deepEqual(dropPathRates(0.3, 1), [0]);
  });

  it('per sample and branch: 0 or 1/(1-p), block 0 never drops, keyed by seed, epoch and step', () => {
    const key = { seed: 3, epoch: 2, step: 5 };
    const B = 4000;
    const s = dropPathScales(0.4, 3, B, key)!; // rates 0, 0.2, 0.4
    assert.equal(s.length, 3 * 2 * B);
    assert.ok(
      s.subarray(0, 2 * B).every((v) => v === 1),
      'block 0 keeps everything',
    );
    for (const [block, p] of [
      [1, 0.2],
      [2, 0.4],
    ] as const) {
      const row = s.subarray(block * 2 * B, (block + 1) * 2 * B);
      const scale = Math.fround(1 / (1 - p));
      assert.ok(
        row.every((v) => v === 0 || v === scale),
        `block ${block}: 0 or 1/(1-p)`,
      );
      const kept = row.filter((v) => v > 0).length / (2 * B);
      assert.ok(Math.abs(kept - (1 - p)) < 0.02, `block ${block} keeps ${kept}, expected ${1 - p}`);
      // unbiased: E[scale] = 1
      assert.ok(Math.abs(row.reduce((a, v) => a + v, 0) / (2 * B) - 1) < 0.03);
    }
    assert.deepEqual(dropPathScales(0.4, 3, B, { ...key }), s, 'the same key gives the same masks');
    for (const other of [
      { ...key, step: 6 },
      { ...key, epoch: 3 },
      { ...key, seed: 4 },
    ])
      assert.notDeepEqual(dropPathScales(0.4, 3, B, other), s);
    assert.equal(dropPathScales(0, 3, B, key), null);
    assert.throws(() => dropPathScales(1, 3, B, key), /below 1/);
  });

  it('per-block tensors for a micro-batch slice; none for a block that never drops', () => {
    const s = dropPathScales(0.5, 3, 6, { seed: 1, epoch: 0, step: 0 })!;
    const t = dropPathTensors(s, 3, 6, 2, 5);
    assert.equal(t[0], null);
    for (const i of [1, 2]) {
      assert.deepEqual(t[i]!.attn.shape, [3, 1, 1]);
      assert.deepEqual([...t[i]!.attn.dataSync()], [...s.subarray(i * 12 + 2, i * 12 + 5)]);
      assert.deepEqual([...t[i]!.mlp.dataSync()], [...s.subarray(i * 12 + 6 + 2, i * 12 + 6 + 5)]);
    }
    disposeDropPath(t);
  });
});

describe('drop_path: one block', () => {
  before(async () => {
    await selectBackend('cpu');
  });

  const w = () => vitWeightsFromState(randomVitState(cfg, 21), cfg, { trainable: false });
  const B = 4;
  const L = 7;
  const D = 16;
  const c = 1 / (1 - 0.3);
  // sample 0 drops both branches, 1 keeps attention, 2 keeps the MLP, 3 keeps both
  const attnScale = [0, c, 0, c];
  const mlpScale = [0, 0, c, c];
  const drop = () => ({
    attn: tf.tensor3d(attnScale, [B, 1, 1]),
    mlp: tf.tensor3d(mlpScale, [B, 1, 1]),
  });
  const input = () => {
    const rng = new Rng(4);
    return tf.tensor3d(
      Float32Array.from({ length: B * L * D }, () => rng.normal()),
      [B, L, D],
    );
  };

  it('the masked forward is timm’s: x + s1 * attn(norm1(x)), then + s2 * mlp(norm2(.)), per sample', () => {
    const weights = w();
    const b = weights.blocks[0];
    const x = input();
    const d = drop();
    const got = frozenBlock(x, b, cfg, d).arraySync() as number[][][];
    // written out from the layers, sample by sample, with the scales as plain numbers
    for (let s = 0; s < B; s++) {
      const xs = tf.slice(x, [s, 0, 0], [1, L, D]);
      const a = attention(layerNorm(xs, b.norm1, cfg.layerNormEps), b.attn, cfg.numHeads).out;
      const x1 = tf.add(xs, tf.mul(a, attnScale[s]));
      const m = linear(gelu(linear(layerNorm(x1, b.norm2, cfg.layerNormEps), b.fc1)), b.fc2);
      const want = (tf.add(x1, tf.mul(m, mlpScale[s])).arraySync() as number[][][])[0];
      for (let i = 0; i < L; i++)
        for (let j = 0; j < D; j++)
          assert.ok(Math.abs(got[s][i][j] - want[i][j]) < 1e-5, `sample ${s} [${i},${j}]`);
    }
    // both branches dropped: the block is the identity for that sample
    const x0 = (x.arraySync() as number[][][])[0];
    assert.deepEqual(got[0], x0);
    tf.dispose([x, d.attn, d.mlp]);
    disposeViTWeights(weights);
  });

  it('its input gradient matches central finite differences', async () => {
    const weights = w();
    const b = weights.blocks[0];
    const x = input();
    const d = drop();
    const rng = new Rng(8);
    const R = tf.tensor3d(
      Float32Array.from({ length: B * L * D }, () => rng.normal()),
      [B, L, D],
    );
    const loss = (t: tf.Tensor) => tf.sum(tf.mul(frozenBlock(t, b, cfg, d), R)) as tf.Scalar;
    const g = tf.grad(loss)(x).dataSync();
    const base = x.dataSync();
    const eps = 1e-2;
    let checked = 0;
    for (let s = 0; s < B; s++) {
      for (let k = 0; k < 4; k++) {
        const i = s * L * D + rng.int(L * D);
        const at = (delta: number) =>
          tf.tidy(() => {
            const p = base.slice();
            p[i] += delta;
            return loss(tf.tensor3d(p, [B, L, D])).dataSync()[0];
          });
        const fd = (at(eps) - at(-eps)) / (2 * eps);
        const tol = 2e-3 + 2e-2 * Math.abs(fd);
        assert.ok(
          Math.abs(fd - g[i]) <= tol,
          `sample ${s} [${i}]: analytic ${g[i]} vs finite difference ${fd}`,
        );
        checked++;
      }
    }
    assert.equal(checked, 4 * B);
    // the dropped sample's gradient is R itself (identity block)
    const r = R.dataSync();
    for (let j = 0; j < L * D; j++) assert.ok(Math.abs(g[j] - r[j]) < 1e-6);
    tf.dispose([x, R, d.attn, d.mlp]);
    disposeViTWeights(weights);
  });
});

describe('drop_path: a training step', () => {
  before(async () => {
    await selectBackend('cpu');
  });

  function model(dropPath: number): { m: PromptedViT; opt: AdamW } {
    const w = vitWeightsFromState(randomVitState(cfg, 11), cfg, { trainable: false });
    const rng = new Rng(5);
    const head = initHead(cfg.embedDim, 3, rng, 0.3);
    const prompts = promptParamsFromHost(
      {
        dtype: 'float32',
        shape: [cfg.depth, 2, 16],
        data: new Float32Array(cfg.depth * 2 * 16).map(() => rng.normal() * 0.5),
      },
      'deep',
      cfg.depth,
      cfg.embedDim,
    );
    const m = new PromptedViT(cfg, w, head, 'mean', 'spt', prompts);
    m.dropPath = dropPath;
    return { m, opt: new AdamW(paramGroups(m, 0.01, 0.5)) };
  }
  const rng = new Rng(6);
  const images = Float32Array.from({ length: 6 * 8 * 8 * 3 }, () => rng.normal());
  const labels = [0, 1, 2, 0, 1, 2];
  const key = { seed: 7, epoch: 1, step: 2 };
  const step = async (dropPath: number, micro: number, k = key) => {
    const { m, opt } = model(dropPath);
    const r = await trainStep(m, opt, images, labels, 8, micro, 0.01, true, k);
    const after = Float32Array.from(m.prompts!.sets[2].dataSync());
    m.dispose();
    return { loss: r.loss, after };
  };

  it('rate 0: the same numbers as a step without drop_path', async () => {
    const { m, opt } = model(0);
    const plain = await trainStep(m, opt, images, labels, 8, 6, 0.01, true);
    m.dispose();
    const keyed = await step(0, 6);
    assert.equal(keyed.loss, plain.loss);
  });

  it('rate > 0: a different loss, the same for every micro-batch size and for the same key', async () => {
    const none = await step(0, 6);
    const full = await step(0.6, 6);
    assert.notEqual(full.loss, none.loss);
    const micro = await step(0.6, 2);
    assert.ok(Math.abs(micro.loss - full.loss) < 1e-5, `${micro.loss} vs ${full.loss}`);
    for (let i = 0; i < full.after.length; i++) assert.ok(Math.abs(micro.after[i] - full.after[i]) < 1e-6);
    assert.equal((await step(0.6, 6)).loss, full.loss, 'the same key: the same masks');
    assert.notEqual((await step(0.6, 6, { ...key, step: 3 })).loss, full.loss);
  });

  it('the step engines refuse it (training falls back to tfjs), naming the field', () => {
    const { m } = model(0.1);
    assert.match(stepEngineUnsupported(m) ?? '', /train\.drop_path is 0\.1/);
    m.dropPath = 0;
    assert.equal(stepEngineUnsupported(m), null);
    m.dispose();
  });
});
