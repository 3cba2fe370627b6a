/**
 * `spt train --resume` as users run it (issue 14, items 15 and 21), real child processes of
 * bin/spt.js on the tiny parity experiment: it says where it continues ("resuming from epoch E,
 * step S": S the last step done, E its epoch counted from 1), and a finished run is left untouched
 * (said so, exit 0).
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resumeMessage } from '../../../src/engine/run/resume-point';
import type { RunSummaryFile } from '../../../src/shared/run-events';
import { writeTinyExperiment } from '../../helpers/tiny-experiment';

const ROOT = path.join(__dirname, '..', '..', '..');
const CLI = path.join(ROOT, 'bin', 'spt.js');

function spt(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, ...env },
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

function experiment(dir: string, epochs: number): string {
  return writeTinyExperiment(dir, {
    name: 'cli-resume',
    seed: 5,
    pool: 'mean',
    init: 'random',
    train: `{epochs: ${epochs}, warmup_epochs: 1, batch_size: 2, lr: 0.02}`,
    analysis: '{every_epochs: 0}',
    outputDir: path.join(dir, 'runs'),
  });
}

const runDirOf = (dir: string) => {
  const base = path.join(dir, 'runs', 'cli-resume');
  return path.join(base, fs.readdirSync(base)[0]);
};

/** Every file under `dir` with its bytes' hash and mtime: any write shows. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const f = path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
    const st = fs.statSync(f);
    out[path.relative(dir, f)] = e.isFile()
      ? `${createHash('sha256').update(fs.readFileSync(f)).digest('hex')}@${st.mtimeMs}`
      : 'dir';
  }
  out['.'] = `dir@${fs.statSync(dir).mtimeMs}`;
  return out;
}

describe('spt train --resume (issue 14 items 15, 21)', function () {
  this.timeout(300_000);
  before(function () {
    if (!fs.existsSync(path.join(ROOT, 'dist', 'cli.js'))) this.skip();
  });

  it('prints "resuming from epoch E, step S" with the last checkpoint\'s position', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-cli-resume-'));
    const file = experiment(dir, 3);
    // 6 images, batch 2: 3 steps per epoch. Killed after step 5: the last checkpoint is the end of epoch 1.
    const killed = spt(['train', file], { SPT_TEST_FAULT: 'train:step@5:kill' });
    assert.equal(killed.signal, 'SIGKILL', killed.stderr);
    const run = runDirOf(dir);
    const last = JSON.parse(fs.readFileSync(path.join(run, 'checkpoints', 'last.json'), 'utf8'));
    assert.deepEqual(last.position, { epoch: 1, stepInEpoch: 0, globalStep: 3 });
    const r = spt(['train', '--resume', run]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /resuming from epoch 1\/3, step 3 \(the last checkpoint, at the end of epoch 1: training continues with epoch 2\)/,
    );
    assert.ok(r.stderr.includes(run), 'names the run folder');
  });

  it('words a mid-epoch and an end-of-training checkpoint too', () => {
    assert.equal(
      resumeMessage({ epoch: 4, stepInEpoch: 7, globalStep: 47 }, 10),
      'resuming from epoch 5/10, step 47 (the last checkpoint, 7 steps into epoch 5)',
    );
    assert.equal(
      resumeMessage({ epoch: 0, stepInEpoch: 1, globalStep: 1 }, 2),
      'resuming from epoch 1/2, step 1 (the last checkpoint, 1 step into epoch 1)',
    );
    assert.equal(
      resumeMessage({ epoch: 2, stepInEpoch: 0, globalStep: 6 }, 2),
      'resuming from epoch 2/2, step 6 (the last checkpoint, every epoch done: the test evaluation is left)',
    );
  });

  it('leaves a finished run untouched, says so and exits 0', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-cli-done-'));
    const first = spt(['train', experiment(dir, 2)]);
    assert.equal(first.code, 0, first.stderr);
    const run = runDirOf(dir);
    const summary: RunSummaryFile = JSON.parse(fs.readFileSync(path.join(run, 'summary.json'), 'utf8'));
    assert.equal(summary.status, 'finished');
    assert.ok(summary.images_per_sec > 0);
    const before = snapshot(run);
    const r = spt(['train', '--resume', run]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /finished earlier: nothing to resume; the run is left as it is/);
    assert.doesNotMatch(r.stderr, /resuming from/);
    assert.deepEqual(snapshot(run), before, 'no file of the run folder was written');
    const after: RunSummaryFile = JSON.parse(fs.readFileSync(path.join(run, 'summary.json'), 'utf8'));
    assert.equal(after.images_per_sec, summary.images_per_sec);
  });
});
