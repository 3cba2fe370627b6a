/**
 * A run stopped before its first checkpoint (SIGKILL or OOM while SPT initialises or in epoch 1, a full
 * disk): `spt train --resume` starts it again from its config.yaml in the same folder, with the
 * numbers of an uninterrupted run. Where config.yaml is missing or torn, the message says to start
 * again and how. Every command a message advises is run, and must work. Real `spt train` processes;
 * the kill and ENOSPC points come from SPT_TEST_FAULT.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analysedEpochs } from '../../../src/engine/analysis/analyse-checkpoint';
import { readRunRecord } from '../../../src/extension/runs/run-discovery';
import { RunResumeError, savedRunConfig } from '../../../src/run-folder/run-resume';
import type { MetricLine, RunSummaryFile } from '../../../src/shared/run-events';
import {
  comparable,
  faultExperiment,
  hasDist,
  listFiles,
  metricsOf,
  removeScratch,
  runDirIn,
  spt,
  tmpDir,
} from '../reliability/harness';

const summaryOf = (runDir: string): RunSummaryFile =>
  JSON.parse(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8'));

/** The `spt ...` command between backquotes in a message, as arguments. */
function advised(stderr: string): string[] {
  const m = /`spt ([^`]+)`/.exec(stderr);
  assert.ok(m, `no command advised in: ${stderr}`);
  return m[1].split(' ');
}

describe('a run stopped before its first checkpoint', function () {
  this.timeout(240_000);
  let reference: MetricLine[];
  let refSummary: RunSummaryFile;

  before(async function () {
    if (!hasDist()) this.skip();
    const dir = tmpDir();
    const r = await spt(['train', faultExperiment(dir)]);
    assert.equal(r.code, 0, r.stderr);
    const refDir = runDirIn(path.join(dir, 'runs'));
    reference = metricsOf(refDir);
    refSummary = summaryOf(refDir);
  });
  after(removeScratch);

  /** The run in `runDir` was finished by a restart: the uninterrupted run's numbers and files. */
  function checkSameAsUninterrupted(runDir: string, what: string): void {
    assert.deepEqual(comparable(metricsOf(runDir)), comparable(reference), `${what}: metrics`);
    const s = summaryOf(runDir);
    assert.equal(s.status, 'finished', what);
    assert.equal(s.test_acc, refSummary.test_acc, what);
    assert.equal(s.val_acc, refSummary.val_acc, what);
    assert.equal(s.best_epoch, refSummary.best_epoch, what);
    assert.deepEqual(analysedEpochs(runDir), [0, 2, 4], `${what}: analysis`);
    assert.deepEqual(
      listFiles(runDir).filter((f) => /\.tmp$|run\.lock/.test(f)),
      [],
      `${what}: no temporary file or lock left`,
    );
  }

  for (const [what, fault] of [
    ['SIGKILL in the first epoch', 'train:step@2:kill'],
    [
      'SIGKILL while SPT initialises (writing the initial prompts)',
      'write:*prompts_init.safetensors:data@1:kill',
    ],
  ]) {
    it(`${what}: interrupted and resumable; --resume restarts it in the same folder with the same metrics`, async () => {
      const dir = tmpDir();
      const killed = await spt(['train', faultExperiment(dir)], { SPT_TEST_FAULT: fault });
      assert.equal(killed.signal, 'SIGKILL', killed.stderr);
      const runDir = runDirIn(path.join(dir, 'runs'));
      assert.equal(fs.existsSync(path.join(runDir, 'checkpoints', 'last.json')), false);
      const rec = readRunRecord(runDir);
      assert.equal(rec.status, 'interrupted');
      assert.equal(rec.resumable, true, 'the Runs view offers Resume');

      const r = await spt(['train', '--resume', runDir]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(runDirIn(path.join(dir, 'runs')), runDir, 'the same folder, no new one');
      checkSameAsUninterrupted(runDir, what);
      const events = fs.readFileSync(path.join(runDir, 'events.jsonl'), 'utf8');
      assert.match(events, /restarting from the beginning: the run stopped before its first checkpoint/);
    });
  }

  it('a full disk in epoch 1: the message advises a restart with --resume, which works', async () => {
    const dir = tmpDir();
    const r = await spt(['train', faultExperiment(dir)], {
      SPT_TEST_FAULT: 'append:*metrics.jsonl@2:enospc',
    });
    assert.equal(r.code, 1, r.stderr);
    const runDir = runDirIn(path.join(dir, 'runs'));
    assert.match(r.stderr, /the disk is full \(ENOSPC\)/);
    assert.match(r.stderr, /no checkpoint had been saved yet/);
    const args = advised(r.stderr);
    assert.deepEqual(args, ['train', '--resume', runDir]);
    const again = await spt(args);
    assert.equal(again.code, 0, again.stderr);
    checkSameAsUninterrupted(runDir, 'ENOSPC in epoch 1');
  });

  it('a full disk while writing config.yaml: no resume is advised; the advised command works', async () => {
    const dir = tmpDir();
    const file = faultExperiment(dir);
    const r = await spt(['train', file], { SPT_TEST_FAULT: 'write:*config.yaml:data@1:enospc' });
    assert.equal(r.code, 1, r.stderr);
    const failed = runDirIn(path.join(dir, 'runs'));
    assert.equal(fs.existsSync(path.join(failed, 'config.yaml')), false);
    assert.doesNotMatch(r.stderr, /`spt train --resume/);
    assert.match(r.stderr, /config\.yaml was not saved, so it cannot be resumed/);
    const args = advised(r.stderr);
    assert.deepEqual(args, ['train', file]);
    assert.match(r.stderr, new RegExp(`delete ${failed.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.equal(readRunRecord(failed).resumable, false);
    const again = await spt(args);
    assert.equal(again.code, 0, again.stderr);
  });

  it('config.yaml missing (killed while writing it) or torn: exit 2, start again from the experiment file', async () => {
    const dir = tmpDir();
    const killed = await spt(['train', faultExperiment(dir)], {
      SPT_TEST_FAULT: 'write:*config.yaml:data@1:kill',
    });
    assert.equal(killed.signal, 'SIGKILL');
    const runDir = runDirIn(path.join(dir, 'runs'));
    assert.equal(fs.existsSync(path.join(runDir, 'config.yaml')), false);
    assert.equal(readRunRecord(runDir).resumable, false);
    const missing = await spt(['train', '--resume', runDir]);
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(
      missing.stderr,
      /config\.yaml: it is missing \(the run stopped before it was saved\), so this run cannot be resumed\. Start it again from its experiment file \(the one named 'faults'\): `spt train <experiment\.spt\.yaml>`/,
    );

    // A torn config.yaml (cut in the middle of a run that had trained).
    const dir2 = tmpDir();
    const k2 = await spt(['train', faultExperiment(dir2)], { SPT_TEST_FAULT: 'train:step@2:kill' });
    assert.equal(k2.signal, 'SIGKILL');
    const run2 = runDirIn(path.join(dir2, 'runs'));
    const cfg = path.join(run2, 'config.yaml');
    fs.writeFileSync(cfg, fs.readFileSync(cfg, 'utf8').slice(0, 60));
    assert.equal(readRunRecord(run2).resumable, false, 'a torn config.yaml cannot restart');
    const torn = await spt(['train', '--resume', run2]);
    assert.equal(torn.code, 2, torn.stderr);
    assert.match(
      torn.stderr,
      /config\.yaml: it is damaged \(line \d+: .+\), so this run cannot be resumed\. Start it again/,
    );
    assert.doesNotMatch(torn.stderr, /`spt train --resume/, 'no resume is advised');
  });

  it('a folder that is not a run folder: says what a run folder is', () => {
    const dir = tmpDir();
    assert.throws(
      () => savedRunConfig(dir),
      (e: Error) =>
        e instanceof RunResumeError &&
        /is not a run folder \(no config\.yaml; a run folder is runs\/<name>\/<YYYYMMDD-HHMMSS>\//.test(
          e.message,
        ),
    );
    assert.throws(
      () => savedRunConfig(path.join(dir, 'nope')),
      (e: Error) => e instanceof RunResumeError && /no such run folder/.test(e.message),
    );
  });
});
