/**
 * The status bar item of the active run, in the one progress wording (runs/run-progress.ts):
 * `exp · epoch 3/10 · step 75/250 · 41 img/s · ETA 2 min`; hidden when nothing runs. It is the only
 * SPT entry in the status bar: the run notification closes once training is under way. What it shows
 * is ./status-bar-model.ts's.
 */
import * as vscode from 'vscode';
import { plannedEpochs } from './run-discovery';
import type { RunQueue } from './run-queue';
import type { RunView } from './run-tree-model';
import { statusBarState } from './status-bar-model';

export class RunStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(
    'spt.activeRun',
    vscode.StatusBarAlignment.Left,
    50,
  );
  private readonly subscription: { dispose(): void };
  private readonly ticker: NodeJS.Timeout;

  constructor(
    private readonly queue: Pick<RunQueue, 'list' | 'onDidChange'>,
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
    const state = statusBarState(this.queue.list(), this.views(), plannedEpochs);
    if (!state) {
      this.item.hide();
      return;
    }
    this.item.text = `$(loading~spin) ${state.text}`;
    this.item.tooltip = new vscode.MarkdownString(state.tooltip);
    this.item.command = state.command;
    this.item.show();
  }

  dispose(): void {
    clearInterval(this.ticker);
    this.subscription.dispose();
    this.item.dispose();
  }
}
