/** Config hashes and what a sweep run's folders say: skip, resume, busy, run again. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runAction } from '../../../src/cli/sweep/sweep-session';
import { loadExperiment } from '../../../src/config/load-config';
import { acquireRunLock } from '../../../src/run-folder/run-lock';
import { configHash, runFolderState, runFoldersUnder } from '../../../src/run-folder/sweep-run-state';
import { PARITY_DIR } from '../../helpers/parity-fixtures';
import { writeTinyExperiment } from '../../helpers/tiny-experiment';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-runstate-'));
const exp = writeTinyExperiment(tmp, {
  name: 'tiny',
  seed: 0,
  pool: 'cls',
  init: 'random',
  train: '{epochs: 1, warmup_epochs: 0, batch_size: 3, lr: 0.01}',
  analysis: '{every_epochs: 0}',
  outputDir: './runs',
});
const hashWith = (...o: string[]) => configHash(loadExperiment(exp, o));

/** A run folder under `nameDir` with the given config overrides, summary status and checkpoint. */
function fakeRun(
  nameDir: string,
  stamp: string,
  o: { set?: string[]; status?: string; last?: boolean },
): string {
  const dir = path.join(nameDir, 'tiny', stamp);
  fs.mkdirSync(path.join(dir, 'checkpoints'), { recursive: true });
  let text = fs.readFileSync(exp, 'utf8');
  for (const s of o.set ?? []) text += `\n# ${s}`;
  if (o.set?.includes('train.lr=0.1')) text = text.replace('lr: 0.01', 'lr: 0.1');
  fs.writeFileSync(path.join(dir, 'config.yaml'), text);
  if (o.status)
    fs.writeFileSync(
      path.join(dir, 'summary.json'),
      JSON.stringify({
        status: o.status,
        val_acc: 0.5,
        test_acc: 0.4,
        ...(o.status === 'failed' ? { error: 'boom' } : {}),
      }),
    );
  if (o.last) fs.writeFileSync(path.join(dir, 'checkpoints', 'last.json'), '{}');
  return dir;
}

describe('sweep run state', () => {
  it('hashes what changes the numbers, not where or how a run is written', () => {
    const h = hashWith();
    assert.match(h, /^[0-9a-f]{16}$/);
    assert.equal(
      hashWith('name=other', 'output.dir=/elsewhere', 'device.backend=cpu', 'analysis.every_epochs=3'),
      h,
    );
    assert.equal(
      hashWith(`data.root=${path.relative(tmp, PARITY_DIR)}`),
      h,
      'a relative root to the same folder',
    );
    assert.notEqual(hashWith('train.lr=0.1'), h);
    assert.notEqual(hashWith('seed=1'), h);
    assert.notEqual(hashWith('train.weight_decay=0.01'), hashWith('train.weight_decay=0.02'));
  });

  it('finds the finished run with the same config; ignores runs of an edited config', () => {
    const nameDir = path.join(tmp, 'a');
    const h = hashWith();
    assert.deepEqual(runFolderState(nameDir, h), { state: 'missing' });
    const old = fakeRun(nameDir, '20260101-000000', { status: 'finished' });
    fakeRun(nameDir, '20260102-000000', { status: 'failed' });
    fakeRun(nameDir, '20260103-000000', { set: ['train.lr=0.1'], status: 'finished' });
    assert.deepEqual(
      runFoldersUnder(nameDir).map((d) => path.basename(d)),
      ['20260103-000000', '20260102-000000', '20260101-000000'],
    );
    const s = runFolderState(nameDir, h);
    assert.equal(s.state, 'finished');
    assert.equal(s.state === 'finished' && s.runDir, old);
    assert.equal(runFolderState(nameDir, hashWith('train.weight_decay=0.5')).state, 'missing');
  });

  it('resumes an interrupted or stopped run, reruns a failed one, leaves a locked one alone', () => {
    const h = hashWith();
    const b = path.join(tmp, 'b');
    const interrupted = fakeRun(b, '20260101-000000', { last: true });
    assert.deepEqual(runFolderState(b, h), { state: 'resumable', runDir: interrupted });
    const lock = acquireRunLock(interrupted, 'a test');
    assert.deepEqual(runFolderState(b, h), { state: 'running', runDir: interrupted });
    lock.release();
    const c = path.join(tmp, 'c');
    const stopped = fakeRun(c, '20260101-000000', { status: 'stopped', last: true });
    assert.equal(runFolderState(c, h).state, 'resumable');
    const failed = fakeRun(c, '20260101-000001', { status: 'failed', last: true });
    const f = runFolderState(c, h);
    assert.deepEqual(f, { state: 'failed', runDir: failed, error: 'boom' });
    // Killed before its first checkpoint (no summary yet): restarted in the same folder from its config.yaml.
    const early = fakeRun(path.join(tmp, 'd'), '20260101-000000', {});
    assert.deepEqual(runFolderState(path.join(tmp, 'd'), h), { state: 'resumable', runDir: early });
    // Failed before its first checkpoint: run again, in a new folder.
    const failedEarly = fakeRun(path.join(tmp, 'd2'), '20260101-000000', { status: 'failed' });
    assert.deepEqual(runFolderState(path.join(tmp, 'd2'), h), {
      state: 'failed',
      runDir: failedEarly,
      error: 'boom',
    });
    assert.ok(stopped);

    const fresh = runAction(path.join(tmp, 'e'), h, exp, ['train.lr=0.01', 'seed=0']);
    assert.deepEqual(fresh, {
      action: 'run',
      job: {
        kind: 'train',
        file: exp,
        overrides: ['train.lr=0.01', 'seed=0', `output.dir=${path.join(tmp, 'e')}`],
      },
      resume: null,
    });
    assert.deepEqual(runAction(b, h, exp, []), {
      action: 'run',
      job: { kind: 'train', resume: interrupted },
      resume: interrupted,
    });
    assert.equal(runAction(path.join(tmp, 'a'), h, exp, []).action, 'skip');
  });
});
