/**
 * The native CPU step engine against the tfjs training step it replaces (tfjs-train-step.ts `trainStep` on
 * wasm): same model, same batches, same AdamW groups, as test/webgpu/step-engine.test.ts checks the
 * WebGPU engine. Deep, shallow and no prompts; CLS and mean pooling; batches split into unequal
 * micro-batches. Then the same training on 1 and 2 threads (agree within 1e-5; the figure is printed),
 * the dispatch count (the WebGPU plan's), and a diverging update caught by the finite check.
 */
import * as assert from 'node:assert/strict';
import { vitConfig } from '../../../src/config/architectures';
import type { Pool, PromptMode } from '../../../src/config/methods';
import { selectBackend } from '../../../src/engine/backend/select-backend';
import type { PromptedViT } from '../../../src/engine/model/prompted-vit';
import { loadNativeAddon } from '../../../src/engine/native/native-addon';
import { NativeStepEngine } from '../../../src/engine/native/native-step-engine';
import { trainStep } from '../../../src/engine/train/tfjs-train-step';
import type { StepEngine } from '../../../src/engine/webgpu/step-engine';
import { stepTestBatch, stepTestModel } from '../../helpers/step-engine-fixtures';

const TINY = vitConfig({ embed_dim: 32, depth: 3, num_heads: 4, patch_size: 8, image_size: 24 }, 24);

const model = stepTestModel;
const batch = stepTestBatch;

async function values(x: { data(): Promise<unknown> }): Promise<Float32Array> {
  return (await x.data()) as Float32Array;
}

async function maxDiff(a: { data(): Promise<unknown> }, b: { data(): Promise<unknown> }): Promise<number> {
  const [x, y] = await Promise.all([values(a), values(b)]);
  let d = 0;
  for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i] - y[i]));
  return d;
}

const engines: StepEngine[] = [];
const models: PromptedViT[] = [];
function track<T extends { m: PromptedViT }>(x: T): T {
  models.push(x.m);
  return x;
}

