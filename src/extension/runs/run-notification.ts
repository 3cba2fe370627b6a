/**
 * The run's notification: a cancellable progress notification (cancel stops the run, resumable) while
 * it is queued and starting, in the one progress wording; it closes once training is under way, so the
 * status bar item is the run's only entry there (a minimised notification would be a second one). When
 * the run ends, a message says how (finished with its accuracy; failures are reported by the extension).
 * The texts are ./run-command-model.ts's.
 */
import * as vscode from 'vscode';
import { runEndedMessage, runNotificationMessage, trainingUnderWay } from './run-command-model';
import type { LiveRuns, RunsSource } from './run-deps';
import { progressText } from './run-tree-model';

/** How long the run notification stays once training is under way. */
const FOLLOW_MS = 5000;

export function followRun(deps: RunsSource & { readonly queue: LiveRuns }, id: string, title: string): void {
  const { queue } = deps;
  const progressOf = () => {
    const v = deps.views().find((x) => x.queueId === id);
    return v ? progressText(v) : '';
  };
  const ended = queue.onDidChange((e) => {
    if (e.id !== id || e.state === 'queued' || e.state === 'running') return;
    ended.dispose();
    const message = runEndedMessage(e, progressOf());
    if (!message) return;
    if (e.state === 'finished')
      void vscode.window.showInformationMessage(message, 'Open Dashboard').then((c) => {
        if (c && e.runDir) void vscode.commands.executeCommand('spt.openDashboard', e.runDir);
      });
    else void vscode.window.showInformationMessage(message);
  });
  const first = queue.get(id);
  if (!first || (first.state !== 'queued' && first.state !== 'running')) {
    ended.dispose();
    return;
  }
  void vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `SPT: ${title}`, cancellable: true },
    (progress, token) =>
      new Promise<void>((resolve) => {
        let closing = false;
        const sub = queue.onDidChange((e) => {
          if (e.id !== id) return;
          if (e.state !== 'queued' && e.state !== 'running') {
            sub.dispose();
            resolve();
            return;
          }
          progress.report({ message: runNotificationMessage(e, progressOf()) });
          if (!trainingUnderWay(e) || closing) return;
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
          void queue.stop(id);
        });
      }),
  );
}
