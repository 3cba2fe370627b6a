/**
 * The analytic gradient (tfjs autodiff through the frozen blocks, including the custom input
 * gradient of frozen linears) against central finite differences of the loss.
 */
import * as assert from 'node:assert/strict';
import { vitConfig } from '../../../src/config/architectures';
import type { BackendName } from '../../../src/config/backends';
import type { Method, Pool, PromptMode } from '../../../src/config/methods';
import { selectBackend } from '../../../src/engine/backend/select-backend';
import { initHead } from '../../../src/engine/model/head';
import { crossEntropy } from '../../../src/engine/model/loss';
import { PromptedViT } from '../../../src/engine/model/prompted-vit';
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

/** Reads a tensor asynchronously (webgpu in Node has no synchronous readback) and disposes it. */
async function read(t: tf.Tensor): Promise<Float32Array> {
  const d = (await t.data()) as Float32Array;
  t.dispose();
  return d;
}

/** Checks d loss / d v for a few coordinates of every trainable variable (up to `perVar`). */
async function checkGradients(model: PromptedViT, perVar: number) {
  const rng = new Rng(9);
  const images = tf.tensor4d(
    new Float32Array(3 * 8 * 8 * 3).map(() => rng.normal()),
    [3, 8, 8, 3],
  );
  const lossOf = async () =>
    (await read(tf.tidy(() => crossEntropy(model.forward(images).logits, labels))))[0];
  const vars = model.trainableVariables();
  const { value, grads } = tf.variableGrads(
    () => crossEntropy(model.forward(images).logits, labels) as tf.Scalar,
    vars,
  );
  value.dispose();
  const eps = 1e-2;
  let checked = 0;
  for (const v of vars) {
    const g = (await grads[v.name].data()) as Float32Array;
    const base = (await v.data()) as Float32Array;
    for (let k = 0; k < Math.min(perVar, v.size); k++) {
      const i = rng.int(v.size);
      const at = async (delta: number) => {
        const p = base.slice();
        p[i] += delta;
        const t = tf.tensor(p, v.shape);
        v.assign(t);
        t.dispose();
        return lossOf();
      };
      const fd = ((await at(eps)) - (await at(-eps))) / (2 * eps);
      const t = tf.tensor(base, v.shape);
      v.assign(t);
      t.dispose();
      const tol = 2e-3 + 2e-2 * Math.abs(fd);
      assert.ok(Math.abs(fd - g[i]) <= tol, `${v.name}[${i}]: analytic ${g[i]} vs finite difference ${fd}`);
      checked++;
    }
  }
  assert.ok(checked >= vars.length, 'checked at least one coordinate per variable');
  let gNorm = 0;
  for (const t of Object.values(grads)) gNorm += (await read(tf.sum(tf.abs(t))))[0];
  assert.ok(gNorm > 1e-3, 'the gradient is not trivially zero');
  tf.dispose([images, ...Object.values(grads)]);
}

// SPT_GRADCHECK_BACKENDS=webgpu (npm run test:webgpu, on lavapipe) runs the same checks on a GPU
// backend; reads are asynchronous for that reason. The default is what every machine has.
const GRADCHECK_BACKENDS = (process.env.SPT_GRADCHECK_BACKENDS || 'cpu').split(',') as BackendName[];

for (const backend of GRADCHECK_BACKENDS) {
  describe(`gradient check against central finite differences on ${backend}`, () => {
    before(async () => {
      await selectBackend(backend);
    });
    for (const [mode, pool] of [
      ['deep', 'mean'],
      ['deep', 'cls'],
      ['shallow', 'cls'],
      ['shallow', 'mean'],
    ] as const) {
      it(`prompts and head, ${mode} prompts, ${pool} head`, async () => {
        const model = makeModel(mode, pool, 'spt');
        await checkGradients(model, 6);
        model.dispose();
      });
    }
    it('head only (linear probe)', async () => {
      const model = makeModel(null, 'cls', 'linear');
      assert.equal(model.trainableVariables().length, 2);
      await checkGradients(model, 8);
      model.dispose();
    });
    it('full fine-tuning: every backbone tensor too', async () => {
      const model = makeModel(null, 'mean', 'full');
      assert.equal(model.trainableVariables().length, 2 + 4 + 2 * 12 + 2);
      await checkGradients(model, 1);
      model.dispose();
    });
  });
}
