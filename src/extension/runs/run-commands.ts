/** Stop, Resume, Open Dashboard, Compare, Export Prompts, Reveal, Delete, Show Run Log. */

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { runFile } from '../../run-folder/layout';
import { hasLastCheckpoint } from '../../run-folder/run-resume';
import {
  describeView,
  followRun,
  pickRunDir,
  queueIdOfArg,
  requireTrust,
  runDirOfArg,
} from '../command-helpers';
import type { SptContext } from '../context';
import { exportPrompts } from './export-prompts';
import type { RunTreeNode } from './run-tree-model';

export async function stopRun(ctx: SptContext, arg?: unknown): Promise<void> {
  let id = queueIdOfArg(ctx, arg);
  if (!id) {
    const live = ctx.queue.active();
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
  const entry = ctx.queue.get(id);
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: `SPT: stopping ${entry?.experiment ?? 'run'}` },
    () => ctx.queue.stop(id),
  );
}

export async function resumeRun(ctx: SptContext, arg?: unknown): Promise<void> {
  if (!requireTrust('Resume Run')) return;
  const runDir = await pickRunDir(ctx, arg, (v) => v.resumable, 'Run to resume');
  if (!runDir) return;
  if (ctx.queue.byRunDir(runDir)?.state === 'running') {
    void vscode.window.showInformationMessage('SPT: that run is already running.');
    return;
  }
  if (!hasLastCheckpoint(runDir)) {
    void vscode.window.showWarningMessage(
      'SPT: that run has no checkpoint to resume from (checkpoints/last.json).',
    );
    return;
  }
  const id = ctx.enqueueTrain({ kind: 'train', resume: runDir });
  followRun(ctx, id, `resuming ${path.basename(path.dirname(runDir))}`);
}

export async function openDashboard(ctx: SptContext, arg?: unknown): Promise<void> {
  const runDir = await pickRunDir(ctx, arg, () => true, 'Run to open');
  if (!runDir) return;
  if (!fs.existsSync(runDir)) {
    void vscode.window.showWarningMessage(`SPT: the run folder ${runDir} does not exist.`);
    return;
  }
  ctx.dashboards.openRun(runDir);
}

export async function compareRuns(ctx: SptContext, arg?: unknown, selected?: unknown): Promise<void> {
  let dirs = Array.isArray(selected)
    ? (selected as RunTreeNode[]).filter((n) => n.kind === 'run').map((n) => runDirOfArg(n))
    : [];
  if (dirs.length < 2) {
    const views = ctx.views().filter((v) => v.runDir && v.status !== 'unreadable');
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
  ctx.dashboards.openCompare(runDirs);
}

export async function exportRunPrompts(ctx: SptContext, arg?: unknown): Promise<void> {
  const runDir = await pickRunDir(
    ctx,
    arg,
    (v) => v.status !== 'unreadable' && v.status !== 'queued',
    'Run whose prompts to export',
  );
  if (!runDir) return;
  const out = exportPrompts(runDir);
  ctx.logger.info(`exported ${out.checkpoint} prompts of ${runDir} to ${out.dir}`);
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

export async function revealRunFolder(ctx: SptContext, arg?: unknown): Promise<void> {
  const runDir = await pickRunDir(ctx, arg, () => true, 'Run folder to reveal');
  if (runDir) await reveal(runDir);
}

export async function deleteRun(ctx: SptContext, arg?: unknown): Promise<void> {
  const runDir = await pickRunDir(ctx, arg, (v) => !v.live, 'Run to delete');
  if (!runDir) return;
  const live = ctx.queue.byRunDir(runDir);
  if (live && (live.state === 'running' || live.state === 'queued')) {
    void vscode.window.showWarningMessage('SPT: stop the run before deleting it.');
    return;
  }
  const name = `${path.basename(path.dirname(runDir))}/${path.basename(runDir)}`;
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
  ctx.logger.info(`deleted ${runDir}`);
  ctx.index.rescan();
}

export async function showRunLog(ctx: SptContext, arg?: unknown): Promise<void> {
  const node = arg as (Partial<RunTreeNode> & { logFile?: string }) | undefined;
  let file = node?.logFile ?? (node?.kind === 'artifact' ? node.resourcePath : undefined);
  if (!file) {
    const runDir = await pickRunDir(ctx, arg, () => true, 'Run whose log to open');
    if (!runDir) return;
    file = ctx.logFileFor(runDir) ?? runFile(runDir, 'events');
  }
  if (!fs.existsSync(file)) {
    void vscode.window.showInformationMessage('SPT: this run has no log file (it ran outside this window).');
    return;
  }
  await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: true });
}
