/**
 * Slurm: a sweep phase as one job array (one array task per run, at most K at once with `%K`),
 * submitted with `sbatch --parsable`, followed with `squeue` and, once it has left the queue, `sacct`
 * (or `scontrol show job` where accounting is off) for why a task failed. Slurm schedules; nothing
 * here does. Each array task runs `spt sweep-task <tasks.json> <index>`, which decides again on the
 * node whether to skip, resume or start its run (so a requeued task resumes).
 */

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../run-folder/atomic-write';
import { RUN_STATUS } from '../../run-folder/status';
import type { SweepRunState } from '../../shared/sweep-state';
import type { SweepSession } from './sweep-session';

export interface SlurmOptions {
  partition?: string;
  gres?: string;
  time?: string;
  account?: string;
  /** Array tasks running at once (`--array=0-(n-1)%K`). */
  maxConcurrent?: number;
  cpusPerTask?: number;
  /** Seconds between squeue polls. */
  pollSeconds: number;
  /** Wait for the jobs and go on to the next phase (false: submit and return). */
  wait: boolean;
  /** Submit again the runs whose earlier Slurm task failed. */
  resubmitFailed: boolean;
}

export interface SlurmTaskFile {
  sweep: string;
  experiment: string;
  phase: 'search' | 'final';
  runs: { name: string; nameDir: string; hash: string; overrides: string[] }[];
}

export type Exec = (cmd: string, args: string[]) => { code: number; stdout: string; stderr: string };

export const execSync: Exec = (cmd, args) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000 });
  if (r.error) return { code: 127, stdout: '', stderr: r.error.message };
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
};

/** Single-quoted for bash. */
export const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export interface ScriptOptions {
  jobName: string;
  count: number;
  maxConcurrent?: number;
  partition?: string;
  gres?: string;
  time?: string;
  account?: string;
  cpusPerTask?: number;
  /** `--output` pattern (`%A`: array job id, `%a`: task index). */
  logPattern: string;
  node: string;
  cli: string;
  tasksFile: string;
}

/** The job array script. */
export function slurmScript(o: ScriptOptions): string {
  const lines = [
    '#!/bin/bash',
    `#SBATCH --job-name=${o.jobName.replace(/[^A-Za-z0-9._-]/g, '_')}`,
    `#SBATCH --array=0-${o.count - 1}${o.maxConcurrent ? `%${o.maxConcurrent}` : ''}`,
    `#SBATCH --output=${o.logPattern}`,
  ];
  if (o.partition) lines.push(`#SBATCH --partition=${o.partition}`);
  if (o.account) lines.push(`#SBATCH --account=${o.account}`);
  if (o.gres) lines.push(`#SBATCH --gres=${o.gres}`);
  if (o.time) lines.push(`#SBATCH --time=${o.time}`);
  if (o.cpusPerTask) lines.push(`#SBATCH --cpus-per-task=${o.cpusPerTask}`);
  lines.push(
    '',
    '# One SPT Studio sweep run per array task (written by `spt sweep --slurm`).',
    `exec ${shellQuote(o.node)} ${shellQuote(o.cli)} sweep-task ${shellQuote(o.tasksFile)} "$SLURM_ARRAY_TASK_ID"`,
    '',
  );
  return lines.join('\n');
}

/** `sbatch --parsable` prints `jobid` or `jobid;cluster`. */
export function parseSbatchParsable(stdout: string): string {
  const id = stdout.trim().split('\n').pop()?.split(';')[0]?.trim() ?? '';
  if (!/^\d+$/.test(id)) throw new Error(`sbatch printed no job id: ${stdout.trim().slice(0, 200)}`);
  return id;
}

/** Array task states from `<job>_<index>|<STATE>` lines (squeue -r, sacct -P, ...): `job_index` -> state. */
export function parseTaskStates(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const [id, state] = line.trim().split('|');
    const m = /^(\d+)_(\d+|\[([^\]]+)\])$/.exec(id ?? '');
    if (!m || !state) continue;
    if (m[2].startsWith('[')) {
      // A pending range: 12_[3-5,7%2].
      for (const part of (m[3] ?? '').split('%')[0].split(',')) {
        const [a, b] = part.split('-').map(Number);
        for (let i = a; i <= (Number.isFinite(b) ? b : a); i++) out.set(`${m[1]}_${i}`, state.trim());
      }
    } else out.set(`${m[1]}_${m[2]}`, state.trim().split(' ')[0]);
  }
  return out;
}

