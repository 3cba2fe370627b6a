/**
 * Training on webgpu gives the numbers training on wasm gives: the same tiny SPT-deep experiment (same
 * seed, same data) trained twice through the trainer's own path (`trainExperiment`, as `spt train` and
 * the extension run it), once with `device.backend=wasm` and once with `device.backend=webgpu`; every
 * step's train loss in metrics.jsonl, and the val and test lines, agree within 1e-4 relative.
 * Runs in `npm run test:webgpu` (test/webgpu/run.ts sets up lavapipe and SPT_WEBGPU_SOFTWARE=1).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadExperiment } from '../../src/config/load-config';
import { trainExperiment } from '../../src/engine/train/train-run';
import { readJsonl } from '../../src/run-folder/run-folder';
import type { MetricLine } from '../../src/shared/run-events';
import { writeTinyExperiment } from '../helpers/tiny-experiment';

const REL_TOL = 1e-4;

async function train(file: string, backend: 'wasm' | 'webgpu') {
  const log: string[] = [];
  const { runDir, summary } = await trainExperiment(loadExperiment(file, [`device.backend=${backend}`]), {
    log: (_level, message) => log.push(message),
  });
  assert.equal(summary.status, 'finished', `${backend}: ${summary.error ?? ''}`);
  assert.equal(summary.backend, backend);
  const metrics = readJsonl<MetricLine>(path.join(runDir, 'metrics.jsonl'));
  return { metrics, log };
}

const close = (a: number, b: number) => Math.abs(a - b) <= REL_TOL * Math.max(Math.abs(b), 1e-6);

describe('webgpu training equals wasm training, step by step', function () {
  this.timeout(600_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-webgpu-train-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a tiny SPT-deep run (mean init, 4 steps): per-step train losses, val and test within 1e-4 relative', async () => {
    const file = writeTinyExperiment(dir, {
      name: 'webgpu-equality',
      seed: 7,
      pool: 'cls',
      init: 'mean',
      train: '{epochs: 2, warmup_epochs: 1, batch_size: 3, lr: 0.01}',
      analysis: '{every_epochs: 0}',
      outputDir: path.join(dir, 'runs'),
    });
    const wasm = await train(file, 'wasm');
    const gpu = await train(file, 'webgpu');
    assert.ok(
      gpu.log.some((l) => /^backend: using webgpu \(/.test(l)),
      `the run used webgpu: ${gpu.log.filter((l) => l.startsWith('backend')).join('; ')}`,
    );

    const steps = (m: MetricLine[]) => m.filter((l) => l.split === 'train');
    const [w, g] = [steps(wasm.metrics), steps(gpu.metrics)];
    assert.equal(w.length, 4, 'two epochs of two steps on wasm');
    assert.deepEqual(
      g.map((l) => [l.epoch, l.step]),
      w.map((l) => [l.epoch, l.step]),
    );
    // The system panel's memory: the WebGPU engine's device buffers are recorded, the tfjs-ops run has none.
    for (const l of g) assert.ok((l.engine_mb ?? 0) > 0, `webgpu step ${l.step}: engine_mb ${l.engine_mb}`);
    for (const l of w) assert.equal(l.engine_mb, undefined, `wasm step ${l.step} has no step engine`);
    const diffs = g.map((l, i) => Math.abs(l.loss - w[i].loss) / Math.abs(w[i].loss));
    for (let i = 0; i < w.length; i++) {
      assert.ok(
        close(g[i].loss, w[i].loss),
        `step ${w[i].step}: webgpu loss ${g[i].loss} vs wasm ${w[i].loss} (relative ${diffs[i]})`,
      );
      assert.ok(close(g[i].lr, w[i].lr), `step ${w[i].step}: learning rate`);
    }
    // The parameters moved: later losses differ from the first, so equality is not of constants.
    assert.ok(
      w.some((l) => Math.abs(l.loss - w[0].loss) > 1e-3),
      `the losses change: ${w.map((l) => l.loss)}`,
    );
    for (const split of ['val', 'test'] as const) {
      const [ws, gs] = [wasm.metrics, gpu.metrics].map((m) => m.filter((l) => l.split === split));
      assert.ok(ws.length > 0 && gs.length === ws.length, `${split} lines: ${ws.length} vs ${gs.length}`);
      ws.forEach((l, i) => {
        assert.ok(
          close(gs[i].loss, l.loss),
          `${split} epoch ${l.epoch}: webgpu ${gs[i].loss} vs wasm ${l.loss}`,
        );
        assert.equal(gs[i].acc, l.acc, `${split} epoch ${l.epoch} accuracy`);
      });
    }
    const route =
      gpu.log.find((l) => l.startsWith('webgpu: training steps run through')) ?? 'its step engine';
    console.log(
      `    webgpu steps ran through ${route.replace(/^webgpu: training steps run through /, '')}; worst relative train-loss difference ${Math.max(...diffs).toExponential(2)}`,
    );
  });
});
