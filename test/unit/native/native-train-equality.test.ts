/**
 * Training on the native backend gives the numbers training on wasm gives: the same tiny SPT-deep
 * experiment (same seed, same data) trained twice through the trainer's own path (`trainExperiment`, as
 * `spt train` and the extension run it), once with `device.backend=wasm` and once with
 * `device.backend=native` (the native step engine; tfjs on wasm for validation and test); every step's
 * train loss in metrics.jsonl, and the val and test lines (evaluated by tfjs after the engine hands its
 * parameters back), agree within 1e-4 relative.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadExperiment } from '../../../src/config/load-config';
import { loadNativeAddon } from '../../../src/engine/native/native-addon';
import { trainExperiment } from '../../../src/engine/train/train-run';
import { readJsonl } from '../../../src/run-folder/run-folder';
import type { MetricLine } from '../../../src/shared/run-events';
import { writeTinyExperiment } from '../../helpers/tiny-experiment';

const REL_TOL = 1e-4;

async function train(file: string, backend: 'wasm' | 'native', extra: string[] = []) {
  const log: string[] = [];
  const { runDir, summary } = await trainExperiment(
    loadExperiment(file, [`device.backend=${backend}`, 'device.threads=2', ...extra]),
    { log: (_level, message) => log.push(message) },
  );
  assert.equal(summary.status, 'finished', `${backend}: ${summary.error ?? ''}`);
  assert.equal(summary.backend, backend);
  const metrics = readJsonl<MetricLine>(path.join(runDir, 'metrics.jsonl'));
  return { metrics, log, runDir };
}

const close = (a: number, b: number) => Math.abs(a - b) <= REL_TOL * Math.max(Math.abs(b), 1e-6);

describe('native training equals wasm training, step by step', function () {
  this.timeout(300_000);
  let dir: string;
  before(function () {
    const load = loadNativeAddon();
    if (!load.addon && process.platform !== 'linux') this.skip();
    assert.ok(load.addon, `spt-native.node did not load: ${load.reason}`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-native-train-'));
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it('a tiny SPT-deep run (mean init, 4 steps): per-step train losses, val and test within 1e-4 relative', async () => {
    const file = writeTinyExperiment(dir, {
      name: 'native-equality',
      seed: 7,
      pool: 'cls',
      init: 'mean',
      train: '{epochs: 2, warmup_epochs: 1, batch_size: 3, lr: 0.01}',
      analysis: '{every_epochs: 0}',
      outputDir: path.join(dir, 'runs'),
    });
    const wasm = await train(file, 'wasm');
    const nat = await train(file, 'native');
    assert.ok(
      nat.log.some((l) => /^backend: using native \(training steps on OpenBLAS/.test(l)),
      `the run used native: ${nat.log.filter((l) => l.startsWith('backend')).join('; ')}`,
    );
    assert.ok(
      nat.log.some((l) => /^native step engine: .*2 threads; micro-batch 3 of 3/.test(l)),
      `the steps ran on the native engine: ${nat.log.filter((l) => /native/.test(l)).join('; ')}`,
    );

    const steps = (m: MetricLine[]) => m.filter((l) => l.split === 'train');
    const [w, g] = [steps(wasm.metrics), steps(nat.metrics)];
    assert.equal(w.length, 4, 'two epochs of two steps on wasm');
    assert.deepEqual(
      g.map((l) => [l.epoch, l.step]),
      w.map((l) => [l.epoch, l.step]),
    );
    // The system panel's memory: the native engine's buffers are recorded, the tfjs-ops run has none.
    for (const l of g) assert.ok((l.engine_mb ?? 0) > 0, `native step ${l.step}: engine_mb ${l.engine_mb}`);
    for (const l of w) assert.equal(l.engine_mb, undefined, `wasm step ${l.step} has no step engine`);
    const diffs = g.map((l, i) => Math.abs(l.loss - w[i].loss) / Math.abs(w[i].loss));
    for (let i = 0; i < w.length; i++)
      assert.ok(
        close(g[i].loss, w[i].loss),
        `step ${w[i].step}: native loss ${g[i].loss} vs wasm ${w[i].loss} (relative ${diffs[i]})`,
      );
    assert.ok(
      w.some((l) => Math.abs(l.loss - w[0].loss) > 1e-3),
      `the losses change: ${w.map((l) => l.loss)}`,
    );
    for (const split of ['val', 'test'] as const) {
      const [ws, gs] = [wasm.metrics, nat.metrics].map((m) => m.filter((l) => l.split === split));
      assert.ok(ws.length > 0 && gs.length === ws.length, `${split} lines: ${ws.length} vs ${gs.length}`);
      ws.forEach((l, i) => {
        assert.ok(
          close(gs[i].loss, l.loss),
          `${split} epoch ${l.epoch}: native ${gs[i].loss} vs wasm ${l.loss}`,
        );
        assert.equal(gs[i].acc, l.acc, `${split} epoch ${l.epoch} accuracy`);
      });
    }
    console.log(`      worst relative train-loss difference ${Math.max(...diffs).toExponential(2)}`);
  });
});