/** `scontrol show job -o` lines: ArrayJobId=N ArrayTaskId=I ... JobState=S. */
export function parseScontrol(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const job = /\bArrayJobId=(\d+)/.exec(line)?.[1];
    const task = /\bArrayTaskId=(\d+)\b/.exec(line)?.[1];
    const state = /\bJobState=(\S+)/.exec(line)?.[1];
    if (job && task && state) out.set(`${job}_${task}`, state);
  }
  return out;
}

export class Slurm {
  constructor(private readonly exec: Exec = execSync) {}

  available(): boolean {
    return this.exec('sbatch', ['--version']).code === 0;
  }

  submit(script: string): string {
    const r = this.exec('sbatch', ['--parsable', script]);
    if (r.code !== 0) throw new Error(`sbatch ${script} failed: ${(r.stderr || r.stdout).trim()}`);
    return parseSbatchParsable(r.stdout);
  }

  /** Array tasks of these jobs still in the queue (a purged job id simply has none). */
  queued(jobIds: string[]): Map<string, string> {
    if (!jobIds.length) return new Map();
    const r = this.exec('squeue', ['-h', '-r', '-j', jobIds.join(','), '-o', '%i|%T']);
    if (r.code !== 0 && !/Invalid job id/i.test(r.stderr))
      throw new Error(`squeue failed: ${(r.stderr || r.stdout).trim()}`);
    return parseTaskStates(r.stdout);
  }

