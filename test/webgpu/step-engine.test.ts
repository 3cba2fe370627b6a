/**
 * The WebGPU step engine against the tfjs training step it replaces (tfjs-train-step.ts `trainStep` on wasm):
 * same model, same batches, same AdamW groups. Deep, shallow and no prompts; CLS and mean pooling; a
 * batch split into unequal micro-batches. Losses, predictions, parameters and AdamW moments must agree
 * after several steps; a diverging update must be caught by the finite check. Runs in
 * `npm run test:webgpu` (a WebGPU adapter: lavapipe in CI).
 */
import * as assert from 'node:assert/strict';
import { vitConfig } from '../../src/config/architectures';
import type { Pool, PromptMode } from '../../src/config/methods';
import { selectBackend } from '../../src/engine/backend/select-backend';
import { trainStep } from '../../src/engine/train/tfjs-train-step';
import { WebGpuStepEngine } from '../../src/engine/webgpu/webgpu-step-engine';
import { stepTestBatch, stepTestModel } from '../helpers/step-engine-fixtures';

const cfg = vitConfig({ embed_dim: 32, depth: 3, num_heads: 4, patch_size: 8, image_size: 24 }, 24);
const S = 24;

const model = (mode: PromptMode | null, pool: Pool) => stepTestModel(cfg, mode, pool);
const batch = (step: number, B: number) => stepTestBatch(cfg, step, B);

async function maxDiff(a: { data(): Promise<unknown> }, b: { data(): Promise<unknown> }): Promise<number> {
  const [x, y] = (await Promise.all([a.data(), b.data()])) as Float32Array[];
  let d = 0;
  for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i] - y[i]));
  return d;
}

describe('WebGPU step engine equals the tfjs training step', function () {
  this.timeout(600_000);
  before(async () => {
    await selectBackend('webgpu'); // the adapter (navigator.gpu) the engine opens its device on
    await selectBackend('wasm'); // the reference runs tfjs's autodiff step on wasm
  });

  const cases: { name: string; mode: PromptMode | null; pool: Pool; micro: number }[] = [
    { name: 'deep prompts, CLS pooling, micro-batches 2+2+1', mode: 'deep', pool: 'cls', micro: 2 },
    { name: 'shallow prompts, mean pooling, one micro-batch', mode: 'shallow', pool: 'mean', micro: 5 },
    { name: 'linear probe (no prompts), micro-batches 3+2', mode: null, pool: 'cls', micro: 3 },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const B = 5;
      const ref = model(c.mode, c.pool);
      const gpu = model(c.mode, c.pool);
      const engine = await WebGpuStepEngine.create(gpu.m, gpu.opt, {
        batch: B,
        microBatch: c.micro,
        nanCheck: true,
      });
      try {
        assert.equal(engine.stats().microBatch, c.micro);
        for (let step = 0; step < 3; step++) {
          const { images, labels } = batch(step, B);
          const lr = 0.05 * (step + 1);
          const want = await trainStep(ref.m, ref.opt, images, labels, S, c.micro, lr, true);
          const got = await engine.trainStep(images, labels, lr);
          assert.ok(
            Math.abs(got.loss - want.loss) <= 1e-5 * Math.abs(want.loss),
            `step ${step}: loss ${got.loss} vs ${want.loss}`,
          );
          assert.equal(got.correct, want.correct, `step ${step}: correct`);
          assert.equal(got.paramsFinite, true);
        }
        await engine.syncTo(gpu.opt);
        assert.equal(gpu.opt.step, ref.opt.step);
        const refVars = ref.opt.params();
        const gpuVars = gpu.opt.params();
        for (let i = 0; i < refVars.length; i++) {
          const d = await maxDiff(refVars[i], gpuVars[i]);
          assert.ok(d < 2e-5, `${refVars[i].name}: parameters differ by ${d}`);
        }
        // The moments came back too: the next step from the synced state equals the reference's.
        const [refState, gpuState] = await Promise.all([ref.opt.stateToHost(), gpu.opt.stateToHost()]);
        for (const [k, t] of refState) {
          const g = gpuState.get(k)?.data as Float32Array;
          const r = t.data as Float32Array;
          let d = 0;
          for (let j = 0; j < r.length; j++) d = Math.max(d, Math.abs(r[j] - g[j]) / (Math.abs(r[j]) + 1e-6));
          assert.ok(d < 1e-3, `${k}: moments differ (relative ${d})`);
        }
        // Prompts actually moved: the test would pass vacuously on a dead gradient otherwise.
        if (c.mode) {
          const first = gpu.m.prompts?.sets[gpu.m.prompts.sets.length - 1];
          const init = model(c.mode, c.pool).m.prompts?.sets[(gpu.m.prompts?.sets.length ?? 1) - 1];
          assert.ok(first && init && (await maxDiff(first, init)) > 1e-3, 'the prompts were not trained');
        }
      } finally {
        engine.dispose();
        ref.m.dispose();
        gpu.m.dispose();
      }
    });
  }

  it('counts its dispatches: at most ~25 per block and step', async () => {
    const gpu = model('deep', 'cls');
    const engine = await WebGpuStepEngine.create(gpu.m, gpu.opt, { batch: 4, microBatch: 4, nanCheck: true });
    try {
      const { images, labels } = batch(0, 4);
      await engine.trainStep(images, labels, 0.01);
      const st = engine.stats();
      // embed 3, per block 9 forward + 1 prompt insert (not before block 0) + 12 backward, head 7, update 2
      assert.equal(st.dispatchesPerStep, 3 + cfg.depth * (9 + 12) + (cfg.depth - 1) + 7 + 2);
      const fixed = 3 + 7 + 2; // embedding, head and loss, update
      assert.ok((st.dispatchesPerStep - fixed) / cfg.depth <= 25);
    } finally {
      engine.dispose();
      gpu.m.dispose();
    }
  });

  it('a diverging update is caught by the finite check', async () => {
    const gpu = model('deep', 'cls');
    const engine = await WebGpuStepEngine.create(gpu.m, gpu.opt, { batch: 4, microBatch: 4, nanCheck: true });
    try {
      const { images, labels } = batch(0, 4);
      // AdamW's decay factor 1 - lr * wd overflows the parameters to infinity
      const r = await engine.trainStep(images, labels, 3e38);
      assert.equal(r.paramsFinite, false);
      assert.ok(Number.isFinite(r.loss), 'the loss of the step itself was finite');
    } finally {
      engine.dispose();
      gpu.m.dispose();
    }
  });
});
