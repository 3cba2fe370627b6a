/**
 * `spt sweep` for real, on this machine: the small sweep (2 tasks x 2 learning rates, then 2 seeds of
 * each winner; 6 tiny trainings in trainer processes, 2 at a time), its table checked against the run
 * folders; a second run skips everything; a deleted run folder is trained again and only that one.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkTable, ROOT, readState, runFolders, spt, writeSweep } from './sweep-fixture';

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
