/**
 * Shared by the reliability tests: the normal/stress switch, a seeded PRNG, scratch folders, and
 * the tiny experiment the fault tests train (4 epochs of 3 steps on the parity fixtures, analysis
 * every 2 epochs: every kind of file the trainer writes, in a few seconds).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readJsonl } from '../../../src/run-folder/run-folder';
import type { MetricLine } from '../../../src/shared/run-events';
import { writeTinyExperiment } from '../../helpers/tiny-experiment';

export const ROOT = path.join(__dirname, '..', '..', '..');
export const CLI = path.join(ROOT, 'bin', 'spt.js');
export const TRAINER = path.join(ROOT, 'dist', 'trainer.js');

/** `npm run test:stress` (or SPT_STRESS=1): the long loops. */
export const STRESS = process.env.SPT_STRESS === '1' || process.env.npm_lifecycle_event === 'test:stress';

/** `normal` cases in `npm test`, `stress` cases under test:stress. */
export const cases = (normal: number, stress: number): number => (STRESS ? stress : normal);

export { type Prng, prng } from '../../helpers/prng';

const scratch: string[] = [];
export function tmpDir(prefix = 'spt-rel-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  scratch.push(d);
  return d;
}
/** Removes every folder tmpDir made (call from an `after` hook). */
export function removeScratch(): void {
  for (const d of scratch.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

export const hasDist = () => fs.existsSync(path.join(ROOT, 'dist', 'cli.js')) && fs.existsSync(TRAINER);

export const EPOCHS = 4;
export const STEPS_PER_EPOCH = 3;

/** The fault tests' experiment: runs go to `<outputDir>/faults/<timestamp>`. */
export function faultExperiment(dir: string, outputDir = path.join(dir, 'runs')): string {
  return writeTinyExperiment(dir, {
    name: 'faults',
    seed: 11,
    pool: 'mean',
    init: 'random',
    train: `{epochs: ${EPOCHS}, warmup_epochs: 1, batch_size: 2, lr: 0.02}`,
    analysis: '{every_epochs: 2, probe_images: 4}',
    outputDir,
  });
}

export function runDirIn(outputDir: string, name = 'faults'): string {
  const base = path.join(outputDir, name);
  const dirs = fs.existsSync(base) ? fs.readdirSync(base) : [];
  if (dirs.length !== 1)
    throw new Error(`expected one run folder in ${base}, found ${dirs.join(', ') || 'none'}`);
  return path.join(base, dirs[0]);
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `spt <args>` in a child process, with extra environment variables; optionally killed after `killAfterMs`. */
export function spt(args: string[], env: NodeJS.ProcessEnv = {}, killAfterMs?: number): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, SPT_TEST_FAULT: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer =
      killAfterMs !== undefined ? setTimeout(() => child.kill('SIGKILL'), killAfterMs) : undefined;
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The fields of a metric line that must be identical between runs (not the time or speed). */
export const comparable = (m: MetricLine[]) =>
  m.map(({ epoch, step, split, loss, acc, lr }) => ({ epoch, step, split, loss, acc, lr }));

export const metricsOf = (runDir: string) => readJsonl<MetricLine>(path.join(runDir, 'metrics.jsonl'));

/** Every file under `dir` (relative paths, sorted). */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}
