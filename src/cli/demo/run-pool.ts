/**
 * Runs training jobs in trainer processes (dist/trainer.js, the same process the extension forks),
 * `parallel` at a time, and reports their events. A failed job does not stop the others.
 */
import { spawn } from 'node:child_process';
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

export async function runPool(
  jobs: PoolJob[],
  parallel: number,
  onEvent: (id: string, e: RunEvent) => void,
  onLog: (id: string, level: string, message: string) => void,
): Promise<PoolResult[]> {
  const trainer = path.join(__dirname, 'trainer.js');
  const results: PoolResult[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await runOne(trainer, jobs[i], onEvent, onLog);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, jobs.length)) }, worker));
  return results;
}

function runOne(
  trainer: string,
  { id, job }: PoolJob,
  onEvent: (id: string, e: RunEvent) => void,
  onLog: (id: string, level: string, message: string) => void,
): Promise<PoolResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [trainer, JSON.stringify(job)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
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
      if (!result.ok && code !== 0 && stderr && result.error === 'the trainer exited without a result')
        result.error = stderr.trim().split('\n').slice(-3).join('\n');
      resolve(result);
    });
  });
}
