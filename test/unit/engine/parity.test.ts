/**
 * Parity with PyTorch: logits and gradients of the prompted ViT against the fixtures that
 * scripts/make_parity_fixtures.py computed in float64 with a timm-structured reference model.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { vitConfig } from '../../../src/config/architectures';
import type { BackendName } from '../../../src/config/backends';
import { selectBackend } from '../../../src/engine/backend/select-backend';
import { loadBackbone } from '../../../src/engine/model/load-backbone';
import { crossEntropy } from '../../../src/engine/model/loss';
import { promptParamsFromHost, promptsToHost } from '../../../src/engine/prompts/prompt-params';
import { tf } from '../../../src/engine/tf';
import {
  caseTensors,
  get,
  LAYOUT_FILES,
  maxAbsDiff,
  normalisedImages,
  PARITY_DIR,
  type ParityCase,
  parityBackbone,
  parityCaseModel,
  parityCases,
} from '../../helpers/parity-fixtures';

const buildCaseModel = parityCaseModel;

// SPT_PARITY_BACKENDS=webgpu (or tensorflow, tensorflow-gpu) runs the same cases on a GPU machine
// (scripts/device/gpu-check.ts); the default is what every machine has.
const PARITY_BACKENDS = (process.env.SPT_PARITY_BACKENDS || 'cpu,wasm').split(',') as BackendName[];

/** Reads and disposes a tensor asynchronously (webgpu in Node has no synchronous readback). */
async function read(t: tf.Tensor): Promise<Float32Array> {
  const d = (await t.data()) as Float32Array;
  t.dispose();
  return d;
}

for (const backend of PARITY_BACKENDS) {
  describe(`parity with PyTorch on ${backend}`, () => {
    before(async () => {
      await selectBackend(backend);
    });

    for (const c of parityCases()) {
      it(`${c.name}: logits, loss and gradients match (max abs err <= 1e-4)`, async () => {
        const model = buildCaseModel(c);
        const { data, shape, labels } = await normalisedImages(c.split);
        const images = tf.tensor4d(data, shape as [number, number, number, number]);
        const vars = model.trainableVariables();
        const { value, grads } = tf.variableGrads(
          () => crossEntropy(model.forward(images).logits, labels) as tf.Scalar,
          vars,
        );
        const logits = await read(tf.tidy(() => model.forward(images).logits));
        const t = caseTensors(c);
        assert.ok(
          maxAbsDiff(logits, c.logits.flat()) <= 1e-4,
          `logits differ by ${maxAbsDiff(logits, c.logits.flat())}`,
        );
        const loss = (await value.data())[0];
        assert.ok(Math.abs(loss - c.loss) <= 1e-4, `loss ${loss} vs ${c.loss}`);
        // Gradients, in PyTorch layouts.
        const gHeadW = await read(tf.transpose(grads[model.head.w.name])); // [D, C] -> (C, D)
        assert.ok(maxAbsDiff(gHeadW, get(t, 'grad.head.weight').data) <= 1e-4, 'grad head.weight');
        assert.ok(
          maxAbsDiff(await grads[model.head.b.name].data(), get(t, 'grad.head.bias').data) <= 1e-4,
          'grad head.bias',
        );
        if (model.prompts) {
          const gp: number[] = [];
          for (const v of model.prompts.sets) gp.push(...(await grads[v.name].data()));
          const want = get(t, 'grad.prompts').data;
          assert.ok(maxAbsDiff(gp, want) <= 1e-4, `grad prompts differ by ${maxAbsDiff(gp, want)}`);
          assert.ok(
            Array.from(want).some((v) => Math.abs(v) > 1e-4),
            'the reference prompt gradient is not trivially zero',
          );
        }
        tf.dispose([images, value, ...Object.values(grads)]);
        model.dispose();
      });
    }

    for (const file of LAYOUT_FILES) {
      it(`${file} gives the same logits as the timm reference (deep_mean)`, async () => {
        const c = parityCases().find((x) => x.name === 'deep_mean') as ParityCase;
        const model = buildCaseModel(c, file);
        const { data, shape } = await normalisedImages(c.split);
        const logits = await read(
          tf.tidy(() => model.forward(tf.tensor4d(data, shape as [number, number, number, number])).logits),
        );
        assert.ok(
          maxAbsDiff(logits, c.logits.flat()) <= 1e-4,
          `${file}: logits differ by ${maxAbsDiff(logits, c.logits.flat())}`,
        );
        model.dispose();
      });
    }

    it("the SPT authors' deep checkpoint carries the deep_mean prompts and head", async () => {
      const c = parityCases().find((x) => x.name === 'deep_mean') as ParityCase;
      const b = parityBackbone();
      const cfg = vitConfig({
        embed_dim: b.embed_dim,
        depth: b.depth,
        num_heads: b.num_heads,
        patch_size: b.patch_size,
        image_size: 32,
      });
      const loaded = loadBackbone(path.join(PARITY_DIR, 'spt_authors_deep.pth'), 'auto', cfg);
      assert.equal(loaded.format, 'spt');
      assert.ok(loaded.prompts && loaded.head);
      const t = caseTensors(c);
      const p = promptParamsFromHost(loaded.prompts, 'deep', cfg.depth, cfg.embedDim);
      assert.equal(maxAbsDiff((await promptsToHost(p)).data, get(t, 'prompts').data), 0);
      assert.equal(maxAbsDiff(loaded.head.weight.data, get(t, 'head.weight').data), 0);
    });
  });
}
