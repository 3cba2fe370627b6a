/**
 * Finite differences through the native step engine: the gradient it accumulates over a batch (split into
 * micro-batches) against central differences of the loss it computes, for coordinates of every trainable
 * tensor (a prompt of the first and of the last block, the head weight and bias). The loss is read from
 * training steps with learning rate 0, each after the perturbed value is loaded into the engine.
 */
import * as assert from 'node:assert/strict';
import { vitConfig } from '../../../src/config/architectures';
import { selectBackend } from '../../../src/engine/backend/select-backend';
import { loadNativeAddon } from '../../../src/engine/native/native-addon';
import { NativeStepEngine } from '../../../src/engine/native/native-step-engine';
import { tf } from '../../../src/engine/tf';
import { stepTestBatch, stepTestModel } from '../../helpers/step-engine-fixtures';

const cfg = vitConfig({ embed_dim: 32, depth: 3, num_heads: 4, patch_size: 8, image_size: 24 }, 24);
const EPS = 1e-2;

describe('native step engine: gradients against finite differences', function () {
  this.timeout(120_000);
  before(async function () {
    const load = loadNativeAddon();
    if (!load.addon && process.platform !== 'linux') this.skip();
    assert.ok(load.addon, `spt-native.node did not load: ${load.reason}`);
    await selectBackend('wasm');
  });

  for (const pool of ['cls', 'mean'] as const) {
    it(`deep prompts, ${pool} pooling: prompts, head weight and bias`, async () => {
      const { m, opt } = stepTestModel(cfg, 'deep', pool);
      const B = 5;
      const { images, labels } = stepTestBatch(cfg, 0, B);
      const engine = await NativeStepEngine.create(m, opt, {
        batch: B,
        microBatch: 2,
        nanCheck: false,
        threads: 1,
      });
      try {
        await engine.trainStep(images, labels, 0);
        const grads = await engine.gradients();
        const vars = opt.params(); // prompt sets, head weight, head bias: the engine's flat order
        const offsets: number[] = [];
        vars.reduce((off, v) => {
          offsets.push(off);
          return off + v.size;
        }, 0);
        const probes: [number, number][] = [
          [0, 3], // block 0's prompts
          [0, 2 * cfg.embedDim + 5],
          [vars.length - 3, 7], // the last block's prompts
          [vars.length - 2, 11], // head weight
          [vars.length - 1, 2], // head bias
        ];
        let nonzero = 0;
        for (const [vi, k] of probes) {
          const v = vars[vi];
          const base = (await v.data()) as Float32Array;
          const lossAt = async (delta: number) => {
            const x = base.slice();
            x[k] += delta;
            v.assign(tf.tensor(x, v.shape));
            await engine.reload(m, opt);
            return (await engine.trainStep(images, labels, 0)).loss;
          };
          const fd = ((await lossAt(EPS)) - (await lossAt(-EPS))) / (2 * EPS);
          v.assign(tf.tensor(base, v.shape));
          const g = grads[offsets[vi] + k];
          if (Math.abs(g) > 1e-4) nonzero++;
          assert.ok(
            Math.abs(fd - g) <= 2e-3 + 2e-2 * Math.abs(g),
            `${v.name}[${k}]: engine gradient ${g}, finite difference ${fd}`,
          );
        }
        assert.ok(nonzero >= 3, 'most probed gradients are not trivially zero');
      } finally {
        engine.dispose();
        m.dispose();
      }
    });
  }
});
