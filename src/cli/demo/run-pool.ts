/**
 * Runs training jobs in trainer processes (dist/trainer.js, driven by the one trainer client,
 * src/trainer/client.ts, over its JSON-lines transport), `parallel` at a time, and reports their
 * events. A failed job does not stop the others.
 */
import * as path from 'node:path';
import type { RunEvent, RunSummaryFile } from '../../shared/run-events';
import type { TrainerJob } from '../../shared/trainer-contract';
import { TrainerClient } from '../../trainer/client';

export interface PoolJob {
  id: string;
  job: TrainerJob;
}

export interface PoolResult {
  id: string;
  /** The trainer reported a result (the run's summary): finished, or ended as its summary says. */
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
  /** The live trainer clients (to stop or kill them). */
  children?: Set<TrainerClient>;
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

async function runOne(
  trainer: string,
  { id, job }: PoolJob,
  onEvent: (id: string, e: RunEvent) => void,
  onLog: (id: string, level: string, message: string) => void,
  env?: NodeJS.ProcessEnv,
  children?: Set<TrainerClient>,
): Promise<PoolResult> {
  const client = new TrainerClient({
    trainerPath: trainer,
    job,
    transport: 'jsonl',
    env: env ? { ...process.env, ...env } : process.env,
    // A terminal's runs are watched by the person at it: no heartbeat deadline, as before the client.
    heartbeatMs: 0,
  });
  client.onEvent((e) => {
    if (e.type === 'run') onEvent(id, e.event);
    else if (e.type === 'log') onLog(id, e.level, e.message);
  });
  children?.add(client);
  client.start();
  const outcome = await client.done;
  children?.delete(client);
  if (outcome.summary) return { id, ok: true, runDir: outcome.runDir, summary: outcome.summary };
  return {
    id,
    ok: false,
    error: outcome.type === 'failed' ? outcome.message : `the trainer ${outcome.type} without a result`,
  };
}
