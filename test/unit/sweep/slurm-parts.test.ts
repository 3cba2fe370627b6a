/**
 * The Slurm pieces that need no cluster: the job array script, sbatch/squeue/sacct/scontrol output,
 * the fallbacks when accounting is off, and the options the extension passes on.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  type Exec,
  parseSbatchParsable,
  parseScontrol,
  parseTaskStates,
  Slurm,
  shellQuote,
  slurmScript,
} from '../../../src/cli/sweep/slurm';
import { findOnPath, parseSlurmOptions, sweepCliArgs } from '../../../src/extension/sweeps/sweep-options';

describe('slurm parts', () => {
  it('writes a job array script: one task per run, %K concurrent, the options given', () => {
    const s = slurmScript({
      jobName: 'spt-my sweep-search',
      count: 12,
      maxConcurrent: 4,
      partition: 'gpu',
      gres: 'gpu:1',
      time: '01:00:00',
      account: 'proj',
      cpusPerTask: 8,
      logPattern: '/runs/sweeps/s/slurm/logs/search-%A_%a.log',
      node: '/opt/node 20/bin/node',
      cli: "/x/it's/dist/cli.js",
      tasksFile: '/runs/sweeps/s/slurm/search-1.json',
    });
    const lines = s.split('\n');
    assert.equal(lines[0], '#!/bin/bash');
    for (const l of [
      '#SBATCH --job-name=spt-my_sweep-search',
      '#SBATCH --array=0-11%4',
      '#SBATCH --output=/runs/sweeps/s/slurm/logs/search-%A_%a.log',
      '#SBATCH --partition=gpu',
      '#SBATCH --account=proj',
      '#SBATCH --gres=gpu:1',
      '#SBATCH --time=01:00:00',
      '#SBATCH --cpus-per-task=8',
    ])
      assert.ok(lines.includes(l), l);
    const exec = lines.find((l) => l.startsWith('exec '))!;
    assert.equal(
      exec,
      `exec '/opt/node 20/bin/node' '/x/it'\\''s/dist/cli.js' sweep-task '/runs/sweeps/s/slurm/search-1.json' "$SLURM_ARRAY_TASK_ID"`,
    );
    // bash reads the quoting back to the same words
    const words = spawnSync('bash', ['-c', `printf '%s\\n' ${shellQuote("/x/it's")} ${shellQuote('a b')}`], {
      encoding: 'utf8',
    }).stdout;
    assert.equal(words, "/x/it's\na b\n");
    const plain = slurmScript({
      jobName: 'j',
      count: 1,
      logPattern: 'l',
      node: 'n',
      cli: 'c',
      tasksFile: 't',
    });
    assert.ok(plain.includes('#SBATCH --array=0-0\n'));
    assert.ok(!plain.includes('--partition'));
  });

  it('reads sbatch --parsable, squeue -r, sacct -P and scontrol -o output', () => {
    assert.equal(parseSbatchParsable('1234\n'), '1234');
    assert.equal(parseSbatchParsable('77;cluster2'), '77');
    assert.throws(() => parseSbatchParsable('sbatch: error: invalid partition'), /no job id/);
    const q = parseTaskStates('12_0|RUNNING\n12_[3-5,7%2]|PENDING\n13_1|COMPLETING\n');
    assert.deepEqual(
      [...q],
      [
        ['12_0', 'RUNNING'],
        ['12_3', 'PENDING'],
        ['12_4', 'PENDING'],
        ['12_5', 'PENDING'],
        ['12_7', 'PENDING'],
        ['13_1', 'COMPLETING'],
      ],
    );
    assert.deepEqual(
      [...parseTaskStates('5_0|COMPLETED\n5_1|CANCELLED by 0\n5.batch|COMPLETED\n')],
      [
        ['5_0', 'COMPLETED'],
        ['5_1', 'CANCELLED'],
      ],
    );
    const sc = parseScontrol(
      'JobId=9 ArrayJobId=8 ArrayTaskId=1 JobName=x JobState=FAILED Reason=NonZeroExitCode\nJobId=8 ArrayJobId=8 ArrayTaskId=0 JobState=TIMEOUT\n',
    );
    assert.deepEqual(
      [...sc],
      [
        ['8_1', 'FAILED'],
        ['8_0', 'TIMEOUT'],
      ],
    );
  });

  it('asks scontrol when accounting is off, and treats a purged job id as an empty queue', () => {
    const calls: string[] = [];
    const exec: Exec = (cmd, args) => {
      calls.push(`${cmd} ${args.join(' ')}`);
      if (cmd === 'sacct') return { code: 1, stdout: '', stderr: 'Slurm accounting storage is disabled' };
      if (cmd === 'scontrol')
        return { code: 0, stdout: 'ArrayJobId=4 ArrayTaskId=2 JobState=FAILED\n', stderr: '' };
      if (cmd === 'squeue')
        return { code: 1, stdout: '', stderr: 'slurm_load_jobs error: Invalid job id specified' };
      return { code: 0, stdout: '', stderr: '' };
    };
    const slurm = new Slurm(exec);
    assert.deepEqual([...slurm.finalStates(['4'])], [['4_2', 'FAILED']]);
    assert.equal(slurm.queued(['4']).size, 0);
    assert.deepEqual(calls, [
      'sacct -n -P -X -j 4 -o JobID,State',
      'scontrol show job -o 4',
      'squeue -h -r -j 4 -o %i|%T',
    ]);
    const broken = new Slurm(() => ({ code: 1, stdout: '', stderr: 'Unable to contact slurm controller' }));
    assert.throws(() => broken.queued(['1']), /squeue failed: Unable to contact/);
    assert.throws(() => broken.submit('/x.sh'), /sbatch \/x\.sh failed/);
  });

  it("checks the extension's Slurm options and finds sbatch on PATH", () => {
    assert.deepEqual(
      parseSlurmOptions(
        ' --partition gpu --gres=gpu:1 --time 01:00:00 --max-concurrent 8 --resubmit-failed ',
      ),
      {
        args: [
          '--partition',
          'gpu',
          '--gres',
          'gpu:1',
          '--time',
          '01:00:00',
          '--max-concurrent',
          '8',
          '--resubmit-failed',
        ],
      },
    );
    assert.deepEqual(parseSlurmOptions(''), { args: [] });
    assert.match((parseSlurmOptions('--qos high') as { error: string }).error, /unknown option --qos/);
    assert.match((parseSlurmOptions('--partition') as { error: string }).error, /needs a value/);
    assert.match((parseSlurmOptions('gpu') as { error: string }).error, /not an option/);
    assert.deepEqual(sweepCliArgs('/a.sweep.yaml', { kind: 'local', parallel: 2 }), [
      'sweep',
      '/a.sweep.yaml',
      '--parallel',
      '2',
      '--events',
    ]);
    assert.deepEqual(sweepCliArgs('/a.sweep.yaml', { kind: 'slurm', args: ['--gres', 'gpu:1'] }), [
      'sweep',
      '/a.sweep.yaml',
      '--slurm',
      '--gres',
      'gpu:1',
    ]);
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-path-'));
    assert.equal(findOnPath('sbatch', bin), undefined);
    fs.writeFileSync(path.join(bin, 'sbatch'), '#!/bin/sh\n', { mode: 0o755 });
    assert.equal(findOnPath('sbatch', `/nonexistent${path.delimiter}${bin}`), path.join(bin, 'sbatch'));
  });
});
