/**
 * RunRecorder on a real run folder (a temp dir): each metric line is written once to metrics.jsonl and
 * the event that announces it carries that very line (step: train, epoch: val, summary: test); the
 * persisted kinds go to events.jsonl, steps do not; status and summary.json follow.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RunRecorder } from '../../../src/engine/train/run-recorder';
import { RunFolder, readJsonl } from '../../../src/run-folder/run-folder';
import type { MetricLine, RunEvent, RunSummaryFile } from '../../../src/shared/run-events';
import { PERSISTED_EVENTS } from '../../../src/shared/run-events';

describe('RunRecorder', () => {
  let dir: string;
  let events: RunEvent[];
  let rec: RunRecorder;
  let clock: number;
  const metrics = () => readJsonl<MetricLine>(path.join(dir, 'metrics.jsonl'));
  const persisted = () => readJsonl<RunEvent>(path.join(dir, 'events.jsonl'));

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-recorder-'));
    events = [];
    clock = 1000;
    rec = new RunRecorder(new RunFolder(dir), {
      onEvent: (e) => events.push(e),
      sampleMemory: () => ({ rss_mb: 321.5, tensor_mb: 12.3 }),
      now: () => clock++,
    });
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes a train line and emits the one step event that carries that very line', () => {
    const line = rec.train({ epoch: 1, step: 1, loss: 2.5, acc: 0.25, lr: 0.01, ips: 40 }, 8);
    assert.deepEqual(line, {
      t: 1000,
      epoch: 1,
      step: 1,
      split: 'train',
      loss: 2.5,
      acc: 0.25,
      lr: 0.01,
      ips: 40,
      rss_mb: 321.5,
      tensor_mb: 12.3,
    });
    assert.equal(events.length, 1);
    const e = events[0];
    assert.ok(e.type === 'step');
    assert.equal(e.line, line, 'the same object, not a copy');
    assert.equal(e.t, line.t);
    assert.equal(e.totalSteps, 8);
    assert.deepEqual(
      Object.keys(e).sort(),
      ['line', 't', 'totalSteps', 'type'],
      'no flattened loss/lr/ips/acc',
    );
    assert.deepEqual(metrics(), [line], 'metrics.jsonl holds the line as sent');
    assert.deepEqual(
      Object.keys(metrics()[0]),
      ['t', 'epoch', 'step', 'split', 'loss', 'acc', 'lr', 'ips', 'rss_mb', 'tensor_mb'],
      "metrics.jsonl's key order",
    );
    assert.deepEqual(persisted(), [], 'step events are not persisted (their lines are in metrics.jsonl)');
    assert.equal(rec.metricsLines, 1);
  });

  it('writes the val line, and the epoch event that follows carries it', () => {
    rec.train({ epoch: 1, step: 1, loss: 2, acc: 0, lr: 0.01, ips: 1 }, 1);
    const valLine = rec.val({ epoch: 1, step: 1, loss: 1.5, acc: 0.5, lr: 0.005, ips: 90 });
    assert.equal(valLine.split, 'val');
    assert.equal(events.length, 1, 'no event before the epoch is closed');
    const fields = {
      epoch: 1,
      epochs: 3,
      train: { loss: 2, acc: 0 },
      val: { loss: 1.5, acc: 0.5 },
      best: { epoch: 1, acc: 0.5 },
    };
    rec.epoch(fields, valLine);
    const e = events[1];
    assert.ok(e.type === 'epoch');
    assert.equal(e.valLine, valLine);
    assert.deepEqual(persisted(), [{ type: 'epoch', t: e.t, ...fields, valLine }]);
    assert.deepEqual(metrics().at(-1), valLine);
    assert.equal(rec.metricsLines, 2);
  });

  it('persists the PERSISTED_EVENTS kinds to events.jsonl, in order, and sends every event', () => {
    const summary: RunSummaryFile = {
      status: 'finished',
      name: 'x',
      method: 'spt-deep',
      best_epoch: 1,
      val_acc: 0.5,
      test_acc: 0.75,
      trainable_params: 10,
      total_params: 100,
      backend: 'wasm',
      images_per_sec: 3,
      wall_seconds: 1,
      seed: 0,
      epochs_completed: 1,
      skipped_images: 0,
    };
    rec.status('running');
    rec.warning('careful');
    rec.train({ epoch: 1, step: 1, loss: 2, acc: 0, lr: 0.01, ips: 1 }, 1);
    rec.emit({ type: 'checkpoint', t: 5, kind: 'last', path: 'c', epoch: 1, step: 1 });
    rec.emit({ type: 'analysis', t: 6, epoch: 1, path: 'a' });
    rec.emit({ type: 'error', t: 7, message: 'm' });
    const testLine = rec.test({ epoch: 1, step: 1, loss: 0.5, acc: 0.75, lr: 0, ips: 9 });
    rec.finish(summary, testLine);
    const kinds = events.map((e) => e.type);
    assert.deepEqual(kinds, [
      'status',
      'warning',
      'step',
      'checkpoint',
      'analysis',
      'error',
      'summary',
      'status',
    ]);
    assert.deepEqual(
      persisted().map((e) => e.type),
      kinds.filter((k) => PERSISTED_EVENTS.has(k)),
    );
    assert.ok(!PERSISTED_EVENTS.has('step'));
    assert.deepEqual(persisted(), JSON.parse(JSON.stringify(events.filter((e) => e.type !== 'step'))));
    const done = events.at(-2);
    assert.ok(done?.type === 'summary');
    assert.equal(done.testLine, testLine, 'the summary carries the test line');
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')), summary);
    const last = events.at(-1);
    assert.ok(last?.type === 'status');
    assert.equal(last.status, 'finished');
    assert.equal(last.runDir, dir);
    assert.deepEqual(
      metrics().map((l) => l.split),
      ['train', 'test'],
    );
  });

  it("a resumed run's recorder counts on from the checkpoint's line count", () => {
    const resumed = new RunRecorder(new RunFolder(dir), {
      metricsLines: 7,
      sampleMemory: () => ({ rss_mb: 1, tensor_mb: 0 }),
    });
    resumed.val({ epoch: 2, step: 4, loss: 1, acc: 1, lr: 0 });
    assert.equal(resumed.metricsLines, 8);
    const [line] = metrics();
    assert.equal(line.rss_mb, 1);
    assert.ok(Math.abs(line.t - Date.now() / 1000) < 60, 'seconds since the Unix epoch by default');
  });

  it("records the step engine's buffer bytes once set-up names the engine (engine_mb), with the real sampler", () => {
    const real = new RunRecorder(new RunFolder(dir));
    const before = real.train({ epoch: 1, step: 1, loss: 1, acc: 0, lr: 0.1, ips: 1 }, 2);
    assert.equal(before.engine_mb, undefined, 'no engine: no engine_mb');
    assert.ok(typeof before.rss_mb === 'number' && before.rss_mb > 0);
    assert.ok(typeof before.tensor_mb === 'number' && before.tensor_mb >= 0);
    real.engineBytes = () => 3 * 1024 * 1024;
    const after = real.train({ epoch: 1, step: 2, loss: 1, acc: 0, lr: 0.1, ips: 1 }, 2);
    assert.equal(after.engine_mb, 3);
    assert.deepEqual(
      metrics().map((l) => l.engine_mb),
      [undefined, 3],
    );
  });
});
