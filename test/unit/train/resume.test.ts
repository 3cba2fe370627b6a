/**
 * A trainer killed with SIGKILL in the middle of an epoch, then `spt train --resume`: no completed
 * epoch lost, no metric line duplicated or torn, and the same numbers as an uninterrupted run.
 * SIGINT saves a mid-epoch checkpoint that resumes exactly too. Real child processes, real files.
 */
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readJsonl } from '../../../src/run-folder/run-folder';
import type { MetricLine, RunSummaryFile } from '../../../src/shared/run-events';
import { writeTinyExperiment } from '../../helpers/tiny-experiment';

const ROOT = path.join(__dirname, '..', '..', '..');
const CLI = path.join(ROOT, 'bin', 'spt.js');

function experiment(dir: string): string {
  return writeTinyExperiment(dir, {
    name: 'resume',
    seed: 7,
    pool: 'mean',
    init: 'random',
    train: '{epochs: 8, warmup_epochs: 2, batch_size: 2, lr: 0.02}',
    analysis: '{every_epochs: 0}',
    outputDir: path.join(dir, 'runs'),
  });
}

const runDirOf = (dir: string) => {
  const base = path.join(dir, 'runs', 'resume');
  return path.join(base, fs.readdirSync(base)[0]);
};
const comparable = (m: MetricLine[]) =>
  m.map(({ epoch, step, split, loss, acc, lr }) => ({ epoch, step, split, loss, acc, lr }));

function trainToEnd(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, 'train', ...args], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, r.stderr);
}

/** Starts a run and sends `signal` once metrics.jsonl holds `afterLines` lines. */
async function interrupt(
  file: string,
  dir: string,
  signal: NodeJS.Signals,
  afterLines: number,
): Promise<number | null> {
  const child = spawn(process.execPath, [CLI, 'train', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  for (;;) {
    await new Promise((r) => setTimeout(r, 5));
    const base = path.join(dir, 'runs', 'resume');
    if (!fs.existsSync(base) || !fs.readdirSync(base).length) continue;
    if (readJsonl(path.join(runDirOf(dir), 'metrics.jsonl')).length >= afterLines) break;
    if (child.exitCode !== null) throw new Error(`the run ended before it could be interrupted:\n${stderr}`);
  }
  child.kill(signal);
  return exited;
}

describe('resume after an interrupted run', function () {
  this.timeout(300_000);
  let reference: MetricLine[];
  let refSummary: RunSummaryFile;

  before(function () {
    if (!fs.existsSync(path.join(ROOT, 'dist', 'cli.js'))) this.skip();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-ref-'));
    trainToEnd([experiment(dir)]);
    reference = readJsonl(path.join(runDirOf(dir), 'metrics.jsonl'));
    refSummary = JSON.parse(fs.readFileSync(path.join(runDirOf(dir), 'summary.json'), 'utf8'));
  });

  it('the reference run has one train line per step, one val line per epoch and one test line', () => {
    assert.equal(reference.filter((m) => m.split === 'train').length, 8 * 3);
    assert.equal(reference.filter((m) => m.split === 'val').length, 8);
    assert.equal(reference.filter((m) => m.split === 'test').length, 1);
    assert.equal(refSummary.status, 'finished');
  });

  it('SIGKILL mid-epoch, then --resume: same metrics as the uninterrupted run, nothing lost or duplicated', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-kill-'));
    const file = experiment(dir);
    await interrupt(file, dir, 'SIGKILL', 11); // epoch 0: 3 train + 1 val, epoch 1: 3 + 1, then 3 of epoch 2
    const run = runDirOf(dir);
    const before = readJsonl<MetricLine>(path.join(run, 'metrics.jsonl'));
    const completed = new Set(before.filter((m) => m.split === 'val').map((m) => m.epoch));
    trainToEnd(['--resume', run]);
    const after = readJsonl<MetricLine>(path.join(run, 'metrics.jsonl'));
    for (const e of completed)
      assert.ok(
        after.some((m) => m.split === 'val' && m.epoch === e),
        `epoch ${e} kept`,
      );
    const keys = after.map((m) => `${m.split}:${m.step}:${m.epoch}`);
    assert.equal(new Set(keys).size, keys.length, 'no duplicated metric line');
    assert.deepEqual(comparable(after), comparable(reference));
    const summary: RunSummaryFile = JSON.parse(fs.readFileSync(path.join(run, 'summary.json'), 'utf8'));
    assert.equal(summary.test_acc, refSummary.test_acc);
    assert.equal(summary.best_epoch, refSummary.best_epoch);
    const text = fs.readFileSync(path.join(run, 'metrics.jsonl'), 'utf8');
    assert.ok(
      text.endsWith('\n') &&
        text
          .split('\n')
          .slice(0, -1)
          .every((l) => JSON.parse(l)),
      'no torn line',
    );
  });

  it('SIGINT saves a mid-epoch checkpoint; --resume continues exactly', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-int-'));
    const file = experiment(dir);
    const code = await interrupt(file, dir, 'SIGINT', 6);
    assert.equal(code, 1, 'a stopped run exits 1');
    const run = runDirOf(dir);
    const stopped: RunSummaryFile = JSON.parse(fs.readFileSync(path.join(run, 'summary.json'), 'utf8'));
    assert.equal(stopped.status, 'stopped');
    const last = JSON.parse(fs.readFileSync(path.join(run, 'checkpoints', 'last.json'), 'utf8'));
    assert.ok(last.position.globalStep >= 5, 'the checkpoint is at the step where it stopped');
    trainToEnd(['--resume', run]);
    assert.deepEqual(comparable(readJsonl(path.join(run, 'metrics.jsonl'))), comparable(reference));
    const events = readJsonl<{ type: string; status?: string }>(path.join(run, 'events.jsonl'));
    assert.deepEqual(
      events.filter((e) => e.type === 'status').map((e) => e.status),
      ['created', 'running', 'stopped', 'created', 'running', 'finished'],
    );
  });
});
