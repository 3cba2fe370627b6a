/** CodeLens above an experiment file's first line: "▶ Run" and the latest run's status and best accuracy. */
import * as vscode from 'vscode';
import type { RunsIndex } from '../runs/runs-index';
import { experimentNameOfText, latestRunLens } from '../status-format';

export class ExperimentCodeLens implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly subscription: { dispose(): void };

  constructor(private readonly index: RunsIndex) {
    this.subscription = index.onDidChange(() => this.changed.fire());
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
    const latest = name ? latestRunLens(this.index.records(), name) : null;
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
    this.subscription.dispose();
    this.changed.dispose();
  }
}
