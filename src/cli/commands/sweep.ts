/**
 * `spt sweep <file.sweep.yaml>`: the paper's protocol. Expands the sweep into runs, skips those that
 * finished with the same config, runs the rest locally (trainer processes, --parallel at a time, one
 * per GPU where CUDA_VISIBLE_DEVICES lists several) or as Slurm job arrays (--slurm), chooses each
 * task's setting on val, runs the final seeds, and writes sweep.json, results.md and results.csv.
 * `spt sweep-task` is what a Slurm array task runs.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadExperiment } from '../../config/load-config';
import { loadSweep } from '../../config/sweep/sweep-file';
import { prepareDefaultDataset } from '../../engine/data/fashion-mnist/default-dataset';
import { RUN_STATUS } from '../../run-folder/status';
import type { RunEvent } from '../../shared/run-events';
import { sweepRunEventLine } from '../../shared/sweep-events';
import type { SweepRunState } from '../../shared/sweep-state';
import type { TrainerClient } from '../../trainer/client';
import { type PoolJob, runPool } from '../demo/run-pool';
import { UsageError } from '../exit-codes';
import { cliLogger } from '../log';
import { Progress } from '../progress';
import { defaultParallel, parseVisibleDevices, slotDevices } from '../sweep/devices';
import { Slurm, type SlurmOptions, type SlurmTaskFile, slurmPhase } from '../sweep/slurm';
import { runAction, SweepSession } from '../sweep/sweep-session';
import { defaultDatasetSource, defaultExperimentFile } from './demo';
import { trainCommand } from './train';

export interface SweepArgs {
  parallel?: string;
  dryRun: boolean;
  json: boolean;
  /** Each run's events as JSON lines on stdout (src/shared/sweep-events.ts). */
  events?: boolean;
  verbose: boolean;
  slurm: boolean;
  partition?: string;
  gres?: string;
  time?: string;
  account?: string;
  maxConcurrent?: string;
  cpusPerTask?: string;
  poll?: string;
  noWait: boolean;
  resubmitFailed: boolean;
}

