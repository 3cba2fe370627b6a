/** What the commands share: trust checks, picking a run or an experiment file, following a run. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SptContext } from './context';
import type { RunTreeNode, RunView } from './runs/run-tree-model';
import { statusBarText } from './status-format';

export const EXPERIMENT_GLOB = '**/*.spt.yaml';
const EXCLUDE = '**/{node_modules,.git}/**';

/** False (after saying why) in an untrusted workspace. */
export function requireTrust(what: string): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window
    .showWarningMessage(
      `SPT: ${what} starts processes and is disabled in an untrusted workspace. Validation still works.`,
      'Manage Workspace Trust',
    )
    .then((choice) => {
      if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
    });
  return false;
}

const isNode = (v: unknown): v is RunTreeNode =>
  !!v && typeof v === 'object' && typeof (v as RunTreeNode).contextValue === 'string';

/** The run folder a command argument names (a tree node, a path, a Uri). */
export function runDirOfArg(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg instanceof vscode.Uri) return arg.fsPath;
  if (isNode(arg)) return arg.runDir;
  return undefined;
}

export function queueIdOfArg(ctx: SptContext, arg: unknown): string | undefined {
  if (isNode(arg) && arg.queueId) return arg.queueId;
  const dir = runDirOfArg(arg);
  return dir ? ctx.queue.byRunDir(dir)?.id : undefined;
}

export function describeView(v: RunView): string {
  const when = v.runDir ? path.basename(v.runDir) : 'queued';
  return `${v.experiment} · ${when}`;
}

/** The run of the argument, else one picked from the runs that `filter` accepts. */
export async function pickRunDir(
  ctx: SptContext,
  arg: unknown,
  filter: (v: RunView) => boolean,
  placeHolder: string,
): Promise<string | undefined> {
  const fromArg = runDirOfArg(arg);
  if (fromArg) return fromArg;
  const views = ctx.views().filter((v) => v.runDir && filter(v));
  if (!views.length) {
    void vscode.window.showInformationMessage(`SPT: no run to choose (${placeHolder.toLowerCase()}).`);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    views.map((v) => ({ label: describeView(v), description: v.status, detail: v.runDir, runDir: v.runDir })),
    { placeHolder, matchOnDetail: true },
  );
  return picked?.runDir;
}

/** The argument's file, the active experiment editor's, or one picked from the workspace. */
export async function pickExperimentFile(
  arg: unknown,
  placeHolder = 'Experiment file',
): Promise<string | undefined> {
  if (arg instanceof vscode.Uri && arg.fsPath.endsWith('.spt.yaml')) return arg.fsPath;
  if (typeof arg === 'string' && arg.endsWith('.yaml')) return arg;
  const active = vscode.window.activeTextEditor?.document.uri;
  if (!arg && active?.scheme === 'file' && active.fsPath.endsWith('.spt.yaml')) return active.fsPath;
  const files = await vscode.workspace.findFiles(EXPERIMENT_GLOB, EXCLUDE, 500);
  if (!files.length) {
    const choice = await vscode.window.showInformationMessage(
      'SPT: the workspace has no experiment files (*.spt.yaml).',
      'New Experiment',
    );
    if (choice) await vscode.commands.executeCommand('spt.newExperiment');
    return undefined;
  }
  if (files.length === 1 && !arg) return files[0].fsPath;
  const picked = await vscode.window.showQuickPick(
    files
      .sort((a, b) => a.fsPath.localeCompare(b.fsPath))
      .map((f) => ({
        label: path.basename(f.fsPath),
        description: vscode.workspace.asRelativePath(f),
        uri: f,
      })),
    { placeHolder },
  );
  return picked?.uri.fsPath;
}

/** Saves the file when it is open with unsaved changes (the trainer reads it from disk). */
export async function saveIfDirty(file: string): Promise<void> {
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === file);
  if (doc?.isDirty) await doc.save();
}

/**
 * A cancellable progress notification that follows a queued run until it ends; cancel stops it
 * (resumable). A finished run says so with its accuracy; failures are reported by the extension.
 */
export function followRun(ctx: SptContext, id: string, title: string): void {
  void vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `SPT: ${title}`, cancellable: true },
    (progress, token) =>
      new Promise<void>((resolve) => {
        let reported = 0;
        const sub = ctx.queue.onDidChange((e) => {
          if (e.id !== id) return;
          const fraction = e.step && e.totalSteps ? e.step / e.totalSteps : 0;
          const increment = Math.max(0, fraction * 100 - reported);
          reported += increment;
          progress.report({ message: statusBarText(e, Date.now()), increment });
          if (e.state === 'queued' || e.state === 'running') return;
          sub.dispose();
          resolve();
          if (e.state === 'finished') {
            const acc = e.testAcc ?? e.bestValAcc;
            void vscode.window
              .showInformationMessage(
                `SPT: ${e.experiment} finished${acc !== undefined ? ` (${e.testAcc !== undefined ? 'test' : 'val'} ${(100 * acc).toFixed(1)}%)` : ''}.`,
                'Open Dashboard',
              )
              .then((c) => {
                if (c && e.runDir) void vscode.commands.executeCommand('spt.openDashboard', e.runDir);
              });
          } else if (e.state === 'stopped') {
            void vscode.window.showInformationMessage(
              `SPT: ${e.experiment} stopped; resume it from the Runs view.`,
            );
          }
        });
        const entry = ctx.queue.get(id);
        if (!entry || (entry.state !== 'queued' && entry.state !== 'running')) {
          sub.dispose();
          resolve();
          return;
        }
        progress.report({ message: entry.state === 'queued' ? 'queued' : 'starting' });
        token.onCancellationRequested(() => {
          progress.report({ message: 'stopping (saving a resumable checkpoint)...' });
          void ctx.queue.stop(id);
        });
      }),
  );
}
