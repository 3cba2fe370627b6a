/**
 * The analytic gradient (tfjs autodiff through the frozen blocks, including the custom input
 * gradient of frozen linears) against central finite differences of the loss.
 */
import * as assert from 'node:assert/strict';
import { selectBackend } from '../../../src/engine/backend/select-backend';
import { initHead } from '../../../src/engine/model/head';
import { crossEntropy } from '../../../src/engine/model/loss';
import { type Method, PromptedViT } from '../../../src/engine/model/prompted-vit';
import type { Pool, PromptMode } from '../../../src/engine/model/vit';
import { vitConfig } from '../../../src/engine/model/vit-config';
import { vitWeightsFromState } from '../../../src/engine/model/vit-weights';
import { promptParamsFromHost } from '../../../src/engine/prompts/prompt-params';
import { tf } from '../../../src/engine/tf';
import { Rng } from '../../../src/engine/util/rng';
import { randomVitState } from '../../helpers/random-state';

const cfg = vitConfig({ embed_dim: 16, depth: 2, num_heads: 2, patch_size: 4, image_size: 8 });
const labels = [0, 2, 1];

function makeModel(mode: PromptMode | null, pool: Pool, method: Method): PromptedViT {
  const w = vitWeightsFromState(randomVitState(cfg, 11), cfg, { trainable: method === 'full' });
  const rng = new Rng(5);
  const head = initHead(cfg.embedDim, 3, rng, 0.3);
  const sets = mode === 'deep' ? cfg.depth : 1;
  const prompts = mode
    ? promptParamsFromHost(
        {
          dtype: 'float32',
          shape: [sets, 3, 16],
          data: new Float32Array(sets * 3 * 16).map(() => rng.normal() * 0.5),
        },
        mode,
        cfg.depth,
        cfg.embedDim,
      )
    : undefined;
  return new PromptedViT(cfg, w, head, pool, method, prompts);
}

/** Checks d loss / d v for a few coordinates of every trainable variable (up to `perVar`). */
function checkGradients(model: PromptedViT, perVar: number) {
  const rng = new Rng(9);
  const images = tf.tensor4d(
    new Float32Array(3 * 8 * 8 * 3).map(() => rng.normal()),
    [3, 8, 8, 3],
  );
  const lossOf = () => tf.tidy(() => crossEntropy(model.forward(images).logits, labels).dataSync()[0]);
  const vars = model.trainableVariables();
  const { grads } = tf.variableGrads(
    () => crossEntropy(model.forward(images).logits, labels) as tf.Scalar,
    vars,
  );
  const eps = 1e-2;
  let checked = 0;
  for (const v of vars) {
    const g = grads[v.name].dataSync();
    const base = v.dataSync().slice() as Float32Array;
    for (let k = 0; k < Math.min(perVar, v.size); k++) {
      const i = rng.int(v.size);
      const at = (delta: number) => {
        const p = base.slice();
        p[i] += delta;
        v.assign(tf.tensor(p, v.shape));
        return lossOf();
      };
      const fd = (at(eps) - at(-eps)) / (2 * eps);
      v.assign(tf.tensor(base, v.shape));
      const tol = 2e-3 + 2e-2 * Math.abs(fd);
      assert.ok(Math.abs(fd - g[i]) <= tol, `${v.name}[${i}]: analytic ${g[i]} vs finite difference ${fd}`);
      checked++;
    }
  }
  assert.ok(checked >= vars.length, 'checked at least one coordinate per variable');
  const gNorm = Object.values(grads).reduce((s, t) => s + tf.sum(tf.abs(t)).dataSync()[0], 0);
  assert.ok(gNorm > 1e-3, 'the gradient is not trivially zero');
}

describe('gradient check against central finite differences', () => {
  before(async () => {
    await selectBackend('cpu');
  });
  for (const [mode, pool] of [
    ['deep', 'mean'],
    ['deep', 'cls'],
    ['shallow', 'cls'],
    ['shallow', 'mean'],
  ] as const) {
    it(`prompts and head, ${mode} prompts, ${pool} head`, () => {
      const model = makeModel(mode, pool, 'spt');
      checkGradients(model, 6);
      model.dispose();
    });
  }
  it('head only (linear probe)', () => {
    const model = makeModel(null, 'cls', 'linear');
    assert.equal(model.trainableVariables().length, 2);
    checkGradients(model, 8);
    model.dispose();
  });
  it('full fine-tuning: every backbone tensor too', () => {
    const model = makeModel(null, 'mean', 'full');
    assert.equal(model.trainableVariables().length, 2 + 4 + 2 * 12 + 2);
    checkGradients(model, 1);
    model.dispose();
  });
});
