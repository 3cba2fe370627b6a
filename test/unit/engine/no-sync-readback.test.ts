/**
 * The engine reads tensors only asynchronously: webgpu in Node has no synchronous readback
 * (tfjs-webgpu's `dataSync()` needs an OffscreenCanvas), so one `dataSync()` on the training path
 * breaks every GPU run. Without a GPU, this test makes synchronous readback throw on the wasm
 * backend (test/helpers/sync-readback-guard.ts) and runs tiny experiments end to end through the
 * functions the trainer and the CLI use: SPT initialisation (mean, kmeans, random), training with
 * micro-batches, analysis (deep and shallow prompts), validation and test, checkpoints, a stop and
 * a resume from the checkpoint, full fine-tuning, `spt eval` and `spt predict`. Each must finish with
 * exactly the numbers and files of the same run without the guard, and read the device once per
 * training step.
 */

import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadExperiment } from '../../../src/config/load-config';
import { selectBackend } from '../../../src/engine/backend/select-backend';
import { predict } from '../../../src/engine/predict/predict';
import { tf } from '../../../src/engine/tf';
import { evaluateRun } from '../../../src/engine/train/evaluate-run';
import { trainExperiment } from '../../../src/engine/train/train-run';
import { readJsonl } from '../../../src/run-folder/run-folder';
import { type RunEvent, withoutMeasurements } from '../../../src/shared/run-events';
import { PARITY_DIR } from '../../helpers/parity-fixtures';
import { forbidSyncReadback, SYNC_READBACK, type SyncReadbackGuard } from '../../helpers/sync-readback-guard';
import { type TinyExperiment, writeTinyExperiment } from '../../helpers/tiny-experiment';

interface Scenario extends Omit<TinyExperiment, 'seed' | 'pool' | 'outputDir'> {
  /** Stop (as SIGINT does) after this global step, then resume from the checkpoint. */
  stopAtStep?: number;
  /** Then `spt eval` on val and `spt predict` with the best checkpoint. */
  evalAndPredict?: boolean;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'deep-mean',
    init: 'mean',
    train: '{epochs: 2, warmup_epochs: 1, batch_size: 3, lr: 0.01, micro_batch: 2}',
    analysis: '{every_epochs: 1, probe_images: 4}',
    evalAndPredict: true,
  },
  {
    name: 'shallow-kmeans',
    init: 'kmeans',
    prompt: '{method: spt, mode: shallow, length: 4, init: kmeans}',
    train: '{epochs: 2, warmup_epochs: 1, batch_size: 2, lr: 0.01}',
    analysis: '{every_epochs: 1, probe_images: 4}',
    stopAtStep: 4,
  },
  {
    name: 'deep-random',
    init: 'random',
    train: '{epochs: 2, warmup_epochs: 1, batch_size: 2, lr: 0.02}',
    analysis: '{every_epochs: 2, probe_images: 3}',
    stopAtStep: 2,
  },
  {
    name: 'full',
    init: 'random',
    prompt: '{method: full}',
    train: '{epochs: 2, warmup_epochs: 1, batch_size: 3, lr: 0.001}',
    analysis: '{every_epochs: 1, probe_images: 2}',
    stopAtStep: 1,
    evalAndPredict: true,
  },
];

interface StepReads {
  part: number;
  epoch: number;
  step: number;
  /** Asynchronous reads so far when the step's event came. */
  reads: number;
}

const sha = (f: string) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');

