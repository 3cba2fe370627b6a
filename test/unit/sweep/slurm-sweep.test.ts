/**
 * `spt sweep --slurm` against a real single-node Slurm cluster started for the test
 * (test/helpers/slurm-cluster.ts: munged, slurmctld and slurmd on localhost): the small sweep as two job
 * arrays (search, then the winners' seeds), the same table as the local sweep; then a task that fails on
 * Slurm, is not submitted again on a plain re-run, and is with --resubmit-failed. Skipped, saying how to
 * install Slurm, only where its programs are missing.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  missingSlurmBinaries,
  SLURM_INSTALL_HINT,
  type SlurmCluster,
  startSlurmCluster,
} from '../../helpers/slurm-cluster';
import { checkTable, ROOT, readState, spt, writeSweep } from './sweep-fixture';

describe('spt sweep --slurm (a real single-node cluster)', function () {
  this.timeout(300_000);
  let cluster: SlurmCluster | undefined;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-sweep-slurm-'));

  before(async function () {
    const missing = missingSlurmBinaries();
    if (missing.length) {
      console.log(
        `      skipped: Slurm is not installed here (missing ${missing.join(', ')}); ${SLURM_INSTALL_HINT}`,
      );
      this.skip();
    }
    if (!fs.existsSync(path.join(ROOT, 'dist', 'cli.js'))) this.skip();
    const t0 = Date.now();
    cluster = await startSlurmCluster({ cpus: 2 });
    console.log(`      (cluster up in ${Date.now() - t0} ms: ${cluster.dir})`);
  });

  after(async () => {
    await cluster?.stop();
  });

  it('runs the sweep as job arrays and writes the same table', () => {
    const { file, sweepDir } = writeSweep(tmp);
    const r = spt(['sweep', file, '--slurm', '--poll', '1', '--max-concurrent', '2', '--time', '00:10:00'], {
      env: cluster!.env,
    });
    assert.equal(r.code, 0, `${r.stderr}\n${cluster!.logs()}`);
    checkTable(sweepDir, r.stdout);
    const state = readState(sweepDir);
    assert.equal(state.mode, 'slurm');
    assert.deepEqual(
      state.slurm_jobs?.map((j) => [j.phase, j.runs.length]),
      [
        ['search', 4],
        ['final', 2],
      ],
    );
    const script = fs.readFileSync(state.slurm_jobs![0].script, 'utf8');
    assert.match(script, /^#SBATCH --array=0-3%2$/m);
    assert.match(script, /^#SBATCH --time=00:10:00$/m);
    assert.match(script, /sweep-task '.*search-1\.json' "\$SLURM_ARRAY_TASK_ID"$/m);
    assert.ok(
      state.runs.every((x) => x.slurm?.job_id),
      'every run went through Slurm',
    );
    assert.equal(fs.readdirSync(path.join(sweepDir, 'slurm', 'logs')).length, 6);
    console.log(`      (6 runs on Slurm in ${(r.ms / 1000).toFixed(1)} s)`);

    const again = spt(['sweep', file, '--slurm', '--poll', '1'], { env: cluster!.env });
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /submitted/);
    assert.equal(readState(sweepDir).slurm_jobs?.length, 2, 'nothing submitted again');
    checkTable(sweepDir, again.stdout);
  });

  it('reports a failed array task, and submits it again only with --resubmit-failed', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'fail-'));
    const data = path.join(dir, 'data-later');
    const { file, sweepDir } = writeSweep(dir);
    // One task, one setting, no final seeds; its data folder does not exist yet.
    fs.writeFileSync(file, `experiment: ./tiny.spt.yaml\ntasks:\n  late: {data.root: ${data}}\n`);
    const r = spt(['sweep', file, '--slurm', '--poll', '1'], { env: cluster!.env });
    assert.equal(r.code, 1, r.stderr);
    const run = readState(sweepDir).runs[0];
    assert.equal(run.status, 'failed');
    assert.match(run.error ?? '', /Slurm FAILED; log: .*search-\d+_0\.log/);
    assert.match(fs.readFileSync(/log: (.*)$/.exec(run.error!)![1], 'utf8'), /data-later/);

    const plain = spt(['sweep', file, '--slurm', '--poll', '1'], { env: cluster!.env });
    assert.equal(plain.code, 1, `${plain.stdout}\n${plain.stderr}`);
    assert.match(
      plain.stderr,
      /failed on Slurm earlier and are not submitted again \(use --resubmit-failed\)/,
    );

    fs.symlinkSync(path.join(ROOT, 'test', 'fixtures', 'parity'), data);
    const retry = spt(['sweep', file, '--slurm', '--poll', '1', '--resubmit-failed'], { env: cluster!.env });
    assert.equal(retry.code, 0, retry.stderr);
    const s = readState(sweepDir);
    assert.equal(s.runs[0].status, 'finished');
    assert.equal(s.slurm_jobs?.length, 2);
    assert.match(retry.stdout, /^\| late +\| base +\|/m);
  });
});
