/** The status bar's pure model: the active run in the one progress wording from its first step (issue 19). */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { plannedEpochs } from '../../../../src/extension/runs/run-discovery';
import { applyRunEvent } from '../../../../src/extension/runs/run-queue';
import { mergeRun, progressText } from '../../../../src/extension/runs/run-tree-model';
import { activeEntry, statusBarState, statusBarText } from '../../../../src/extension/runs/status-bar-model';
import { RUN_FILES } from '../../../../src/run-folder/layout';
import { queueEntry } from './helpers';

describe('extension: status bar model', () => {
  it('shows the run name once, then the one progress wording (epochs completed, steps, throughput, ETA)', () => {
    const clock = { firstStep: 1, firstAt: 0, step: 10, at: 18_000, ips: 41.2 };
    const live = queueEntry({
      experiment: 'exp',
      startedAt: 0,
      step: 10,
      totalSteps: 40,
      epoch: 1,
      epochs: 4,
      loss: 0.51234,
      clock,
    });
    assert.equal(
      statusBarText(mergeRun(undefined, live, 18_000)),
      'exp · epoch 1/4 · step 10/40 · 41 img/s · ETA 1 min',
    );
    assert.equal(statusBarText(mergeRun(undefined, queueEntry({ experiment: 'exp' }), 0)), 'exp · starting');
    assert.equal(
      statusBarText(mergeRun(undefined, queueEntry({ experiment: 'exp', state: 'queued' }), 0)),
      'exp · queued',
    );
  });

  it('follows the running entry started last', () => {
    const e = activeEntry([
      queueEntry({ id: 'q', state: 'queued' }),
      queueEntry({ id: 'r1', startedAt: 1 }),
      queueEntry({ id: 'r2', startedAt: 2 }),
      queueEntry({ id: 'f', state: 'finished', startedAt: 3 }),
    ]);
    assert.equal(e?.id, 'r2');
    assert.equal(activeEntry([queueEntry({ state: 'stopped' })]), undefined);
  });

  it('says `epoch 0/N` with `step 1/M` from the first step, before any epoch event or index read', () => {
    const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-status-bar-'));
    try {
      fs.writeFileSync(path.join(runDir, RUN_FILES.config), 'name: cub\ntrain:\n  epochs: 10\n');
      const e = queueEntry({ runDir });
      applyRunEvent(
        e,
        {
          type: 'step',
          t: 1,
          totalSteps: 40,
          line: { t: 1, epoch: 1, step: 1, split: 'train', loss: 1, acc: 0.5, lr: 0.1, ips: 41 },
        },
        1000,
      );
      // The view as SptContext.views() has it while the runs index has not read the new folder yet.
      const view = mergeRun(undefined, e, 1000);
      assert.equal(view.epochs, null, 'the live entry alone does not know the planned epochs');
      assert.equal(progressText(view), 'step 1/40 · 41 img/s', 'the gap this model closes');
      const state = statusBarState([e], [view], plannedEpochs);
      assert.ok(state);
      assert.equal(state.text, 'cub · epoch 0/10 · step 1/40 · 41 img/s');
      assert.deepEqual(state.command, {
        command: 'spt.openDashboard',
        title: 'Open Dashboard',
        arguments: [runDir],
      });
      assert.match(state.tooltip, /\*\*SPT run:\*\* cub/);
    } finally {
      fs.rmSync(runDir, { recursive: true, force: true });
    }
  });

  it('keeps what the run knows, counts the other live runs, and hides when nothing runs', () => {
    const a = queueEntry({ id: 'a', startedAt: 1, epoch: 3, epochs: 10, step: 75, totalSteps: 250 });
    const b = queueEntry({ id: 'b', startedAt: 2, experiment: 'vpt', runDir: undefined });
    const q = queueEntry({ id: 'c', state: 'queued', startedAt: undefined });
    const never = () => {
      throw new Error('planned epochs are read only when the view lacks them');
    };
    const one = statusBarState([a], [mergeRun(undefined, a, 0)], never);
    assert.equal(one?.text, 'cub · epoch 3/10 · step 75/250');
    // The running one started last is followed; the others are counted.
    const views = [a, b, q].map((x) => mergeRun(undefined, x, 0));
    const three = statusBarState([a, b, q], views, () => null);
    assert.equal(three?.text, 'vpt · starting (+2)');
    assert.deepEqual(three?.command, { command: 'workbench.view.extension.spt', title: 'Show Runs' });
    assert.equal(statusBarState([q, queueEntry({ state: 'finished' })], [], never), null);
    // No view of the entry yet: its name and `starting`.
    assert.equal(statusBarState([a], [], never)?.text, 'cub · starting');
  });
});