/** What a run leaves that does not depend on timing or the process's memory: metrics, summary, checkpoints, analysis. */
function digest(runDir: string) {
  const metrics = readJsonl<Record<string, unknown>>(path.join(runDir, 'metrics.jsonl')).map(
    withoutMeasurements,
  );
  const {
    wall_seconds: _w,
    images_per_sec: _i,
    ...summary
  } = JSON.parse(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8'));
  const files = (sub: string, keep: (f: string) => boolean) => {
    const d = path.join(runDir, sub);
    if (!fs.existsSync(d)) return [];
    return fs
      .readdirSync(d)
      .filter(keep)
      .sort()
      .map((f) => `${f} ${sha(path.join(d, f))}`);
  };
  return {
    metrics,
    summary,
    checkpoints: files('checkpoints', (f) => f.endsWith('.safetensors')),
    analysis: files('analysis', (f) => !f.endsWith('.json')), // the arrays (the JSON holds timestamps)
    promptsInit: files('.', (f) => f === 'prompts_init.safetensors'),
  };
}

/** Trains (stopping and resuming where asked), evaluates and predicts; `guard` counts reads per step. */
async function runScenario(s: Scenario, guard?: SyncReadbackGuard) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-nosync-'));
  try {
    const file = writeTinyExperiment(dir, { ...s, seed: 5, pool: 'cls', outputDir: path.join(dir, 'runs') });
    const stepReads: StepReads[] = [];
    let part = 0; // 0: the run, 1: its resumption
    const control = { stop: false };
    const onEvent = (e: RunEvent) => {
      if (e.type !== 'step') return;
      stepReads.push({ part, epoch: e.line.epoch, step: e.line.step, reads: guard?.reads ?? 0 });
      if (e.line.step === s.stopAtStep) control.stop = true;
    };
    let { runDir, summary } = await trainExperiment(loadExperiment(file), { control, onEvent });
    if (s.stopAtStep !== undefined) {
      assert.equal(summary.status, 'stopped');
      part = 1;
      ({ runDir, summary } = await trainExperiment(loadExperiment(path.join(runDir, 'config.yaml')), {
        resumeDir: runDir,
        onEvent,
      }));
    }
    assert.equal(summary.status, 'finished');
    const out: Record<string, unknown> = { ...digest(runDir) };
    if (s.evalAndPredict) {
      const ev = await evaluateRun(runDir, 'val');
      out.eval = { loss: ev.loss, acc: ev.acc, n: ev.n };
      const best = JSON.parse(fs.readFileSync(path.join(runDir, 'checkpoints', 'best.json'), 'utf8'));
      const predictions = path.join(dir, 'predictions.jsonl');
      await predict(loadExperiment(path.join(runDir, 'config.yaml')), {
        images: path.join(PARITY_DIR, 'images.txt'),
        weights: path.join(runDir, 'checkpoints', best.weights),
        out: predictions,
      });
      out.predictions = fs.readFileSync(predictions, 'utf8');
    }
    return { out, stepReads };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('engine: no synchronous tensor readback (webgpu in Node has none)', function () {
  this.timeout(300_000);
  before(async () => {
    await selectBackend('wasm'); // the tiny experiments' backend: the guard patches this instance
  });

  it('the guard makes dataSync/arraySync/bufferSync throw and lets data()/array() through', async () => {
    const t = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const guard = forbidSyncReadback();
    try {
      assert.throws(() => t.dataSync(), new RegExp(SYNC_READBACK.replace(/[()]/g, '\\$&')));
      assert.throws(() => t.arraySync(), /synchronous readback/);
      assert.throws(() => t.bufferSync(), /synchronous readback/);
      assert.throws(() => (tf.backend() as unknown as { readSync(id: object): unknown }).readSync(t.dataId));
      assert.deepEqual(Array.from(await t.data()), [1, 2, 3, 4]);
      assert.deepEqual(await t.array(), [
        [1, 2],
        [3, 4],
      ]);
      // Kernels that read their inputs from host memory still run (here GatherV2 on wasm).
      const g = tf.gather(t, [1, 0]);
      assert.deepEqual(Array.from(await g.data()), [3, 4, 1, 2]);
      g.dispose();
      assert.equal(guard.reads, 3);
    } finally {
      guard.restore();
      t.dispose();
    }
    assert.deepEqual(Array.from(t.shape), [2, 2]);
    const u = tf.tensor1d([7]);
    assert.equal(u.dataSync()[0], 7, 'restored');
    u.dispose();
  });

  for (const s of SCENARIOS) {
    it(`${s.name}: the run completes with the same numbers and files, one read per training step`, async () => {
      const free = await runScenario(s);
      const guard = forbidSyncReadback();
      let guarded: Awaited<ReturnType<typeof runScenario>>;
      try {
        guarded = await runScenario(s, guard);
      } finally {
        guard.restore();
      }
      assert.deepEqual(guarded.out, free.out);
      // Between two steps of the same epoch the engine reads the device once (the step's loss,
      // predictions and parameter check together); epoch ends add validation, checkpoints, analysis.
      const r = guarded.stepReads;
      let checked = 0;
      for (let i = 1; i < r.length; i++) {
        if (r[i].part !== r[i - 1].part || r[i].epoch !== r[i - 1].epoch) continue;
        assert.equal(r[i].reads - r[i - 1].reads, 1, `device reads for step ${r[i].step}`);
        checked++;
      }
      assert.ok(checked > 0);
    });
  }
});
