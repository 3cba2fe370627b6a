/** Checkpoint tensors put back into a fresh model reproduce its outputs, for every trainable set. */
import * as assert from 'node:assert/strict';
import { vitConfig } from '../../../src/config/architectures';
import type { Method } from '../../../src/config/methods';
import { selectBackend } from '../../../src/engine/backend/select-backend';
import { initHead } from '../../../src/engine/model/head';
import { PromptedViT } from '../../../src/engine/model/prompted-vit';
import { vitWeightsFromState } from '../../../src/engine/model/vit-weights';
import { xavierPrompts } from '../../../src/engine/prompts/init-xavier';
import { promptParamsFromHost } from '../../../src/engine/prompts/prompt-params';
import { modelTensors } from '../../../src/engine/run/train-checkpoint';
import { tf } from '../../../src/engine/tf';
import { restoreModelTensors } from '../../../src/engine/train/restore-model';
import { Rng } from '../../../src/engine/util/rng';
import { randomVitState } from '../../helpers/random-state';

const cfg = vitConfig({ embed_dim: 16, depth: 2, num_heads: 2, patch_size: 4, image_size: 8 });

function model(method: Method, seed: number, stateSeed: number): PromptedViT {
  const rng = new Rng(seed);
  const w = vitWeightsFromState(randomVitState(cfg, stateSeed), cfg, { trainable: method === 'full' });
  const prompts =
    method === 'vpt' ? promptParamsFromHost(xavierPrompts(rng, 2, 3, 16, 4), 'deep', 2, 16) : undefined;
  return new PromptedViT(cfg, w, initHead(16, 4, rng, 0.3), 'mean', method, prompts);
}

describe('checkpoint round trip', () => {
  before(async () => {
    await selectBackend('cpu');
  });
  for (const method of ['linear', 'vpt', 'full'] as const) {
    it(`${method}: restored tensors give the same logits`, async () => {
      const a = model(method, 1, 1);
      const b = model(method, 2, method === 'full' ? 2 : 1); // other prompts/head (and backbone for full)
      const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 3);
      const before = tf.tidy(() => Array.from(b.forward(x).logits.dataSync()));
      restoreModelTensors(b, await modelTensors(a));
      const want = tf.tidy(() => Array.from(a.forward(x).logits.dataSync()));
      const got = tf.tidy(() => Array.from(b.forward(x).logits.dataSync()));
      assert.notDeepEqual(before, want, 'the models differed before');
      got.forEach((v, i) => {
        assert.ok(Math.abs(v - want[i]) < 1e-5, `${v} vs ${want[i]}`);
      });
      a.dispose();
      b.dispose();
    });
  }
});
