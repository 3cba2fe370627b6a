/**
 * Live metrics: the events of a real (tiny) training run, sent as over IPC, become exactly the lines
 * of its metrics.jsonl; the watermark never delivers a line twice; the batcher posts at most every
 * interval; a follower reads what a CLI run appends.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadExperiment } from '../../../../src/config/load-config';
import { trainExperiment } from '../../../../src/engine/train/train-run';
import {
  LineBatcher,
  linesOfEvent,
  MetricWatermark,
  type Timers,
} from '../../../../src/extension/dashboard/live-metrics';
import { readMetricsFile } from '../../../../src/extension/dashboard/metrics-file';
import { RunFollower } from '../../../../src/extension/dashboard/run-follower';
import { readJsonl } from '../../../../src/run-folder/run-folder';
import { appendMetricLines, emptyMetrics } from '../../../../src/shared/metric-columns';
import type { MetricLine, RunEvent } from '../../../../src/shared/run-events';
import { writeTinyExperiment } from '../../../helpers/tiny-experiment';
import { type SyntheticRun, writeSyntheticRun } from './synthetic-run';

const train = (step: number, epoch = 0): MetricLine => ({
  t: step,
  epoch,
  step,
  split: 'train',
  loss: 1,
  acc: 0,
  lr: 0,
});
const val = (epoch: number, step: number): MetricLine => ({
  t: step,
  epoch,
  step,
  split: 'val',
  loss: 1,
  acc: 0,
  lr: 0,
});

describe('dashboard live metrics', () => {
  describe('from a real training run', function () {
    this.timeout(120_000);
    let runDir: string;
    let events: RunEvent[];
    before(async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-dash-live-'));
      const file = writeTinyExperiment(dir, {
        name: 'live',
        seed: 5,
        pool: 'cls',
        init: 'mean',
        train: '{epochs: 2, warmup_epochs: 1, batch_size: 3, lr: 0.01}',
        analysis: '{every_epochs: 0}',
        outputDir: 'runs',
      });
      events = [];
      // As the extension gets them: serialised over the IPC channel.
      const result = await trainExperiment(loadExperiment(file), {
        onEvent: (e) => events.push(JSON.parse(JSON.stringify(e)) as RunEvent),
      });
      runDir = result.runDir;
    });

    it('turns step, epoch and summary events into the lines of metrics.jsonl, exactly', () => {
      const state = { lastStep: 0 };
      const live = events.flatMap((e) => linesOfEvent(e, state));
      const disk = readJsonl<MetricLine>(path.join(runDir, 'metrics.jsonl'));
      assert.deepEqual(
        disk.map((l) => l.split),
        ['train', 'train', 'val', 'train', 'train', 'val', 'test'],
      );
      assert.deepEqual(live, disk);
    });

    it('delivers each line once when the webview read the file part way through the run', () => {
      const disk = readJsonl<MetricLine>(path.join(runDir, 'metrics.jsonl'));
      for (let k = 0; k <= disk.length; k++) {
        // The webview asked for metrics after k lines were written; every event arrives afterwards.
        const m = emptyMetrics(runDir);
        appendMetricLines(m, disk.slice(0, k));
        const mark = new MetricWatermark();
        mark.seen(m);
        const state = { lastStep: 0 };
        const sent = events.flatMap((e) => mark.fresh(linesOfEvent(e, state)));
        assert.deepEqual(sent, disk.slice(k), `after ${k} lines`);
      }
    });
  });

  it('takes the line a step event carries, and rebuilds the val line of an epoch event without one', () => {
    const state = { lastStep: 0 };
    const stepLine: MetricLine = { ...train(4, 1), lr: 0.1, ips: 3, rss_mb: 120.5, tensor_mb: 3.2 };
    const [t] = linesOfEvent({ type: 'step', t: 4, line: stepLine, totalSteps: 8 }, state);
    assert.equal(t, stepLine, 'the carried line itself, not a copy rebuilt from fields');
    assert.equal(state.lastStep, 4);
    // An epoch event as events.jsonl of runs recorded before `valLine` holds it.
    const epoch: RunEvent = {
      type: 'epoch',
      t: 5,
      epoch: 1,
      epochs: 2,
      train: { loss: 2, acc: 0.1 },
      val: { loss: 1.5, acc: 0.5 },
      best: { epoch: 1, acc: 0.5 },
    };
    const [v] = linesOfEvent(epoch, state);
    assert.deepEqual({ ...v, lr: 0 }, { t: 5, epoch: 1, step: 4, split: 'val', loss: 1.5, acc: 0.5, lr: 0 });
    assert.ok(Number.isNaN(v.lr), 'its learning rate is unknown');
    const valLine = val(1, 4);
    assert.equal(linesOfEvent({ ...epoch, valLine }, state)[0], valLine);
    assert.deepEqual(linesOfEvent({ type: 'warning', t: 1, message: 'x' }, state), []);
    assert.deepEqual(linesOfEvent({ type: 'summary', t: 1, summary: {} as never }, state), []);
  });

  it('keeps train lines by step, val lines by epoch and one test line', () => {
    const mark = new MetricWatermark();
    assert.deepEqual(mark.fresh([train(1), train(2), val(0, 2)]).length, 3);
    assert.deepEqual(mark.fresh([train(2), train(3), val(0, 2), val(1, 3)]), [train(3), val(1, 3)]);
    const test: MetricLine = { ...val(0, 3), split: 'test' };
    assert.deepEqual(mark.fresh([test, test]), [test]);
  });

  it('batches lines per run and hands them on at most every interval', () => {
    const pending: { fn: () => void; ms: number }[] = [];
    const timers: Timers = {
      setTimeout: (fn, ms) => pending.push({ fn, ms }),
      clearTimeout: () => pending.splice(0),
    };
    const out: [string, number[]][] = [];
    const b = new LineBatcher((dir, lines) => out.push([dir, lines.map((l) => l.step)]), 200, timers);
    b.push('/a', [train(1)]);
    b.push('/b', [train(7)]);
    b.push('/a', [train(2), train(3)]);
    b.push('/a', []);
    assert.equal(pending.length, 1, 'one timer for all of them');
    assert.equal(pending[0].ms, 200);
    assert.deepEqual(out, []);
    pending.shift()?.fn();
    assert.deepEqual(out, [
      ['/a', [1, 2, 3]],
      ['/b', [7]],
    ]);
    b.push('/a', [train(4)]);
    b.flushNow('/a');
    assert.deepEqual(out[2], ['/a', [4]]);
    assert.equal(pending.length, 0, 'nothing pending: the timer is cleared');
    b.push('/a', [train(5)]);
    b.dispose();
    assert.equal(out.length, 3);
  });

  describe('following a run folder', () => {
    let s: SyntheticRun;
    let follower: RunFollower | undefined;
    beforeEach(() => {
      s = writeSyntheticRun();
    });
    afterEach(() => {
      follower?.dispose();
      fs.rmSync(s.root, { recursive: true, force: true });
    });

    it('reads appended lines, new analysis epochs and state changes', () => {
      const got: { lines: MetricLine[]; analysis: number[]; changed: number } = {
        lines: [],
        analysis: [],
        changed: 0,
      };
      follower = new RunFollower(
        s.runDir,
        {
          lines: (l) => got.lines.push(...l),
          analysis: (e) => got.analysis.push(e),
          changed: () => got.changed++,
        },
        { intervalMs: 10_000 },
      );
      const metrics = path.join(s.runDir, 'metrics.jsonl');
      fs.appendFileSync(metrics, 'p":4,"split":"train","loss":1,"acc":1,"lr":0}\n');
      follower.poll();
      assert.deepEqual(got.lines, [], 'not before the webview read the metrics');
      follower.metricsFrom(readMetricsFile(s.runDir).offset);
      fs.appendFileSync(metrics, `${JSON.stringify(train(9, 2))}\n{"t"`);
      follower.poll();
      assert.deepEqual(got.lines, [train(9, 2)]);
      const indexFile = path.join(s.runDir, 'analysis', 'index.json');
      const index = JSON.parse(fs.readFileSync(indexFile, 'utf8'));
      index.epochs.push({ ...index.epochs[1], epoch: 6 }, { ...index.epochs[1], epoch: 9 });
      fs.writeFileSync(indexFile, JSON.stringify(index));
      fs.utimesSync(indexFile, new Date(), new Date(Date.now() + 5000));
      follower.noteAnalysis(9);
      follower.poll();
      assert.deepEqual(got.analysis, [6]);
      assert.equal(got.changed, 0);
      fs.appendFileSync(path.join(s.runDir, 'events.jsonl'), '{"type":"warning","t":9,"message":"x"}\n');
      fs.utimesSync(path.join(s.runDir, 'events.jsonl'), new Date(), new Date(Date.now() + 5000));
      follower.poll();
      assert.equal(got.changed, 1);
      follower.poll();
      assert.deepEqual([got.lines.length, got.analysis.length, got.changed], [1, 1, 1], 'nothing twice');
    });

    it('notices appended lines by itself (fs.watch)', async () => {
      const lines: MetricLine[] = [];
      const seen = new Promise<void>((resolve) => {
        follower = new RunFollower(
          s.runDir,
          {
            lines: (l) => {
              lines.push(...l);
              resolve();
            },
            analysis: () => {},
            changed: () => {},
          },
          { intervalMs: 20, pollMs: 100 },
        );
      });
      follower?.metricsFrom(readMetricsFile(s.runDir).offset);
      fs.appendFileSync(
        path.join(s.runDir, 'metrics.jsonl'),
        'p":4,"split":"train","loss":1,"acc":1,"lr":0}\n',
      );
      await seen;
      assert.deepEqual(
        lines.map((l) => l.step),
        [4],
      );
    });
  });
});
