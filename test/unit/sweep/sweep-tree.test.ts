/** Sweeps in the Runs view: found on disk, a parent with progress, tasks, runs by name, pending runs. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { discoverRuns } from '../../../src/extension/runs/run-discovery';
import { RunsIndex } from '../../../src/extension/runs/runs-index';
import { discoverSweeps, sweepDirOf } from '../../../src/extension/sweeps/sweep-discovery';
import { buildSweepTree, sweepProgress, sweepRunDirs } from '../../../src/extension/sweeps/sweep-tree-model';
import type { SweepRunState, SweepState } from '../../../src/shared/sweep-state';

const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-sweep-tree-'));
const sweepDir = path.join(runsDir, 'sweeps', 'grid');

function run(
  name: string,
  status: SweepRunState['status'],
  phases: SweepRunState['phases'] = ['search'],
): SweepRunState {
  const [task, setting, seed] = name.split('/');
  let runDir: string | null = null;
  if (status !== 'pending') {
    runDir = path.join(sweepDir, task, setting, seed, 'tiny', '20260101-000000');
    fs.mkdirSync(runDir, { recursive: true });
    fs.writeFileSync(
      path.join(runDir, 'summary.json'),
      JSON.stringify({
        status,
        name: 'tiny',
        val_acc: 0.5,
        test_acc: 0.25,
        epochs_completed: 2,
        method: 'spt',
      }),
    );
  }
  return {
    name,
    task,
    setting,
    seed: Number(seed.split('=')[1]),
    phases,
    overrides: [`train.${setting}`],
    config_hash: 'h',
    status,
    val_acc: null,
    test_acc: null,
    run_dir: runDir,
  };
}

describe('sweeps in the Runs view', () => {
  before(() => {
    const state: SweepState = {
      version: 1,
      name: 'grid',
      file: '/w/grid.sweep.yaml',
      experiment: '/w/tiny.spt.yaml',
      dir: sweepDir,
      mode: 'local',
      phase: 'search',
      select: { metric: 'val_acc', mode: 'max' },
      final_seeds: [0, 1],
      total: 8,
      runs: [
        run('a/lr=0.1/seed=0', 'finished', ['search', 'final']),
        run('a/lr=0.01/seed=0', 'failed'),
        run('b/lr=0.1/seed=0', 'finished'),
        run('b/lr=0.01/seed=0', 'pending'),
      ],
      tasks: [],
      updated: '2026-01-01T00:00:00.000Z',
    };
    fs.mkdirSync(sweepDir, { recursive: true });
    fs.writeFileSync(path.join(sweepDir, 'sweep.json'), JSON.stringify(state));
    fs.writeFileSync(path.join(sweepDir, 'results.md'), '# table\n');
  });

  it('finds sweeps under <runs>/sweeps/ and keeps their runs out of the plain experiments', () => {
    const [s] = discoverSweeps(runsDir);
    assert.equal(s.name, 'grid');
    assert.deepEqual([s.total, s.finished, s.failed, s.running], [8, 2, 1, 0]);
    assert.equal(s.runs[0].record?.status, 'finished');
    assert.equal(s.runs[3].record, undefined);
    assert.deepEqual(discoverRuns(runsDir), [], 'sweep runs are not experiments of their own');
    assert.equal(sweepDirOf(s.runs[0].state.run_dir!), sweepDir);
    assert.equal(sweepDirOf(path.join(runsDir, 'tiny', '20260101-000000')), undefined);
  });

  it('shows a sweep as a parent with its progress, tasks and runs by name', () => {
    const [node] = buildSweepTree(discoverSweeps(runsDir), { exists: () => false });
    assert.equal(node.kind, 'sweep');
    assert.equal(node.label, 'grid');
    assert.equal(node.description, '2 of 8 finished · 1 failed');
    assert.equal(node.contextValue, 'sweep sweep.results');
    assert.equal(node.runDir, sweepDir);
    const [results, a, b] = node.children!;
    assert.equal(results.label, 'results.md');
    assert.equal(results.resourcePath, path.join(sweepDir, 'results.md'));
    assert.deepEqual([a.kind, a.label, a.description], ['task', 'a', '1 of 2 finished']);
    const [won, lost] = a.children!;
    assert.equal(won.label, 'lr=0.1/seed=0');
    assert.match(won.description ?? '', /^search \+ final · test 25\.0% · finished/);
    assert.match(won.contextValue, /^run run\.finished/);
    assert.match(lost.contextValue, /^run run\.failed/);
    const pending = b.children![1];
    assert.deepEqual(
      [pending.label, pending.contextValue, pending.icon],
      ['lr=0.01/seed=0', 'sweep.run.pending', 'clock'],
    );
    assert.deepEqual(sweepRunDirs(node).length, 3, 'the runs that have a folder, for Compare Sweep Runs');
    assert.equal(
      sweepProgress({ finished: 6, total: 6, running: 0, failed: 0, phase: 'done' }),
      '6 of 6 finished · table written',
    );
  });

  it('is listed by the runs index of the folder', () => {
    const index = new RunsIndex({ debounceMs: 10 });
    try {
      index.setFolders([runsDir]);
      assert.deepEqual(
        index.sweeps().map((s) => s.name),
        ['grid'],
      );
      assert.deepEqual(index.records(), []);
    } finally {
      index.dispose();
    }
  });
});
