/**
 * The status bar item of the active run, in the one progress wording (runs/run-progress.ts):
 * `exp · epoch 3/10 · step 75/250 · 41 img/s · ETA 2 min`; hidden when nothing runs. It is the only
 * SPT entry in the status bar: the run notification closes once training is under way.
 */
import * as vscode from 'vscode';
import { activeEntry, statusBarText } from '../status-format';
import type { RunQueue } from './run-queue';
import type { RunView } from './run-tree-model';

export class RunStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(
    'spt.activeRun',
    vscode.StatusBarAlignment.Left,
    50,
  );
  private readonly subscription: { dispose(): void };
  private readonly ticker: NodeJS.Timeout;

  constructor(
    private readonly queue: RunQueue,
    /** Disk and live state merged (SptContext.views()): the same numbers as the tree and the CodeLens. */
    private readonly views: () => RunView[],
  ) {
    this.item.name = 'SPT Active Run';
    this.subscription = queue.onDidChange(() => this.update());
    // The ETA moves while no event arrives (a long validation pass).
    this.ticker = setInterval(() => this.update(), 5000);
    this.update();
  }

  update(): void {
    const entries = this.queue.list();
    const e = activeEntry(entries);
    if (!e) {
      this.item.hide();
      return;
    }
    const queued = entries.filter((x) => x.state === 'queued').length;
    const running = entries.filter((x) => x.state === 'running').length;
    const more = running > 1 || queued ? ` (+${running - 1 + queued})` : '';
    const view = this.views().find((v) => v.queueId === e.id);
    this.item.text = `$(loading~spin) ${view ? statusBarText(view) : `${e.experiment} · starting`}${more}`;
    const tip = new vscode.MarkdownString(
      `**SPT run:** ${e.experiment}\n\n${e.runDir ? `\`${e.runDir}\`\n\n` : ''}Click to open its dashboard.`,
    );
    this.item.tooltip = tip;
    this.item.command = e.runDir
      ? { command: 'spt.openDashboard', title: 'Open Dashboard', arguments: [e.runDir] }
      : { command: 'workbench.view.extension.spt', title: 'Show Runs' };
    this.item.show();
  }

  dispose(): void {
    clearInterval(this.ticker);
    this.subscription.dispose();
    this.item.dispose();
  }
}
