/**
 * The small sweep both end-to-end tests run (locally and on Slurm): the tiny experiment (3-block ViT of
 * width 32, 6 images, 2 epochs), 2 tasks (cls and mean pooling) x 2 learning rates, then seeds 0 and 1
 * of each task's winner (seed 0 is the search run itself): 6 trainings. The table is checked against
 * the runs' own summary.json files.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunSummaryFile } from '../../../src/shared/run-events';
import type { SweepState } from '../../../src/shared/sweep-state';
import { writeTinyExperiment } from '../../helpers/tiny-experiment';

export const ROOT = path.join(__dirname, '..', '..', '..');
export const CLI = path.join(ROOT, 'bin', 'spt.js');
export const LRS = [0.01, 0.1];

export function writeSweep(dir: string, extra = ''): { file: string; sweepDir: string } {
  writeTinyExperiment(dir, {
    name: 'tiny',
    seed: 0,
    pool: 'cls',
    init: 'random',
    train: '{epochs: 2, warmup_epochs: 1, batch_size: 3, lr: 0.01}',
    analysis: '{every_epochs: 0}',
    outputDir: './runs',
  });
  const file = path.join(dir, 'small.sweep.yaml');
  fs.writeFileSync(
    file,
    `# 2 tasks x 2 learning rates, then 2 seeds of each task's winner
experiment: ./tiny.spt.yaml
grid:
  train.lr: [${LRS.join(', ')}]
tasks:
  cls: {backbone.pool: cls}
  mean: {backbone.pool: mean}
select: {metric: val_acc, mode: max}
final: {seeds: [0, 1]}
${extra}`,
  );
  return { file, sweepDir: path.join(dir, 'runs', 'sweeps', 'small') };
}

export function spt(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: opts.env ?? process.env,
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - t0 };
}

export const readState = (sweepDir: string): SweepState =>
  JSON.parse(fs.readFileSync(path.join(sweepDir, 'sweep.json'), 'utf8'));

/** Every run folder under the sweep (…/<experiment>/<timestamp>). */
export function runFolders(sweepDir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, depth: number) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      const p = path.join(d, e.name);
      if (/^\d{8}-\d{6}(-\d+)?$/.test(e.name)) out.push(p);
      else if (depth < 5) walk(p, depth + 1);
    }
  };
  if (fs.existsSync(sweepDir)) walk(sweepDir, 0);
  return out.sort();
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sampleStd = (xs: number[]) =>
  Math.sqrt(xs.reduce((a, b) => a + (b - mean(xs)) ** 2, 0) / (xs.length - 1));

/**
 * Checks sweep.json, results.md and results.csv against the run folders: 6 finished runs, per task the
 * setting with the best val (first on ties) and the test mean ± std of its seeds 0 and 1.
 */
export function checkTable(sweepDir: string, stdout: string): void {
  const state = readState(sweepDir);
  assert.equal(state.phase, 'done');
  assert.equal(state.runs.length, 6, state.runs.map((r) => r.name).join(', '));
  assert.ok(
    state.runs.every((r) => r.status === 'finished'),
    JSON.stringify(state.runs.map((r) => [r.name, r.status, r.error])),
  );
  const summary = (name: string): RunSummaryFile => {
    const r = state.runs.find((x) => x.name === name)!;
    assert.ok(r.run_dir?.startsWith(path.join(sweepDir, ...name.split('/'))), r.run_dir ?? 'no run_dir');
    return JSON.parse(fs.readFileSync(path.join(r.run_dir!, 'summary.json'), 'utf8'));
  };
  const csv = fs.readFileSync(path.join(sweepDir, 'results.csv'), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'task,setting,overrides,val_acc,test_acc_mean,test_acc_std,n_seeds,seeds,excluded');
  const md = fs.readFileSync(path.join(sweepDir, 'results.md'), 'utf8');
  for (const [i, task] of ['cls', 'mean'].entries()) {
    const vals = LRS.map((lr) => summary(`${task}/lr=${lr}/seed=0`).val_acc as number);
    const best = vals.indexOf(Math.max(...vals));
    const chosen = `lr=${LRS[best]}`;
    const tests = [0, 1].map((seed) => summary(`${task}/${chosen}/seed=${seed}`).test_acc as number);
    const row = state.tasks.find((t) => t.task === task)!;
    assert.equal(row.setting, chosen, `${task}: val ${vals}`);
    assert.equal(row.val_acc, vals[best]);
    assert.deepEqual(row.seeds, [0, 1]);
    assert.ok(Math.abs((row.test_mean as number) - mean(tests)) < 1e-12);
    assert.ok(Math.abs((row.test_std as number) - sampleStd(tests)) < 1e-12);
    const cells = csv[i + 1].split(',');
    assert.deepEqual(cells.slice(0, 3), [task, chosen, `train.lr=${LRS[best]}`]);
    assert.equal(Number(cells[4]), row.test_mean);
    const line = new RegExp(
      `^\\| ${task} +\\| ${chosen.replace('.', '\\.')} +\\| ${(100 * vals[best]).toFixed(1)} +\\| ${(100 * mean(tests)).toFixed(1)} ± ${(100 * sampleStd(tests)).toFixed(1)} +\\| 0, 1 +\\| 2 of 2 +\\|$`,
      'm',
    );
    assert.match(md, line);
    assert.match(stdout, line);
    const finals = state.runs.filter((r) => r.task === task && r.phases.includes('final')).map((r) => r.name);
    assert.deepEqual(finals.sort(), [`${task}/${chosen}/seed=0`, `${task}/${chosen}/seed=1`]);
  }
}
