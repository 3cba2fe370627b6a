/** Stop, Resume, Open Dashboard, Compare, Export Prompts, Reveal, Delete, Show Run Log. */

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { runFile } from '../../run-folder/layout';
import { hasLastCheckpoint } from '../../run-folder/run-resume';
import { requireTrust } from '../common/workspace-guards';
import type { Logger } from '../logger';
import { exportPrompts } from './export-prompts';
import { describeView, queueIdOfArg, runDirOfArg, runName, selectedRunDirs } from './run-command-model';
import type { DashboardOpener, LiveRuns, RunsOnDisk, RunsSource, TrainerLauncher } from './run-deps';
import { followRun } from './run-notification';
import { pickRunDir } from './run-picks';
import type { RunTreeNode } from './run-tree-model';

/** What the run commands need of the extension (SptContext has it; commands.ts wires it). */
export interface RunCommandDeps extends RunsSource, TrainerLauncher {
  readonly logger: Pick<Logger, 'info'>;
  readonly queue: LiveRuns;
  readonly index: RunsOnDisk;
  readonly dashboards: DashboardOpener;
  /** The trainer's log file of a run this window started, if it still exists. */
  logFileFor(runDir: string): string | undefined;
}

export async function stopRun(deps: RunCommandDeps, arg?: unknown): Promise<void> {
  let id = queueIdOfArg(deps.queue, arg);
  if (!id) {
    const live = deps.queue.active();
    if (!live.length) {
      void vscode.window.showInformationMessage('SPT: no run is running or queued.');
      return;
    }
    const picked =
      live.length === 1
        ? { id: live[0].id }
        : await vscode.window.showQuickPick(
            live.map((e) => ({ label: e.experiment, description: e.state, detail: e.runDir, id: e.id })),
            { placeHolder: 'Run to stop' },
          );
    id = picked?.id;
  }
  if (!id) return;
  const entry = deps.queue.get(id);
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: `SPT: stopping ${entry?.experiment ?? 'run'}` },
    () => deps.queue.stop(id),
  );
}

export async function resumeRun(deps: RunCommandDeps, arg?: unknown): Promise<void> {
  if (!requireTrust('Resume Run')) return;
  const runDir = await pickRunDir(deps, arg, (v) => v.resumable, 'Run to resume');
  if (!runDir) return;
  if (deps.queue.byRunDir(runDir)?.state === 'running') {
    void vscode.window.showInformationMessage('SPT: that run is already running.');
    return;
  }
  if (!hasLastCheckpoint(runDir)) {
    void vscode.window.showWarningMessage(
      'SPT: that run has no checkpoint to resume from (checkpoints/last.json).',
    );
    return;
  }
  const id = deps.enqueueTrain({ kind: 'train', resume: runDir });
  followRun(deps, id, `resuming ${path.basename(path.dirname(runDir))}`);
}

export async function openDashboard(deps: RunCommandDeps, arg?: unknown): Promise<void> {
  const runDir = await pickRunDir(deps, arg, () => true, 'Run to open');
  if (!runDir) return;
  if (!fs.existsSync(runDir)) {
    void vscode.window.showWarningMessage(`SPT: the run folder ${runDir} does not exist.`);
    return;
  }
  deps.dashboards.openRun(runDir);
}

export async function compareRuns(deps: RunCommandDeps, arg?: unknown, selected?: unknown): Promise<void> {
  let dirs: (string | undefined)[] = selectedRunDirs(selected);
  if (dirs.length < 2) {
    const views = deps.views().filter((v) => v.runDir && v.status !== 'unreadable');
    if (views.length < 2) {
      void vscode.window.showInformationMessage('SPT: Compare Runs needs at least two runs.');
      return;
    }
    const first = runDirOfArg(arg);
    const picked = await vscode.window.showQuickPick(
      views.map((v) => ({
        label: describeView(v),
        description: v.status,
        detail: v.runDir,
        runDir: v.runDir,
        picked: !!first && v.runDir === first,
      })),
      { canPickMany: true, placeHolder: 'Runs to compare (two or more)', matchOnDetail: true },
    );
    if (!picked) return;
    dirs = picked.map((p) => p.runDir);
  }
  const runDirs = dirs.filter((d): d is string => !!d);
  if (runDirs.length < 2) {
    void vscode.window.showInformationMessage('SPT: pick at least two runs to compare.');
    return;
  }
  deps.dashboards.openCompare(runDirs);
}

export async function exportRunPrompts(deps: RunCommandDeps, arg?: unknown): Promise<void> {
  const runDir = await pickRunDir(
    deps,
    arg,
    (v) => v.status !== 'unreadable' && v.status !== 'queued',
    'Run whose prompts to export',
  );
  if (!runDir) return;
  const out = exportPrompts(runDir);
  deps.logger.info(`exported ${out.checkpoint} prompts of ${runDir} to ${out.dir}`);
  const choice = await vscode.window.showInformationMessage(
    `SPT: exported the ${out.checkpoint} checkpoint's prompts and head to ${path.basename(out.safetensors)} with a PyTorch loader (${path.basename(out.snippet)}).`,
    'Open Loader',
    'Reveal',
  );
  if (choice === 'Open Loader') await vscode.window.showTextDocument(vscode.Uri.file(out.snippet));
  else if (choice === 'Reveal') await reveal(out.safetensors);
}

async function reveal(file: string): Promise<void> {
  const uri = vscode.Uri.file(file);
  try {
    await vscode.commands.executeCommand('revealFileInOS', uri);
  } catch {
    // no OS file manager (a browser or remote window): the explorer instead
    await vscode.commands.executeCommand('revealInExplorer', uri);
  }
}

export async function revealRunFolder(deps: RunCommandDeps, arg?: unknown): Promise<void> {
  const runDir = await pickRunDir(deps, arg, () => true, 'Run folder to reveal');
  if (runDir) await reveal(runDir);
}

export async function deleteRun(deps: RunCommandDeps, arg?: unknown): Promise<void> {
  const runDir = await pickRunDir(deps, arg, (v) => !v.live, 'Run to delete');
  if (!runDir) return;
  const live = deps.queue.byRunDir(runDir);
  if (live && (live.state === 'running' || live.state === 'queued')) {
    void vscode.window.showWarningMessage('SPT: stop the run before deleting it.');
    return;
  }
  const name = runName(runDir);
  const ok = await vscode.window.showWarningMessage(
    `Delete the run ${name}?`,
    {
      modal: true,
      detail: `This deletes ${runDir} with its checkpoints, metrics and analysis. It cannot be undone.`,
    },
    'Delete',
  );
  if (ok !== 'Delete') return;
  await fs.promises.rm(runDir, { recursive: true, force: true });
  deps.logger.info(`deleted ${runDir}`);
  deps.index.rescan();
}

export async function showRunLog(deps: RunCommandDeps, arg?: unknown): Promise<void> {
  const node = arg as (Partial<RunTreeNode> & { logFile?: string }) | undefined;
  let file = node?.logFile ?? (node?.kind === 'artifact' ? node.resourcePath : undefined);
  if (!file) {
    const runDir = await pickRunDir(deps, arg, () => true, 'Run whose log to open');
    if (!runDir) return;
    file = deps.logFileFor(runDir) ?? runFile(runDir, 'events');
  }
  if (!fs.existsSync(file)) {
    void vscode.window.showInformationMessage('SPT: this run has no log file (it ran outside this window).');
    return;
  }
  await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: true });
}
