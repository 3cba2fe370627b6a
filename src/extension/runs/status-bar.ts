/** The status bar item of the active run: epoch/total, loss, ETA; hidden when nothing runs. */
import * as vscode from 'vscode';
import { activeEntry, statusBarText } from '../status-format';
import type { RunQueue } from './run-queue';

export class RunStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(
    'spt.activeRun',
    vscode.StatusBarAlignment.Left,
    50,
  );
  private readonly subscription: { dispose(): void };
  private readonly ticker: NodeJS.Timeout;

  constructor(private readonly queue: RunQueue) {
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
    this.item.text = `$(loading~spin) ${statusBarText(e, Date.now())}${more}`;
    const tip = new vscode.MarkdownString(
      `**SPT run:** ${e.experiment}\n\n${e.runDir ? `\`${e.runDir}\`\n\n` : ''}Click to open its summary.`,
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