  /** Final states of ended array tasks: sacct, else scontrol (accounting off); empty when neither knows. */
  finalStates(jobIds: string[]): Map<string, string> {
    if (!jobIds.length) return new Map();
    const acct = this.exec('sacct', ['-n', '-P', '-X', '-j', jobIds.join(','), '-o', 'JobID,State']);
    if (acct.code === 0 && acct.stdout.trim()) return parseTaskStates(acct.stdout);
    const out = new Map<string, string>();
    for (const id of jobIds) {
      const r = this.exec('scontrol', ['show', 'job', '-o', id]);
      if (r.code === 0) for (const [k, v] of parseScontrol(r.stdout)) out.set(k, v);
    }
    return out;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const key = (run: SweepRunState) => (run.slurm ? `${run.slurm.job_id}_${run.slurm.array_index}` : '');

export interface PhaseOutcome {
  /** Every run of the phase has ended (finished, failed or stopped). */
  ended: boolean;
  submitted: number;
}

/**
 * One phase on Slurm: waits for this phase's jobs that are still queued (a sweep run again continues
 * where it left off), submits the runs that still need a run (failed ones of an earlier submission only
 * with --resubmit-failed), then waits for the array to leave the queue (unless --no-wait).
 */
export async function slurmPhase(
  session: SweepSession,
  phase: 'search' | 'final',
  runs: SweepRunState[],
  opts: SlurmOptions,
  slurm: Slurm,
  log: (level: 'info' | 'warn', message: string) => void,
  cli: { node: string; script: string },
): Promise<PhaseOutcome> {
  const jobs = () => (session.state.slurm_jobs ?? []).filter((j) => j.phase === phase).map((j) => j.job_id);
  const earlier = slurm.queued(jobs());
  if (earlier.size) {
    log(
      'info',
      `${phase}: ${earlier.size} array task(s) of an earlier submission are still queued; waiting for them`,
    );
    if (!opts.wait) return { ended: false, submitted: 0 };
    await waitForJobs(session, runs, jobs(), opts, slurm, log);
  }
  for (const r of runs) session.refresh(r);
  const todo = runs.filter((r) => {
    if (r.status === RUN_STATUS.finished || r.status === RUN_STATUS.running) return false;
    if (r.status === RUN_STATUS.stopped) return true; // resumable: timed out or preempted
    const triedOnSlurm = !!r.slurm;
    return !triedOnSlurm || opts.resubmitFailed;
  });
  const skippedFailed = runs.filter(
    (r) => !todo.includes(r) && r.status !== RUN_STATUS.finished && r.status !== RUN_STATUS.running,
  );
  for (const r of skippedFailed) {
    // A task that failed before its trainer made a run folder (a data check, a node lost at start) leaves
    // nothing on disk: its failure is the Slurm record's.
    if (r.status === 'pending') {
      r.status = 'failed';
      r.error = `failed on Slurm earlier (job ${r.slurm?.job_id}, ${r.slurm?.state ?? 'state unknown'}) before its run folder was made; not submitted again (use --resubmit-failed)`;
    }
  }
  if (skippedFailed.length)
    log(
      'warn',
      `${phase}: ${skippedFailed.length} run(s) failed on Slurm earlier and are not submitted again (use --resubmit-failed): ${skippedFailed.map((r) => r.name).join(', ')}`,
    );
  if (todo.length) {
    const slurmDir = path.join(session.dir, 'slurm');
    fs.mkdirSync(path.join(slurmDir, 'logs'), { recursive: true });
    const n = (session.state.slurm_jobs ?? []).filter((j) => j.phase === phase).length + 1;
    const base = path.join(slurmDir, `${phase}-${n}`);
    const tasks: SlurmTaskFile = {
      sweep: session.state.name,
      experiment: session.state.experiment,
      phase,
      runs: todo.map((r) => ({
        name: r.name,
        nameDir: session.nameDir(r),
        hash: r.config_hash,
        overrides: r.overrides,
      })),
    };
    writeFileAtomic(`${base}.json`, `${JSON.stringify(tasks, null, 2)}\n`);
    const script = slurmScript({
      jobName: `spt-${session.state.name}-${phase}`,
      count: todo.length,
      maxConcurrent: opts.maxConcurrent,
      partition: opts.partition,
      gres: opts.gres,
      time: opts.time,
      account: opts.account,
      cpusPerTask: opts.cpusPerTask,
      logPattern: path.join(slurmDir, 'logs', `${phase}-%A_%a.log`),
      node: cli.node,
      cli: cli.script,
      tasksFile: `${base}.json`,
    });
    writeFileAtomic(`${base}.sh`, script);
    const jobId = slurm.submit(`${base}.sh`);
    todo.forEach((r, i) => {
      r.slurm = { job_id: jobId, array_index: i, state: 'PENDING' };
      r.status = 'pending';
      delete r.error;
    });
    session.state.slurm_jobs = [
      ...(session.state.slurm_jobs ?? []),
      { phase, job_id: jobId, script: `${base}.sh`, runs: todo.map((r) => r.name) },
    ];
    session.save();
    log(
      'info',
      `${phase}: submitted job array ${jobId} (${todo.length} task(s)${opts.maxConcurrent ? `, at most ${opts.maxConcurrent} at once` : ''}): ${base}.sh`,
    );
    if (!opts.wait) return { ended: false, submitted: todo.length };
    await waitForJobs(session, runs, [jobId], opts, slurm, log);
  }
  const ended = runs.every(
    (r) =>
      r.status === RUN_STATUS.finished || r.status === RUN_STATUS.failed || r.status === RUN_STATUS.stopped,
  );
  return { ended, submitted: todo.length };
}

/** Polls squeue until none of `jobIds`' tasks is queued, keeping sweep.json current; then asks why tasks failed. */
async function waitForJobs(
  session: SweepSession,
  runs: SweepRunState[],
  jobIds: string[],
  opts: SlurmOptions,
  slurm: Slurm,
  log: (level: 'info' | 'warn', message: string) => void,
): Promise<void> {
  const mine = runs.filter((r) => r.slurm && jobIds.includes(r.slurm.job_id));
  let last = '';
  for (;;) {
    const q = slurm.queued(jobIds);
    for (const r of mine) {
      const state = q.get(key(r));
      if (state) {
        r.status = state === 'PENDING' || state === 'CONFIGURING' ? 'pending' : 'running';
        if (r.slurm) r.slurm.state = state;
      } else {
        session.refresh(r);
      }
    }
    const summary = JSON.stringify(mine.map((r) => [r.status, r.slurm?.state]));
    if (summary !== last) {
      last = summary;
      session.save();
      const count = (s: string) => mine.filter((r) => r.status === s).length;
      log(
        'info',
        `slurm: ${count('finished')} finished, ${count('running')} running, ${count('pending')} pending, ${count('failed') + count('stopped')} ended otherwise (of ${mine.length})`,
      );
    }
    if (q.size === 0) break;
    await sleep(opts.pollSeconds * 1000);
  }
  const states = slurm.finalStates(jobIds);
  for (const r of mine) {
    session.refresh(r);
    const state = states.get(key(r));
    if (r.slurm && state) r.slurm.state = state;
    if (r.status === RUN_STATUS.finished) continue;
    if (r.status === 'pending' || r.status === RUN_STATUS.running) r.status = RUN_STATUS.failed; // left the queue without ending its run
    const logFile = path.join(
      session.dir,
      'slurm',
      'logs',
      `${phaseOf(session, r)}-${r.slurm?.job_id}_${r.slurm?.array_index}.log`,
    );
    r.error = `${r.error ? `${r.error}; ` : ''}Slurm ${state ?? 'task ended'}; log: ${logFile}`;
  }
  session.save();
}

function phaseOf(session: SweepSession, r: SweepRunState): string {
  return session.state.slurm_jobs?.find((j) => j.job_id === r.slurm?.job_id)?.phase ?? 'search';
}
