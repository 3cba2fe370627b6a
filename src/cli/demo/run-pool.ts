/**
 * Runs training jobs in trainer processes (dist/trainer.js, the same process the extension forks),
 * `parallel` at a time, and reports their events. A failed job does not stop the others.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { RunEvent, RunSummaryFile } from '../../shared/run-events';
import type { TrainerEvent, TrainerJob } from '../../shared/trainer-contract';

export interface PoolJob {
  id: string;
  job: TrainerJob;
}

export interface PoolResult {
  id: string;
  ok: boolean;
  runDir?: string;
  summary?: RunSummaryFile;
  error?: string;
}

export interface PoolOptions {
  /** Extra environment of the processes of queue slot `slot` (e.g. CUDA_VISIBLE_DEVICES). */
  slotEnv?: (slot: number) => NodeJS.ProcessEnv | undefined;
  /** Set `stop` to start no further jobs (the ones not started come back as not ok). */
  control?: { stop: boolean };
  /** The live trainer processes (to forward a stop signal to). */
  children?: Set<ChildProcess>;
  /** Each job's result as soon as it ends. */
  onDone?: (result: PoolResult) => void;
}

export async function runPool(
  jobs: PoolJob[],
  parallel: number,
  onEvent: (id: string, e: RunEvent) => void,
  onLog: (id: string, level: string, message: string) => void,
  options: PoolOptions = {},
): Promise<PoolResult[]> {
  const trainer = path.join(__dirname, 'trainer.js');
  const results: PoolResult[] = jobs.map(({ id }) => ({ id, ok: false, error: 'not started (stopped)' }));
  let next = 0;
  const worker = async (slot: number) => {
    while (next < jobs.length && !options.control?.stop) {
      const i = next++;
      results[i] = await runOne(trainer, jobs[i], onEvent, onLog, options.slotEnv?.(slot), options.children);
      options.onDone?.(results[i]);
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(parallel, jobs.length)) }, (_, slot) => worker(slot)),
  );
  return results;
}

function runOne(
  trainer: string,
  { id, job }: PoolJob,
  onEvent: (id: string, e: RunEvent) => void,
  onLog: (id: string, level: string, message: string) => void,
  env?: NodeJS.ProcessEnv,
  children?: Set<ChildProcess>,
): Promise<PoolResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [trainer, JSON.stringify(job)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(env ? { env: { ...process.env, ...env } } : {}),
    });
    children?.add(child);
    let result: PoolResult = { id, ok: false, error: 'the trainer exited without a result' };
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr = (stderr + d).slice(-4000);
    });
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      let ev: TrainerEvent;
      try {
        ev = JSON.parse(line);
      } catch {
        return; // not an event (a library printing to stdout)
      }
      if (ev.type === 'run') onEvent(id, ev.event);
      else if (ev.type === 'log') onLog(id, ev.level, ev.message);
      else if (ev.type === 'result') {
        const data = ev.data as { runDir: string; summary: RunSummaryFile };
        result = { id, ok: true, runDir: data.runDir, summary: data.summary };
      } else if (ev.type === 'error') result = { id, ok: false, error: ev.message };
    });
    child.on('close', (code) => {
      children?.delete(child);
      if (!result.ok && code !== 0 && stderr && result.error === 'the trainer exited without a result')
        result.error = stderr.trim().split('\n').slice(-3).join('\n');
      resolve(result);
    });
  });
}
