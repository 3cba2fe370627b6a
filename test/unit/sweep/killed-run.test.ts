/**
 * A sweep whose trainer was SIGKILLed (as an OOM kill or a lost Slurm node does) after it saved a
 * checkpoint: the folder it leaves says `running`, with a dead lock holder and checkpoints/last.json.
 * The next `spt sweep` must resume that folder (its --dry-run plans `resume`), not train the run
 * again in a new one. The folder is made by a real trainer killed with SIGKILL (SPT_TEST_FAULT).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readJsonl } from '../../../src/run-folder/run-folder';
import { runLockHolder } from '../../../src/run-folder/run-lock';
import { runResumeState } from '../../../src/run-folder/run-resume';
import { runFolderState } from '../../../src/run-folder/sweep-run-state';
import type { MetricLine, RunSummaryFile } from '../../../src/shared/run-events';
import { ROOT, readState, runFolders, spt, writeSweep } from './sweep-fixture';

const summaryOf = (runDir: string): RunSummaryFile =>
  JSON.parse(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8'));

describe('spt sweep after a trainer was SIGKILLed', function () {
  this.timeout(300_000);

  before(function () {
    if (!fs.existsSync(path.join(ROOT, 'dist', 'cli.js'))) this.skip();
  });

  it('resumes the killed run in its own folder (a running summary, a dead lock holder, a last checkpoint)', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-sweep-killed-'));
    const { file, sweepDir } = writeSweep(tmp);
    // One run of 3 epochs of 2 steps; the trainer kills itself (SIGKILL) at step 3, the first step of
    // epoch 2, after epoch 1's checkpoint was saved.
    fs.writeFileSync(file, 'experiment: ./tiny.spt.yaml\ngrid:\n  train.epochs: [3]\n');
    const killed = spt(['sweep', file], { env: { ...process.env, SPT_TEST_FAULT: 'train:step@3:kill' } });
    assert.notEqual(killed.code, 0, 'the sweep reports the killed trainer');
    const [runDir] = runFolders(sweepDir);
    assert.ok(runDir, `no run folder: ${killed.stderr}`);

    // What a killed trainer leaves behind.
    assert.equal(summaryOf(runDir).status, 'running');
    assert.ok(fs.existsSync(path.join(runDir, 'run.lock')), 'the lock of the killed trainer is left');
    assert.equal(runLockHolder(runDir), null, 'its holder is dead');
    assert.ok(fs.existsSync(path.join(runDir, 'checkpoints', 'last.json')));
    const before = readJsonl<MetricLine>(path.join(runDir, 'metrics.jsonl'));
    assert.deepEqual(
      before.map((m) => m.split),
      ['train', 'train', 'val', 'train'],
      'epoch 1 was completed, then the trainer died in the first step of epoch 2',
    );

    // One verdict: the extension's rule and the sweep's.
    assert.deepEqual(runResumeState(runDir, 'running'), {
      status: 'interrupted',
      live: false,
      resume: 'checkpoint',
    });
    const [run] = readState(sweepDir).runs;
    assert.equal(
      runFolderState(path.join(sweepDir, ...run.name.split('/')), run.config_hash).state,
      'resumable',
    );

    const plan = spt(['sweep', file, '--dry-run']);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /seed=0 +resume /);

    const again = spt(['sweep', file]);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(runFolders(sweepDir), [runDir], 'the same run folder, continued; no new one');
    const summary = summaryOf(runDir);
    assert.equal(summary.status, 'finished');
    assert.equal(summary.epochs_completed, 3);
    const after = readJsonl<MetricLine>(path.join(runDir, 'metrics.jsonl'));
    assert.deepEqual(
      after.map((m) => m.split),
      ['train', 'train', 'val', 'train', 'train', 'val', 'train', 'train', 'val', 'test'],
    );
    assert.deepEqual(after.slice(0, 3), before.slice(0, 3), 'the completed epoch is kept as it was');
    assert.equal(readState(sweepDir).runs[0].status, 'finished');
  });
});
