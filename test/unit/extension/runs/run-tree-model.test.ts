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
    const annotate = (dir: string) => ({
      seed: dir === '/r/a/1' ? 7 : null,
      note: dir === '/r/a/1' ? { note: '#baseline first try', tags: ['baseline'] } : null,
    });
    const tree = buildRunTree(disk, [], { exists, annotate });
    assert.deepEqual(
      tree.map((g) => g.label),
      ['a', 'b'],
    );
    assert.equal(tree[0].contextValue, 'experiment');
    assert.equal(tree[0].description, '2 runs');
    const [failed, finished] = tree[0].children!;
    assert.equal(failed.runDir, '/r/a/2');
    assert.equal(failed.icon, 'error');
    assert.equal(failed.description, 'val 71.2% · failed · NaN loss · 01-03 00:00');
    assert.equal(failed.label, 'a', 'no seed known: the name alone');
    assert.equal(failed.contextValue, 'run run.failed');
    assert.equal(finished.icon, 'pass');
    // The row leads with the run's name and seed, then its key metric; the time comes last.
    assert.equal(finished.label, 'a · seed 7');
    assert.equal(finished.description, 'test 68.0% · finished · #baseline · 01-01 00:00');
    assert.match(finished.tooltip!, /\*\*a\*\* · started 2025-01-01 00:00:00/);
    assert.match(finished.tooltip!, /\| seed \| 7 \|/);
    assert.match(finished.tooltip!, /\*\*Note:\*\* #baseline first try/);
    assert.match(finished.tooltip!, /\| test acc \| 68\.0% \|/);
    const interrupted = tree[1].children![0];
    assert.equal(interrupted.icon, 'debug-pause');
    assert.equal(interrupted.contextValue, 'run run.interrupted run.resumable');
    assert.equal(interrupted.description, 'test 68.0% · interrupted · epoch 3/10 · 4m 12s · 01-02 00:00');
    const kids = finished.children!;
    assert.deepEqual(
      kids.filter((k) => k.kind === 'artifact').map((k) => k.label),
      ['config.yaml'],
      'no checkpoints/best.json row',
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
    const tree = buildRunTree(disk, live, { now, exists, annotate: () => ({ seed: 1, note: null }) });
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
    assert.equal(running.label, 'exp · seed 1');
    assert.equal(running.description, 'test 68.0% · epoch 3/10 · 01-01 00:00');
    assert.equal(running.contextValue, 'run run.running run.live');
    assert.ok(running.children!.some((c) => c.kind === 'artifact' && c.resourcePath === '/logs/q1.log'));
  });

  it('describes each status', () => {
    const v = mergeRun(rec({ runDir: '/r/x', status: 'stopped', epoch: 4 }), undefined, 0);
    assert.equal(describeRun(v), 'test 68.0% · stopped · epoch 4/10 · 4m 12s');
    const u = mergeRun(
      rec({ runDir: '/r/x', status: 'unreadable', unreadable: 'summary.json: bad' }),
      undefined,
      0,
    );
    assert.equal(describeRun(u), 'unreadable · summary.json: bad');
  });

  it('sorts runs and experiments by best val accuracy, and filters by name, seed, status, note and tags', () => {
    const disk = [
      rec({ runDir: '/r/a/1', experiment: 'a', startedAt: new Date(2025, 0, 1), bestValAcc: 0.9 }),
      rec({ runDir: '/r/a/2', experiment: 'a', startedAt: new Date(2025, 0, 3), bestValAcc: 0.5 }),
      rec({ runDir: '/r/b/1', experiment: 'b', startedAt: new Date(2025, 0, 2), bestValAcc: 0.95 }),
      rec({
        runDir: '/r/b/2',
        experiment: 'b',
        startedAt: new Date(2025, 0, 4),
        bestValAcc: null,
        testAcc: null,
      }),
    ];
    const annotate = (dir: string) => ({
      seed: Number(dir.slice(-1)),
      note: dir === '/r/a/2' ? { note: 'lr 0.1 #sweep', tags: ['sweep'] } : null,
    });
    const order = (t: ReturnType<typeof buildRunTree>) => t.flatMap((g) => g.children!.map((r) => r.runDir));
    assert.deepEqual(order(buildRunTree(disk, [], { exists, annotate })), [
      '/r/b/2',
      '/r/b/1',
      '/r/a/2',
      '/r/a/1',
    ]);
    assert.deepEqual(order(buildRunTree(disk, [], { exists, annotate, sort: 'valAcc' })), [
      '/r/b/1',
      '/r/b/2',
      '/r/a/1',
      '/r/a/2',
    ]);
    const only = (filter: string) => order(buildRunTree(disk, [], { exists, annotate, filter }));
    assert.deepEqual(only('#sweep'), ['/r/a/2']);
    assert.deepEqual(only('FINISHED #Sweep'), ['/r/a/2'], 'every word, case-insensitive');
    assert.deepEqual(only('seed 2 #SWEEP'), ['/r/a/2']);
    assert.deepEqual(only('b'), ['/r/b/2', '/r/b/1']);
    assert.deepEqual(only('nothing-matches'), []);
    assert.equal(
      buildRunTree(disk, [], { exists, annotate, filter: '#sweep' }).length,
      1,
      'empty experiments hidden',
    );
  });
});
