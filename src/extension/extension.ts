/**
 * Extension entry. Everything it creates is owned by one SptContext (tracked disposables, the run
 * queue, the runs index); activation errors are logged and shown, then rethrown so VS Code records
 * them too. No TensorFlow.js here: the build fails if dist/extension.js contains it, and every run
 * is a separate trainer process.
 */

import * as vscode from 'vscode';
import type { DashboardMode } from '../shared/webview-contract';
import { DoctorDocuments } from './backends/doctor-view';
import { registerCommands } from './commands';
import { SptContext } from './context';
import { ExperimentCodeLens } from './experiments/code-lens';
import type { RunningClient } from './language/language-client';
import { startLanguageClientOnDemand } from './language/lazy-language-client';
import { EXPERIMENT_SELECTOR } from './language/spt-language';
import { Logger } from './logger';
import { interruptedNotice, runFailedMessage } from './runs/run-command-model';
import type { QueueEntry } from './runs/run-queue';
import { buildRunTree, type RunTreeNode } from './runs/run-tree-model';
import { RunsTreeProvider } from './runs/runs-tree-provider';
import { RunsViewState, registerRunsViewCommands } from './runs/runs-view-commands';
import { RunStatusBar } from './runs/status-bar';
import { buildSweepTree } from './sweeps/sweep-tree-model';

const HIDE_INTERRUPTED_KEY = 'spt.hideInterruptedRunsNotice';

let ctx: SptContext | undefined;
let client: RunningClient | undefined;

/**
 * What `activate` returns (`vscode.extensions.getExtension('spt-studio.spt-studio').exports`): read-only views
 * of the extension's state for other extensions and for the extension tests.
 */
export interface SptStudioApi {
  /** The Runs view's model, as shown: experiments, their runs (status, description, icon) and children. */
  runsTree(): RunTreeNode[];
  /** The open dashboard panels: one per run, one per set of compared runs. */
  dashboards(): { key: string; mode: DashboardMode; runDirs: string[]; visible: boolean }[];
}

export function activate(context: vscode.ExtensionContext): SptStudioApi {
  const started = Date.now();
  const logger = new Logger();
  context.subscriptions.push(logger);
  try {
    const version = (context.extension.packageJSON as { version?: string }).version ?? '?';
    logger.info(`SPT Studio ${version} activating (${vscode.ExtensionMode[context.extensionMode]} mode)`);
    const documents = new DoctorDocuments();
    const c = new SptContext(context, logger, documents);
    ctx = c;
    c.track(documents);
    for (const d of registerCommands(c)) c.track(d);
    c.track(c.dashboards.registerSerializer());
    client = c.track(startLanguageClientOnDemand(context.extensionPath, logger));

    const viewState = c.track(new RunsViewState(context.workspaceState));
    const tree = c.track(
      new RunsTreeProvider(() => {
        const opts = {
          logFileFor: (dir: string) => c.logFileFor(dir),
          sweepLive: (sweepDir: string, run: string) => c.sweepLive.get(sweepDir, run),
        };
        const runOpts = { ...opts, sort: viewState.sort, filter: viewState.filter };
        return [
          ...buildSweepTree(c.index.sweeps(), opts),
          ...buildRunTree(c.index.records(), c.queue.list(), runOpts),
        ];
      }),
    );
    const treeView = c.track(
      vscode.window.createTreeView('spt.runs', {
        treeDataProvider: tree,
        canSelectMany: true,
        showCollapseAll: true,
      }),
    );
    treeView.message = viewState.message();
    c.track(
      viewState.onDidChange(() => {
        treeView.message = viewState.message();
        tree.refresh();
      }),
    );
    for (const d of registerRunsViewCommands(c, viewState, () => tree.refresh())) c.track(d);
    const states = new Map<string, QueueEntry['state']>();
    c.track(
      c.queue.onDidChange((e) => {
        void vscode.commands.executeCommand('setContext', 'spt.hasLiveRuns', c.queue.active().length > 0);
        const before = states.get(e.id);
        states.set(e.id, e.state);
        if (before === e.state) {
          tree.refreshSoon();
          return;
        }
        c.index.rescan();
        tree.refresh();
        if (e.state === 'failed') void reportFailure(e);
      }),
    );
    c.track(c.index.onDidChange(() => tree.refreshSoon()));
    c.track(c.onSweepLiveChange(() => tree.refreshSoon()));
    c.track(new RunStatusBar(c.queue, () => c.views()));
    const lens = c.track(
      new ExperimentCodeLens(() => c.views(), [(l) => c.index.onDidChange(l), (l) => c.queue.onDidChange(l)]),
    );
    c.track(vscode.languages.registerCodeLensProvider(EXPERIMENT_SELECTOR, lens));
    c.track(vscode.workspace.onDidGrantWorkspaceTrust(() => tree.refresh()));

    // Runs on disk are looked for after activation returns (findFiles can take a while).
    void c.refreshRunsFolders().then(
      () => offerResume(c, context),
      (err) => logger.warn(`could not scan for runs: ${err}`),
    );
    logger.info(`activated in ${Date.now() - started} ms`);
    return { runsTree: () => tree.getChildren(), dashboards: () => c.dashboards.open() };
  } catch (err) {
    void logger.showError('SPT Studio failed to activate', err);
    throw err;
  }
}

async function reportFailure(e: QueueEntry): Promise<void> {
  const choice = await vscode.window.showErrorMessage(
    runFailedMessage(e),
    'Show Log',
    ...(e.runDir ? ['Open Dashboard'] : []),
  );
  if (choice === 'Show Log')
    await vscode.commands.executeCommand('spt.showRunLog', {
      logFile: e.logFile,
      runDir: e.runDir,
      contextValue: 'run',
    });
  else if (choice === 'Open Dashboard') await vscode.commands.executeCommand('spt.openDashboard', e.runDir);
}

/** Runs that were running when the last window closed (or crashed): offer to resume them. */
async function offerResume(c: SptContext, context: vscode.ExtensionContext): Promise<void> {
  if (context.globalState.get<boolean>(HIDE_INTERRUPTED_KEY)) return;
  const notice = interruptedNotice(c.index.records());
  if (!notice) return;
  const choice = await vscode.window.showInformationMessage(
    notice.message,
    'Resume',
    'Show Runs',
    "Don't Show Again",
  );
  if (choice === 'Resume') {
    if (notice.runDir) await vscode.commands.executeCommand('spt.resumeRun', notice.runDir);
    else await vscode.commands.executeCommand('spt.resumeRun');
  } else if (choice === 'Show Runs') await vscode.commands.executeCommand('spt.runs.focus');
  else if (choice === "Don't Show Again") await context.globalState.update(HIDE_INTERRUPTED_KEY, true);
}

/** Stops live runs with a resumable checkpoint, the language server, then everything else. */
export function deactivate(): Promise<void> | undefined {
  const c = ctx;
  const languageClient = client;
  ctx = undefined;
  client = undefined;
  if (!c && !languageClient) return undefined;
  return Promise.all([c?.dispose(), languageClient?.stop()]).then(() => undefined);
}
