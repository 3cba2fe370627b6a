/**
 * Runs started from the commands, in real trainer processes (the experiments are written by
 * test/vscode/harness/workspace.ts): a tiny run finishes with summary.json, Stop leaves a resumable
 * run, and a trainer killed from outside is reported failed while the extension keeps working.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SptStudioApi } from '../../../src/extension/extension';
import { readRunRecord } from '../../../src/extension/runs/run-discovery';
import type { RunTreeNode } from '../../../src/extension/runs/run-tree-model';
import { extension, nonEmptyFile, poll, readJsonFile, runFolders, workspaceFile } from './util';

interface Summary {
  status: string;
  epochs_completed?: number;
}

/** The run folder the trainer creates for `experiment` (the only one). */
const runFolder = (experiment: string, timeoutMs = 30_000) =>
  poll(`a run folder of ${experiment}`, () => runFolders(experiment)[0], timeoutMs, 200);

/** The open dashboard panel of `runDir` (from the extension's exported API). */
const dashboardPanel = (runDir: string) =>
  poll(
    `the dashboard panel of ${runDir}`,
    () =>
      (extension().exports as SptStudioApi)
        .dashboards()
        .find((p) => p.mode === 'run' && path.resolve(p.runDirs[0]) === path.resolve(runDir)),
    10_000,
  );

/** The extension host's child processes running dist/trainer.js. */
function trainerPids(): number[] {
  const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((l) => /[\\/]dist[\\/]trainer\.js/.test(l))
    .map((l) => Number.parseInt(l.trim(), 10));
}

/** The Runs view's node of `runDir` (from the extension's exported API: the model the view shows). */
function treeNode(runDir: string): RunTreeNode | undefined {
  const api = extension().exports as SptStudioApi;
  const walk = (nodes: RunTreeNode[]): RunTreeNode | undefined => {
    for (const n of nodes) {
      if (n.runDir && path.resolve(n.runDir) === path.resolve(runDir) && n.kind === 'run') return n;
      const hit = walk(n.kind === 'run' ? [] : (n.children ?? []));
      if (hit) return hit;
    }
    return undefined;
  };
  return walk(api.runsTree());
}

const treeStatus = (runDir: string, status: string) =>
  poll(
    `the Runs tree to show ${path.basename(runDir)} as ${status}`,
    () => treeNode(runDir)?.status === status,
    15_000,
    200,
  );

describe('runs', () => {
  after(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  it('Run Experiment on a tiny experiment reaches finished with summary.json', async function () {
    this.timeout(120_000);
    const t0 = Date.now();
    await vscode.commands.executeCommand('spt.runExperiment', workspaceFile('exp/train-tiny.spt.yaml'));
    const runDir = await runFolder('train-tiny');
    const summary = await poll(
      'summary.json with status finished',
      () => {
        const s = readJsonFile<Summary>(path.join(runDir, 'summary.json'));
        return s?.status === 'finished' ? s : undefined;
      },
      90_000,
      250,
    );
    console.log(`    finished ${Date.now() - t0} ms after Run Experiment: ${runDir}`);
    assert.equal(summary.epochs_completed, 2);
    const record = readRunRecord(runDir);
    assert.equal(record.status, 'finished');
    await treeStatus(runDir, 'finished');
    assert.match(treeNode(runDir)?.description ?? '', /test|finished/);
    assert.equal(record.experiment, 'train-tiny');
    // What the Runs tree and the dashboard show: the extension's own record of the run.
    await vscode.commands.executeCommand('spt.openDashboard', runDir);
    const panel = await dashboardPanel(runDir);
    // Opening it again reveals the same panel.
    await vscode.commands.executeCommand('spt.openDashboard', runDir);
    assert.deepEqual(
      (extension().exports as SptStudioApi).dashboards().filter((p) => p.key === panel.key).length,
      1,
    );
  });

  it('Stop Run leaves a stopped, resumable run', async function () {
    this.timeout(120_000);
    await vscode.commands.executeCommand('spt.runExperiment', workspaceFile('exp/long.spt.yaml'));
    const runDir = await runFolder('long');
    await poll('the first metrics line', () => nonEmptyFile(path.join(runDir, 'metrics.jsonl')), 60_000, 200);
    const t0 = Date.now();
    // The form the tree's inline action and the dashboard use: the run folder.
    await vscode.commands.executeCommand('spt.stopRun', runDir);
    const summary = await poll(
      'summary.json with status stopped',
      () => {
        const s = readJsonFile<Summary>(path.join(runDir, 'summary.json'));
        return s && s.status !== 'running' ? s : undefined;
      },
      30_000,
      200,
    );
    console.log(
      `    stopped ${Date.now() - t0} ms after Stop Run, after ${summary.epochs_completed} epoch(s)`,
    );
    assert.equal(summary.status, 'stopped');
    assert.ok(fs.existsSync(path.join(runDir, 'checkpoints', 'last.json')), 'checkpoints/last.json');
    const record = readRunRecord(runDir);
    assert.equal(record.status, 'stopped');
    assert.equal(record.resumable, true);
    assert.deepEqual(trainerPids(), [], 'a trainer process is still running');
  });

  it('a trainer killed from outside is reported failed and the extension keeps working', async function () {
    this.timeout(120_000);
    await vscode.commands.executeCommand('spt.runExperiment', workspaceFile('exp/long-kill.spt.yaml'));
    const runDir = await runFolder('long-kill');
    await poll('the first metrics line', () => nonEmptyFile(path.join(runDir, 'metrics.jsonl')), 60_000, 200);
    const pids = trainerPids();
    assert.equal(pids.length, 1, `trainer processes: ${pids.join(', ')}`);
    const t0 = Date.now();
    process.kill(pids[0], 'SIGKILL');
    await poll('the trainer to exit', () => trainerPids().length === 0, 10_000);

    // The run's log (Show Run Log, the failure notification's "Show Log") says why it failed.
    await vscode.commands.executeCommand('spt.showRunLog', runDir);
    const log = await poll(
      'the run log editor',
      () => {
        const f = vscode.window.activeTextEditor?.document.uri.fsPath;
        return f?.endsWith('.log') ? f : undefined;
      },
      10_000,
    );
    const failure = await poll(
      "the log's 'run failed' line",
      () =>
        fs
          .readFileSync(log, 'utf8')
          .split('\n')
          .find((l) => /run failed: .*killed by SIGKILL/.test(l)),
      10_000,
    );
    console.log(`    reported ${Date.now() - t0} ms after SIGKILL: ${failure.trim()}`);
    // The trainer keeps summary.json at status running while it trains; a killed one cannot end it.
    const summary = readJsonFile<Summary>(path.join(runDir, 'summary.json'));
    assert.ok(!summary || summary.status === 'running', `summary.json status ${summary?.status}`);
    // On disk the run ran and has no live process: interrupted (the tree and Resume offer read this).
    const record = readRunRecord(runDir);
    // The Runs tree shows the live verdict of this session: failed.
    await treeStatus(runDir, 'failed');
    assert.equal(record.status, 'interrupted');

    // The extension still works: a command that spawns a process and one that rescans the runs.
    await vscode.commands.executeCommand('spt.refreshRuns');
    await vscode.commands.executeCommand('spt.validateExperiment', workspaceFile('exp/train-tiny.spt.yaml'));
    await vscode.commands.executeCommand('spt.openDashboard', runDir);
    await dashboardPanel(runDir);
  });
});
