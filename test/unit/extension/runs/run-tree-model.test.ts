/** The Runs tree as data: grouping, order, labels, icons, context values, live merge. */
import * as assert from 'node:assert/strict';
import type { RunRecord } from '../../../../src/extension/runs/run-discovery';
import type { QueueEntry } from '../../../../src/extension/runs/run-queue';
import {
  buildRunTree,
  describeRun,
  formatDuration,
  mergeRun,
} from '../../../../src/extension/runs/run-tree-model';

function rec(o: Partial<RunRecord> & { runDir: string }): RunRecord {
  return {
    experiment: 'exp',
    timestamp: 'x',
    startedAt: new Date(2025, 0, 1),
    status: 'finished',
    epoch: 10,
    epochs: 10,
    bestValAcc: 0.712,
    bestEpoch: 3,
    testAcc: 0.68,
    elapsedSeconds: 252,
    method: 'spt',
    backend: 'wasm',
    lastError: null,
    resumable: false,
    ...o,
  };
}

const exists = () => true;

describe('run tree model', () => {
  it('formats durations', () => {
    assert.equal(formatDuration(12), '12s');
    assert.equal(formatDuration(252), '4m 12s');
    assert.equal(formatDuration(3780), '1h 03m');
  });

  it('groups by experiment, newest first, with labels, icons and context values', () => {
    const disk = [
      rec({ runDir: '/r/a/1', experiment: 'a', startedAt: new Date(2025, 0, 1) }),
      rec({
        runDir: '/r/a/2',
        experiment: 'a',
        startedAt: new Date(2025, 0, 3),
        status: 'failed',
        lastError: 'NaN loss',
        testAcc: null,
      }),
      rec({
        runDir: '/r/b/1',
        experiment: 'b',
        startedAt: new Date(2025, 0, 2),
        status: 'interrupted',
        epoch: 3,
        resumable: true,
      }),
    ];
    const tree = buildRunTree(disk, [], { exists });
    assert.deepEqual(
      tree.map((g) => g.label),
      ['a', 'b'],
    );
    assert.equal(tree[0].contextValue, 'experiment');
    assert.equal(tree[0].description, '2 runs');
    const [failed, finished] = tree[0].children!;
    assert.equal(failed.runDir, '/r/a/2');
    assert.equal(failed.icon, 'error');
    assert.equal(failed.description, 'failed · NaN loss');
    assert.equal(failed.contextValue, 'run run.failed');
    assert.equal(finished.icon, 'pass');
    assert.equal(finished.description, 'finished · test 68.0%');
    assert.equal(finished.label, '2025-01-01 00:00:00');
    assert.match(finished.tooltip!, /\*\*a\*\*/);
    assert.match(finished.tooltip!, /\| test acc \| 68\.0% \|/);
    const interrupted = tree[1].children![0];
    assert.equal(interrupted.icon, 'debug-pause');
    assert.equal(interrupted.contextValue, 'run run.interrupted run.resumable');
    assert.equal(interrupted.description, 'interrupted · epoch 3/10 · val 71.2% · 4m 12s');
    const kids = finished.children!;
    assert.deepEqual(
      kids.filter((k) => k.kind === 'artifact').map((k) => k.label),
      ['config.yaml', 'checkpoints/best.json'],
    );
    assert.ok(
      kids.some(
        (k) => k.kind === 'metric' && k.label === 'best val acc' && k.description === '71.2% (epoch 3)',
      ),
    );
    assert.match(finished.tooltip!, /\| best val acc \| 71\.2% \(epoch 3\) \|/);
  });

  it('merges live queue state over disk state; queued runs on top', () => {
    const now = Date.now();
    const disk = [rec({ runDir: '/r/exp/1', status: 'interrupted', epoch: 1 })];
    const live: QueueEntry[] = [
      {
        id: 'q1',
        job: { kind: 'train', file: 'exp.spt.yaml' },
        experiment: 'exp',
        state: 'running',
        enqueuedAt: now - 300_000,
        startedAt: now - 252_000,
        runDir: '/r/exp/1',
        epoch: 3,
        epochs: 10,
        bestValAcc: 0.712,
        step: 30,
        loss: 0.5,
        logFile: '/logs/q1.log',
      },
      {
        id: 'q2',
        job: { kind: 'train', file: 'exp.spt.yaml' },
        experiment: 'exp',
        state: 'queued',
        enqueuedAt: now,
      },
      {
        id: 'q3',
        job: { kind: 'train', file: 'new.spt.yaml' },
        experiment: 'new',
        state: 'cancelled',
        enqueuedAt: now,
      },
    ];
    const tree = buildRunTree(disk, live, { now, exists });
    assert.deepEqual(
      tree.map((g) => g.label),
      ['exp'],
      'cancelled entries are not shown',
    );
    assert.equal(tree[0].description, '2 runs · 1 running, 1 queued');
    const [queued, running] = tree[0].children!;
    assert.equal(queued.icon, 'clock');
    assert.equal(queued.description, 'queued');
    assert.equal(queued.contextValue, 'run run.queued run.live');
    assert.equal(running.icon, 'loading~spin');
    assert.equal(running.description, 'epoch 3/10 · val 71.2% · 4m 12s');
    assert.equal(running.contextValue, 'run run.running run.live');
    assert.ok(running.children!.some((c) => c.kind === 'artifact' && c.resourcePath === '/logs/q1.log'));
  });

  it('describes each status', () => {
    const v = mergeRun(rec({ runDir: '/r/x', status: 'stopped', epoch: 4 }), undefined, 0);
    assert.equal(describeRun(v), 'stopped · epoch 4/10 · val 71.2% · 4m 12s');
    const u = mergeRun(
      rec({ runDir: '/r/x', status: 'unreadable', unreadable: 'summary.json: bad' }),
      undefined,
      0,
    );
    assert.equal(describeRun(u), 'unreadable · summary.json: bad');
  });
});
