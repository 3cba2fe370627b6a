/** What the commands share: trust checks, picking a run or an experiment file, following a run. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SptContext } from './context';
import { progressText, type RunTreeNode, type RunView } from './runs/run-tree-model';

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
 * The run's notification: a cancellable progress notification (cancel stops the run, resumable) while
 * it is queued and starting, in the one progress wording; it closes once training is under way, so the
 * status bar item is the run's only entry there (a minimised notification would be a second one). When
 * the run ends, a message says how (finished with its accuracy; failures are reported by the extension).
 */
/** How long the run notification stays once training is under way. */
const FOLLOW_MS = 5000;

export function followRun(ctx: SptContext, id: string, title: string): void {
  const viewOf = () => ctx.views().find((v) => v.queueId === id);
  const ended = ctx.queue.onDidChange((e) => {
    if (e.id !== id || e.state === 'queued' || e.state === 'running') return;
    ended.dispose();
    const v = viewOf();
    const progress = v ? progressText(v) : '';
    if (e.state === 'finished') {
      const acc = e.testAcc ?? e.bestValAcc;
      const score =
        acc !== undefined ? `${e.testAcc !== undefined ? 'test' : 'val'} ${(100 * acc).toFixed(1)}%` : '';
      void vscode.window
        .showInformationMessage(
          `SPT: ${e.experiment} finished: ${[progress, score].filter(Boolean).join(' · ')}.`,
          'Open Dashboard',
        )
        .then((c) => {
          if (c && e.runDir) void vscode.commands.executeCommand('spt.openDashboard', e.runDir);
        });
    } else if (e.state === 'stopped') {
      void vscode.window.showInformationMessage(
        `SPT: ${e.experiment} stopped at ${progress || 'its start'}; resume it from the Runs view.`,
      );
    }
  });
  const first = ctx.queue.get(id);
  if (!first || (first.state !== 'queued' && first.state !== 'running')) {
    ended.dispose();
    return;
  }
  void vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `SPT: ${title}`, cancellable: true },
    (progress, token) =>
      new Promise<void>((resolve) => {
        let closing = false;
        const sub = ctx.queue.onDidChange((e) => {
          if (e.id !== id) return;
          if (e.state !== 'queued' && e.state !== 'running') {
            sub.dispose();
            resolve();
            return;
          }
          const v = viewOf();
          const under = e.state === 'running' && (e.step ?? 0) >= 1;
          progress.report({
            message: under
              ? `${v ? progressText(v) : ''} · follow it in the status bar`
              : e.state === 'queued'
                ? 'queued'
                : 'starting',
          });
          if (!under || closing) return;
          closing = true;
          // Long enough to read the progress line a few times as it moves.
          setTimeout(() => {
            sub.dispose();
            resolve();
          }, FOLLOW_MS);
        });
        progress.report({ message: first.state === 'queued' ? 'queued' : 'starting' });
        token.onCancellationRequested(() => {
          progress.report({ message: 'stopping (saving a resumable checkpoint)...' });
          void ctx.queue.stop(id);
        });
      }),
  );
}
