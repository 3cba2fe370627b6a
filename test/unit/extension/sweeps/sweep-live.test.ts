/**
 * A sweep started from VS Code shows its runs live (issue 18 point 3, issue 19 item 5): the lines of
 * `spt sweep --events` become live entries that the Runs view merges over the runs' folders, through the
 * same event-to-entry rule as the run queue's trainers; the sweep's other output is left alone.
 */
import * as assert from 'node:assert/strict';
import type { SweepRecord } from '../../../../src/extension/sweeps/sweep-discovery';
import { SweepLiveRuns } from '../../../../src/extension/sweeps/sweep-live';
import { buildSweepTree } from '../../../../src/extension/sweeps/sweep-tree-model';
import type { RunEvent } from '../../../../src/shared/run-events';
import { parseSweepRunEvent, sweepRunEventLine } from '../../../../src/shared/sweep-events';

const DIR = '/ws/runs/sweeps/s';
const RUN = 'tiny/lr=0.1/seed=0';
const line = (e: RunEvent) => sweepRunEventLine(RUN, e).trimEnd();
const epoch = (k: number): RunEvent => ({
  type: 'epoch',
  t: k,
  epoch: k,
  epochs: 30,
  train: { loss: 1, acc: 0.5 },
  val: { loss: 1, acc: 0.4 + k / 100 },
  best: { epoch: k, acc: 0.4 + k / 100 },
});

function sweepRecord(): SweepRecord {
  return {
    dir: DIR,
    name: 's',
    file: '/ws/s.sweep.yaml',
    mode: 'local',
    phase: 'search',
    total: 1,
    finished: 0,
    running: 1,
    failed: 0,
    runs: [
      {
        state: {
          name: RUN,
          task: 'tiny',
          overrides: ['train.lr=0.1'],
          seed: 0,
          config_hash: 'x',
          status: 'running',
          run_dir: null,
          phases: ['search'],
        },
      },
    ],
  } as unknown as SweepRecord;
}

describe('sweeps: live runs of a sweep started from VS Code', () => {
  it('tags and parses a run event, and leaves other lines alone', () => {
    assert.deepEqual(parseSweepRunEvent(line(epoch(3)))?.sweepRun, RUN);
    assert.equal(parseSweepRunEvent('search: 2 run(s) to train'), null);
    assert.equal(
      parseSweepRunEvent('{"sweepRun":"x","event":{"type":"epoch"}}'),
      null,
      'an event without its fields',
    );
  });

  it('follows a run from its status event through its epochs, and drops it when it ends', () => {
    const live = new SweepLiveRuns();
    assert.equal(live.takeLine(DIR, 'a table line'), false);
    assert.ok(live.takeLine(DIR, line({ type: 'status', t: 0, status: 'running', runDir: `${DIR}/run1` })));
    assert.ok(live.takeLine(DIR, line(epoch(3))));
    const e = live.get(DIR, RUN);
    assert.equal(e?.runDir, `${DIR}/run1`);
    assert.equal(e?.epoch, 3);
    assert.equal(e?.epochs, 30);

    // The Runs view shows it live (no folder read yet: the run is known only from its events).
    const [sweep] = buildSweepTree([sweepRecord()], { sweepLive: (d, r) => live.get(d, r), now: 5000 });
    const row = sweep.children?.find((c) => c.label === 'lr=0.1/seed=0');
    assert.match(row?.description ?? '', /epoch 3\/30/);

    assert.ok(live.takeLine(DIR, line({ type: 'status', t: 9, status: 'finished', runDir: `${DIR}/run1` })));
    assert.equal(live.get(DIR, RUN), undefined);
  });

  it("forgets a sweep's runs when the sweep ends", () => {
    const live = new SweepLiveRuns();
    live.takeLine(DIR, line(epoch(1)));
    live.endSweep(DIR);
    assert.equal(live.get(DIR, RUN), undefined);
  });
});