const positiveInt = (v: string | undefined, flag: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got '${v}'`);
  return n;
};

export async function sweepCommand(file: string | undefined, args: SweepArgs): Promise<number> {
  if (!file) throw new UsageError('missing the sweep file');
  const log = cliLogger(args.verbose);
  const loaded = loadSweep(file);
  for (const w of loaded.warnings) log('warn', `${file}:${w.line}:${w.column}: ${w.message}`);
  const session = new SweepSession(loaded, args.slurm ? 'slurm' : 'local');
  const search = session.add(session.searchPlan(), 'search');

  if (args.dryRun) return dryRun(session, search, args.json);

  // The shipped default experiment's dataset is written out on first use (as `spt demo` does).
  const demoData = path.join(path.dirname(defaultExperimentFile()), 'data');
  if (loadExperiment(loaded.spec.experimentFile).paths.dataRoot === demoData) {
    const ds = await prepareDefaultDataset(demoData, defaultDatasetSource());
    if (!ds.reused) log('info', `wrote the default dataset to ${demoData}`);
  }

  const devices = parseVisibleDevices(process.env.CUDA_VISIBLE_DEVICES);
  const parallel = positiveInt(args.parallel, '--parallel') ?? defaultParallel(devices);
  const skipped = search.filter((r) => r.skipped).length;
  log(
    'info',
    `sweep ${loaded.spec.name}: ${loaded.tasks.length} task(s) x ${loaded.spec.settings.length} setting(s) = ${search.length} search run(s)${skipped ? ` (${skipped} finished earlier: skipped)` : ''}; final seeds: ${loaded.spec.finalSeeds.join(', ') || 'none'}; folder ${loaded.dir}`,
  );
  session.save();

  if (args.slurm) {
    const slurm = new Slurm();
    if (!slurm.available())
      throw new UsageError('--slurm: sbatch is not on PATH (run spt sweep on a Slurm login node)');
    const opts: SlurmOptions = {
      partition: args.partition,
      gres: args.gres,
      time: args.time,
      account: args.account,
      maxConcurrent: positiveInt(args.maxConcurrent, '--max-concurrent'),
      cpusPerTask: positiveInt(args.cpusPerTask, '--cpus-per-task'),
      pollSeconds: args.poll === undefined ? 30 : Number(args.poll),
      wait: !args.noWait,
      resubmitFailed: args.resubmitFailed,
    };
    if (!(opts.pollSeconds > 0)) throw new UsageError('--poll must be a positive number of seconds');
    const cli = { node: process.execPath, script: path.join(__dirname, 'cli.js') };
    const first = await slurmPhase(session, 'search', search, opts, slurm, log, cli);
    if (!first.ended) return notDone(session, log, 'search');
    session.setPhase('final');
    const final = session.planFinal();
    const second = await slurmPhase(session, 'final', final, opts, slurm, log, cli);
    if (!second.ended) return notDone(session, log, 'final');
    return finish(session, log);
  }

  const slots = slotDevices(parallel, devices);
  if (slots.some((s) => s !== undefined))
    log('info', `queue: ${parallel} at a time on CUDA devices ${slots.join(', ')}`);
  const control = { stop: false };
  const children = new Set<TrainerClient>();
  const onSignal = (sig: NodeJS.Signals) => {
    if (control.stop) {
      for (const c of children) c.kill();
      process.exit(1);
    }
    log('warn', `${sig}: stopping the running trainers with a resumable checkpoint (send again to quit now)`);
    control.stop = true;
    for (const c of children) void c.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const local = { parallel, slots, control, children, events: args.events === true };
  await runLocal(session, search, local, log, 'search');
  if (control.stop) return notDone(session, log, 'search', 1);
  session.setPhase('final');
  const final = session.planFinal();
  await runLocal(session, final, local, log, 'final');
  if (control.stop) return notDone(session, log, 'final', 1);
  return finish(session, log);
}

/** The sweep stops before its table: 0 after --no-wait, 1 when it was interrupted. */
function notDone(session: SweepSession, log: ReturnType<typeof cliLogger>, phase: string, code = 0): number {
  session.save();
  log('info', `${phase} phase not finished; run the same command again to continue (${session.dir})`);
  return code;
}

function finish(session: SweepSession, log: ReturnType<typeof cliLogger>): number {
  session.setPhase('done');
  const table = session.writeResults();
  process.stdout.write(`\n${table}\n\n`);
  const failed = session.state.runs.filter((r) => r.status !== RUN_STATUS.finished);
  for (const r of failed) log('warn', `${r.name}: ${r.status}${r.error ? `: ${r.error}` : ''}`);
  log('info', `sweep.json, results.md and results.csv: ${session.dir}`);
  return failed.length ? 1 : 0;
}

async function runLocal(
  session: SweepSession,
  runs: SweepRunState[],
  opts: {
    parallel: number;
    slots: (string | undefined)[];
    control: { stop: boolean };
    children: Set<TrainerClient>;
    events?: boolean;
  },
  log: ReturnType<typeof cliLogger>,
  phase: string,
): Promise<void> {
  const jobs: PoolJob[] = [];
  for (const run of runs) {
    const a = session.action(run);
    if (a.action === 'skip') {
      session.refresh(run);
      continue;
    }
    if (a.action === 'busy') {
      run.status = 'running';
      log('warn', `${run.name}: another process is training it (${a.runDir}); left alone`);
      continue;
    }
    log('debug', `${run.name}: ${a.resume ? `resuming ${a.resume}` : 'starting'}`);
    jobs.push({ id: run.name, job: a.job });
  }
  session.save();
  if (!jobs.length) return;
  log('info', `${phase}: ${jobs.length} run(s) to train, ${Math.min(opts.parallel, jobs.length)} at a time`);
  const byName = new Map(runs.map((r) => [r.name, r]));
  const progress = new Progress(`sweep ${phase}`);
  let done = 0;
  await runPool(
    jobs,
    opts.parallel,
    (id: string, e: RunEvent) => {
      if (opts.events) process.stdout.write(sweepRunEventLine(id, e));
      const run = byName.get(id);
      if (!run || e.type !== 'status' || run.status === RUN_STATUS.running) return;
      run.status = RUN_STATUS.running;
      run.run_dir = e.runDir;
      session.save();
    },
    (id, level, message) => {
      if (level === 'warn') log('warn', `${id}: ${message}`);
    },
    {
      control: opts.control,
      children: opts.children,
      slotEnv: (slot) =>
        opts.slots[slot] === undefined ? undefined : { CUDA_VISIBLE_DEVICES: opts.slots[slot] },
      onDone: (result) => {
        const run = byName.get(result.id);
        if (!run) return;
        session.refresh(run);
        if (!result.ok && result.error !== 'not started (stopped)') {
          if (run.status === 'pending') run.status = RUN_STATUS.failed;
          run.error = run.error ?? result.error;
        }
        session.save();
        progress.update(++done, jobs.length);
        const pct = (v: number | null) => (v === null ? '-' : `${(100 * v).toFixed(1)}%`);
        log(
          run.status === RUN_STATUS.finished ? 'debug' : 'warn',
          `${run.name}: ${run.status}${run.status === RUN_STATUS.finished ? ` (val ${pct(run.val_acc)}, test ${pct(run.test_acc)})` : run.error ? `: ${run.error}` : ''}`,
        );
      },
    },
  );
}

function dryRun(session: SweepSession, search: SweepRunState[], json: boolean): number {
  const rows = search.map((r) => {
    const a = session.action(r);
    const what =
      a.action === 'skip'
        ? 'skip (finished)'
        : a.action === 'busy'
          ? 'busy (another process)'
          : a.resume
            ? 'resume'
            : 'run';
    return { name: r.name, action: what, config_hash: r.config_hash, overrides: r.overrides };
  });
  const finalSeeds = session.loaded.spec.finalSeeds;
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ dir: session.dir, search: rows, final_seeds: finalSeeds }, null, 2)}\n`,
    );
    return 0;
  }
  const w = Math.max(...rows.map((r) => r.name.length), 4);
  const lines = rows.map((r) => `${r.name.padEnd(w)}  ${r.action.padEnd(16)}  ${r.overrides.join(' ')}`);
  process.stdout.write(
    `sweep folder: ${session.dir}\nsearch runs (${rows.length}):\n${lines.join('\n')}\n` +
      `final: ${finalSeeds.length ? `the chosen setting of each task with seeds ${finalSeeds.join(', ')} (chosen on val after the search)` : 'none (the table reports the search runs)'}\n`,
  );
  return 0;
}

export async function sweepTaskCommand(
  tasksFile: string | undefined,
  index: string | undefined,
  args: { verbose: boolean },
): Promise<number> {
  if (!tasksFile || index === undefined) throw new UsageError('missing the tasks file or the index');
  const tasks = JSON.parse(fs.readFileSync(tasksFile, 'utf8')) as SlurmTaskFile;
  const t = tasks.runs[Number(index)];
  if (!t) throw new UsageError(`${tasksFile} has no task ${index} (it has ${tasks.runs.length})`);
  const log = cliLogger(args.verbose);
  const a = runAction(t.nameDir, t.hash, tasks.experiment, t.overrides);
  log('info', `sweep ${tasks.sweep}, ${tasks.phase} run ${t.name}`);
  if (a.action === 'skip') {
    log('info', `finished earlier with the same config: ${a.runDir}`);
    return 0;
  }
  if (a.action === 'busy') {
    log('warn', `another process is training it: ${a.runDir}`);
    return 1;
  }
  if (a.resume)
    return trainCommand(undefined, { resume: a.resume, set: [], json: false, verbose: args.verbose });
  return trainCommand(tasks.experiment, { set: a.job.overrides ?? [], json: false, verbose: args.verbose });
}
