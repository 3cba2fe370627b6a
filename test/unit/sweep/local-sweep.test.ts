/**
 * `spt sweep` for real, on this machine: the small sweep (2 tasks x 2 learning rates, then 2 seeds of
 * each winner; 6 tiny trainings in trainer processes, 2 at a time), its table checked against the run
 * folders; a second run skips everything; a deleted run folder is trained again and only that one; a
 * stopped sweep (SIGTERM) continues its interrupted run in the same folder.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI, checkTable, ROOT, readState, runFolders, spt, writeSweep } from './sweep-fixture';

describe('spt sweep (local)', function () {
  this.timeout(300_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-sweep-local-'));
  const { file, sweepDir } = writeSweep(tmp);

  before(function () {
    if (!fs.existsSync(path.join(ROOT, 'dist', 'cli.js'))) this.skip();
  });

  it('plans without running anything (--dry-run)', () => {
    const r = spt(['sweep', file, '--dry-run']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^cls\/lr=0\.01\/seed=0 +run +backbone\.pool=cls train\.lr=0\.01 seed=0$/m);
    assert.match(r.stdout, /search runs \(4\)/);
    assert.equal(fs.existsSync(sweepDir), false);
  });

  it('runs the grid, selects on val, runs the final seeds and writes the table', () => {
    const r = spt(['sweep', file, '--parallel', '2']);
    assert.equal(r.code, 0, r.stderr);
    checkTable(sweepDir, r.stdout);
    assert.equal(runFolders(sweepDir).length, 6);
    console.log(`      (6 runs in ${(r.ms / 1000).toFixed(1)} s)`);
  });

  it('skips every finished run when run again', () => {
    const before = runFolders(sweepDir);
    const r = spt(['sweep', file, '--parallel', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /4 search run\(s\) \(4 finished earlier: skipped\)/);
    assert.doesNotMatch(r.stderr, /run\(s\) to train/);
    assert.deepEqual(runFolders(sweepDir), before, 'no new run folder');
    assert.ok(readState(sweepDir).runs.every((x) => x.skipped === true));
    checkTable(sweepDir, r.stdout);
    assert.match(spt(['sweep', file, '--dry-run']).stdout, /^mean\/lr=0\.1\/seed=0 +skip \(finished\)/m);
  });

  it('trains again only a run whose folder was deleted', () => {
    const state = readState(sweepDir);
    const loser = state.runs.find(
      (x) => x.phases.length === 1 && x.phases[0] === 'search' && x.task === 'cls',
    )!;
    fs.rmSync(path.join(sweepDir, ...loser.name.split('/')), { recursive: true });
    const before = runFolders(sweepDir);
    const r = spt(['sweep', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /\(3 finished earlier: skipped\)/);
    assert.match(r.stderr, /search: 1 run\(s\) to train/);
    const after = runFolders(sweepDir);
    assert.equal(after.length, 6);
    const added = after.filter((d) => !before.includes(d));
    assert.equal(added.length, 1);
    assert.ok(added[0].startsWith(path.join(sweepDir, ...loser.name.split('/'))), added[0]);
    const again = readState(sweepDir).runs.find((x) => x.name === loser.name)!;
    assert.equal(again.skipped, undefined);
    checkTable(sweepDir, r.stdout);
  });
});

describe('spt sweep (local): stop and continue', function () {
  this.timeout(300_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-sweep-stop-'));

  before(function () {
    if (!fs.existsSync(path.join(ROOT, 'dist', 'cli.js'))) this.skip();
  });

  it('SIGTERM stops the running trainer with a checkpoint; running the sweep again resumes that run folder', async () => {
    const { file, sweepDir } = writeSweep(tmp);
    // One long run (60 epochs, 120 steps), so that it is surely mid-training when stopped.
    fs.writeFileSync(file, 'experiment: ./tiny.spt.yaml\ngrid:\n  train.epochs: [60]\n');
    const child = spawn(process.execPath, [CLI, 'sweep', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    const stepped = () =>
      runFolders(sweepDir).some((d) => {
        try {
          return fs.readFileSync(path.join(d, 'metrics.jsonl'), 'utf8').includes('"split":"train"');
        } catch {
          return false;
        }
      });
    const t0 = Date.now();
    while (!stepped()) {
      assert.ok(Date.now() - t0 < 60_000, `no training step within a minute: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGTERM');
    assert.equal(await exited, 1, stderr);
    assert.match(stderr, /SIGTERM: stopping the running trainers with a resumable checkpoint/);
    const [runDir] = runFolders(sweepDir);
    const stopped = readState(sweepDir).runs[0];
    assert.equal(stopped.status, 'stopped', JSON.stringify(stopped));
    assert.equal(stopped.run_dir, runDir);

    const r = spt(['sweep', file, '--dry-run']);
    assert.match(r.stdout, /seed=0 +resume /);
    const again = spt(['sweep', file]);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(runFolders(sweepDir), [runDir], 'the same run folder, continued');
    const summary = JSON.parse(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8'));
    assert.equal(summary.status, 'finished');
    assert.equal(summary.epochs_completed, 60);
  });
});
