/**
 * One progress truth (issue 19, item 1): the trainer's step and epoch events feed one model (the queue
 * entry's step clock, merged into the run's view), and the status bar, the Runs tree, the CodeLens and
 * the dashboard all show its one wording, `epoch 3/10 · step 75/250 · 41 img/s · ETA 2 min`.
 */
import * as assert from 'node:assert/strict';
import { applyLive } from '../../../../src/extension/dashboard/run-summary';
import {
  etaSeconds,
  formatEta,
  formatProgress,
  formatRate,
  progressRows,
  tickClock,
} from '../../../../src/extension/runs/run-progress';
import { type QueueEntry, type RunProcess, RunQueue } from '../../../../src/extension/runs/run-queue';
import {
  describeRun,
  mergeRun,
  progressText,
  tooltipOf,
} from '../../../../src/extension/runs/run-tree-model';
import { latestRunLens, statusBarText } from '../../../../src/extension/status-format';
import type { RunEvent } from '../../../../src/shared/run-events';
import type { DashboardRun } from '../../../../src/shared/webview-contract';
import type { TrainerOutcome, TrainerProcessEvent } from '../../../../src/trainer/client';

const WORDING = /^epoch \d+\/\d+ · step \d+\/\d+ · [\d.]+ img\/s · ETA \d+ (s|min)$/;

describe('run progress: one model, one wording', () => {
  it('formats epochs completed, steps, throughput and ETA, in that order, leaving out what is unknown', () => {
    assert.equal(
      formatProgress({ epoch: 3, epochs: 10, step: 75, totalSteps: 250, imagesPerSec: 41.3, etaSeconds: 95 }),
      'epoch 3/10 · step 75/250 · 41 img/s · ETA 2 min',
    );
    assert.equal(
      formatProgress({
        epoch: null,
        epochs: 10,
        step: 1,
        totalSteps: 250,
        imagesPerSec: null,
        etaSeconds: null,
      }),
      'epoch 0/10 · step 1/250',
    );
    assert.equal(
      formatProgress({
        epoch: 4,
        epochs: 4,
        step: null,
        totalSteps: null,
        imagesPerSec: null,
        etaSeconds: null,
      }),
      'epoch 4/4',
    );
    assert.equal(formatEta(40.4), 'ETA 40 s');
    assert.equal(formatEta(61), 'ETA 2 min');
    assert.equal(formatEta(3 * 3600 + 5 * 60), 'ETA 3 h 05 min');
    assert.equal(formatRate(7.25), '7.3 img/s');
    assert.deepEqual(
      progressRows({ epoch: 3, epochs: 10, step: 75, totalSteps: 250, imagesPerSec: 41, etaSeconds: 30 }).map(
        (r) => r[0],
      ),
      ['epochs completed', 'steps taken', 'throughput', 'time left'],
    );
  });

  it("estimates the time left from this process's steps and counts down between steps", () => {
    let clock = tickClock(undefined, 101, 40, 0); // a resumed run: its first step here is 101
    assert.equal(etaSeconds(clock, 200, 0), null, 'one step: no rate yet');
    clock = tickClock(clock, 111, undefined, 20_000); // 10 steps in 20 s
    assert.equal(clock.ips, 40, 'keeps the last throughput');
    const spike = tickClock(clock, 112, 4000, 22_000);
    assert.ok(
      spike.ips !== null && spike.ips > 40 && spike.ips < 50,
      `one fast step moves it a little: ${spike.ips}`,
    );
    assert.equal(etaSeconds(clock, 200, 20_000), 178);
    assert.equal(etaSeconds(clock, 200, 30_000), 168);
    assert.equal(etaSeconds(clock, 200, 10_000_000), 0);
    const restarted = tickClock(clock, 5, 30, 40_000);
    assert.deepEqual(restarted, { firstStep: 5, firstAt: 40_000, step: 5, at: 40_000, ips: 30 });
  });

  it('the status bar, the Runs tree, the CodeLens and the dashboard say the same, fed by trainer events', () => {
    const listeners = new Set<(e: TrainerProcessEvent) => void>();
    let finish: (o: TrainerOutcome) => void = () => {};
    const proc: RunProcess = {
      onEvent: (l) => {
        listeners.add(l);
        return { dispose: () => listeners.delete(l) };
      },
      start() {},
      stop: async () => ({ kind: 'stopped' }) as unknown as TrainerOutcome,
      done: new Promise<TrainerOutcome>((r) => {
        finish = r;
      }),
    };
    const queue = new RunQueue({ createProcess: () => proc });
    const id = queue.enqueue({ kind: 'train', file: '/w/exp/cub.spt.yaml' });
    const send = (event: RunEvent) => {
      for (const l of listeners) l({ type: 'run', event });
    };
    for (const l of listeners) l({ type: 'started', runDir: '/w/runs/cub/20261206-120000' });
    const step = (n: number) =>
      send({
        type: 'step',
        t: n,
        line: { t: n, epoch: 4, step: n, split: 'train', loss: 0.5, acc: 0.5, lr: 0.01, ips: 41 },
        totalSteps: 250,
      });
    step(70);
    send({
      type: 'epoch',
      t: 1,
      epoch: 3,
      epochs: 10,
      train: { loss: 1, acc: 0.5 },
      val: { loss: 1, acc: 0.7 },
      best: { epoch: 3, acc: 0.7 },
    });
    step(75);
    const entry = queue.get(id) as QueueEntry;
    const now = (entry.clock?.at ?? 0) + 0;
    const view = mergeRun(undefined, entry, now);
    const text = progressText(view);
    assert.match(text, WORDING);
    assert.ok(text.startsWith('epoch 3/10 · step 75/250 · 41 img/s · ETA '), text);

    assert.equal(statusBarText(view), `cub · ${text}`);
    assert.equal(describeRun(view), `val 70.0% · ${text}`);
    assert.match(tooltipOf(view), /\| epochs completed \| 3\/10 \|/);
    assert.equal(
      latestRunLens([view], 'cub')?.title,
      `latest run: running · ${text} · best val 70.0% · 1 run`,
    );
    const dashboard = { epoch: null, epochs: null } as unknown as DashboardRun;
    applyLive(dashboard, view);
    assert.equal(dashboard.progress, text);
    assert.equal(dashboard.epoch, 3);
    finish({ kind: 'finished' } as unknown as TrainerOutcome);
    void queue.dispose();
  });
});