describe('native step engine equals the tfjs training step', function () {
  this.timeout(300_000);
  before(async function () {
    const load = loadNativeAddon();
    if (!load.addon && process.platform !== 'linux') {
      console.log(`      (skipped: ${load.reason})`);
      this.skip();
    }
    // The product ships the linux-x64 binary: there it must load.
    assert.ok(load.addon, `spt-native.node did not load: ${load.reason}`);
    await selectBackend('wasm'); // the reference runs tfjs's autodiff step on wasm
  });
  afterEach(() => {
    for (const e of engines.splice(0)) e.dispose();
    for (const m of models.splice(0)) m.dispose();
  });

  const cases: { name: string; mode: PromptMode | null; pool: Pool; micro: number }[] = [
    { name: 'deep prompts, CLS pooling, micro-batches 2+2+1', mode: 'deep', pool: 'cls', micro: 2 },
    { name: 'shallow prompts, mean pooling, one micro-batch', mode: 'shallow', pool: 'mean', micro: 5 },
    { name: 'linear probe (no prompts), micro-batches 3+2', mode: null, pool: 'cls', micro: 3 },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const B = 5;
      const ref = track(model(TINY, c.mode, c.pool));
      const nat = track(model(TINY, c.mode, c.pool));
      const engine = await NativeStepEngine.create(nat.m, nat.opt, {
        batch: B,
        microBatch: c.micro,
        nanCheck: true,
        threads: 2,
      });
      engines.push(engine);
      assert.equal(engine.stats().microBatch, c.micro);
      assert.equal(engine.stats().engine, 'native');
      for (let step = 0; step < 3; step++) {
        const { images, labels } = batch(TINY, step, B);
        const lr = 0.05 * (step + 1);
        const want = await trainStep(ref.m, ref.opt, images, labels, TINY.imageSize, c.micro, lr, true);
        const got = await engine.trainStep(images, labels, lr);
        assert.ok(
          Math.abs(got.loss - want.loss) <= 1e-5 * Math.abs(want.loss),
          `step ${step}: loss ${got.loss} vs ${want.loss}`,
        );
        assert.equal(got.correct, want.correct, `step ${step}: correct`);
        assert.equal(got.paramsFinite, true);
      }
      await engine.syncTo(nat.opt);
      assert.equal(nat.opt.step, ref.opt.step);
      const refVars = ref.opt.params();
      const natVars = nat.opt.params();
      for (let i = 0; i < refVars.length; i++) {
        const d = await maxDiff(refVars[i], natVars[i]);
        assert.ok(d < 2e-5, `${refVars[i].name}: parameters differ by ${d}`);
      }
      const [refState, natState] = await Promise.all([ref.opt.stateToHost(), nat.opt.stateToHost()]);
      for (const [k, t] of refState) {
        const g = natState.get(k)?.data as Float32Array;
        const r = t.data as Float32Array;
        // Relative to the value, or for values near zero (sums that cancel) to 1e-3 of the largest one
        const scale = r.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
        let d = 0;
        for (let j = 0; j < r.length; j++)
          d = Math.max(d, Math.abs(r[j] - g[j]) / (Math.abs(r[j]) + 1e-3 * scale + 1e-12));
        assert.ok(d < 1e-3, `${k}: moments differ (relative ${d}, largest moment ${scale})`);
      }
      // Prompts actually moved: the comparison would pass vacuously on a dead gradient otherwise.
      if (c.mode) {
        const sets = nat.m.prompts?.sets ?? [];
        const init = track(model(TINY, c.mode, c.pool)).m.prompts?.sets ?? [];
        assert.ok(
          (await maxDiff(sets[sets.length - 1], init[init.length - 1])) > 1e-3,
          'the prompts were not trained',
        );
      }
    });
  }

  it('trains the same on 1 and 2 threads (within 1e-5), the work split between them', async () => {
    // Wide enough that products are split into row blocks and row kernels into chunks on 2 threads.
    const cfg = vitConfig({ embed_dim: 64, depth: 2, num_heads: 2, patch_size: 4, image_size: 32 }, 32);
    const B = 8;
    const run = async (threads: number) => {
      const x = track(model(cfg, 'deep', 'cls'));
      const engine = await NativeStepEngine.create(x.m, x.opt, { batch: B, nanCheck: true, threads });
      engines.push(engine);
      assert.match(engine.stats().adapter, new RegExp(`, ${threads} threads?$`));
      const losses: number[] = [];
      for (let step = 0; step < 3; step++) {
        const { images, labels } = batch(cfg, step, B);
        losses.push((await engine.trainStep(images, labels, 0.05)).loss);
      }
      await engine.syncTo(x.opt);
      return { losses, params: await Promise.all(x.opt.params().map(values)) };
    };
    const one = await run(1);
    const two = await run(2);
    let worst = 0;
    one.params.forEach((p, i) => {
      for (let j = 0; j < p.length; j++) worst = Math.max(worst, Math.abs(p[j] - two.params[i][j]));
    });
    const lossDiff = Math.max(...one.losses.map((l, i) => Math.abs(l - two.losses[i])));
    console.log(
      `      1 vs 2 threads: parameters differ by at most ${worst.toExponential(2)}, losses by ${lossDiff.toExponential(2)}`,
    );
    assert.ok(worst <= 1e-5, `parameters differ by ${worst}`);
    assert.ok(lossDiff <= 1e-5 * Math.abs(one.losses[0]), `losses differ by ${lossDiff}`);
    assert.ok(one.losses[2] !== one.losses[0], 'the loss changes over the steps');
  });

  it("runs the WebGPU engine's plan: the same dispatches per step", async () => {
    const x = track(model(TINY, 'deep', 'cls'));
    const engine = await NativeStepEngine.create(x.m, x.opt, {
      batch: 4,
      microBatch: 4,
      nanCheck: true,
      threads: 1,
    });
    engines.push(engine);
    const { images, labels } = batch(TINY, 0, 4);
    await engine.trainStep(images, labels, 0.01);
    // embed 3, per block 9 forward + 1 prompt insert (not before block 0) + 12 backward, head 7, update 2
    assert.equal(engine.stats().dispatchesPerStep, 3 + TINY.depth * (9 + 12) + (TINY.depth - 1) + 7 + 2);
  });

  it('a diverging update is caught by the finite check', async () => {
    const x = track(model(TINY, 'deep', 'cls'));
    const engine = await NativeStepEngine.create(x.m, x.opt, {
      batch: 4,
      microBatch: 4,
      nanCheck: true,
      threads: 2,
    });
    engines.push(engine);
    const { images, labels } = batch(TINY, 0, 4);
    // AdamW's decay factor 1 - lr * wd overflows the parameters to infinity
    const r = await engine.trainStep(images, labels, 3e38);
    assert.equal(r.paramsFinite, false);
    assert.ok(Number.isFinite(r.loss), 'the loss of the step itself was finite');
  });
});
