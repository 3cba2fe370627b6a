/**
 * CodeLens above an experiment file's first line: "▶ Run" and the latest run's status and best accuracy,
 * in the one progress wording while it trains (runs/run-progress.ts). It follows the runs on disk and the
 * queue's live state, re-rendered at most once a second.
 */
import * as vscode from 'vscode';
import type { RunView } from '../runs/run-tree-model';
import { experimentNameOfText, latestRunLens } from './code-lens-model';

type Subscribe = (listener: () => void) => { dispose(): void };

const REFRESH_MS = 1000;

export class ExperimentCodeLens implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly subscriptions: { dispose(): void }[];
  private timer: NodeJS.Timeout | undefined;

  /** `views`: disk and live state merged (SptContext.views()); `changes`: the index's and the queue's events. */
  constructor(
    private readonly views: () => RunView[],
    changes: Subscribe[],
  ) {
    this.subscriptions = changes.map((subscribe) => subscribe(() => this.changedSoon()));
  }

  private changedSoon(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.changed.fire();
    }, REFRESH_MS);
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const top = new vscode.Range(0, 0, 0, 0);
    const lenses = [
      new vscode.CodeLens(top, {
        title: '$(play) Run',
        tooltip: 'SPT: Run Experiment',
        command: 'spt.runExperiment',
        arguments: [document.uri],
      }),
    ];
    const name = experimentNameOfText(document.getText());
    const latest = name ? latestRunLens(this.views(), name) : null;
    if (latest) {
      lenses.push(
        new vscode.CodeLens(top, {
          title: latest.title,
          tooltip: 'Open the latest run',
          command: 'spt.openDashboard',
          arguments: [latest.runDir],
        }),
      );
    }
    return lenses;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }
}
