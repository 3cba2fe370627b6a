/**
 * Every command of the extension, from one table. Each id must also be in package.json
 * `contributes.commands`. A failing command shows its error with a "Show Logs" button.
 */
import * as vscode from 'vscode';
import { runCliJson } from './cli-runner';
import { renderDoctorMarkdown } from './doctor-markdown';
import type { DoctorDocuments } from './doctor-view';
import type { Logger } from './logger';

export interface CommandDeps {
  logger: Logger;
  extensionPath: string;
  doctorDocuments: DoctorDocuments;
}

type Command = (deps: CommandDeps) => unknown;

async function showBackends({ logger, extensionPath, doctorDocuments }: CommandDeps): Promise<void> {
  const report = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: 'SPT: checking compute backends',
      cancellable: true,
    },
    (_progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      return runCliJson(extensionPath, ['doctor', '--json'], logger, abort.signal);
    },
  );
  // A CLI that wraps its answer as a trainer event is accepted too.
  const data =
    (report as { type?: string; data?: unknown })?.type === 'result'
      ? (report as { data: unknown }).data
      : report;
  await doctorDocuments.show(renderDoctorMarkdown(data));
}

export const COMMANDS: Record<string, { title: string; run: Command }> = {
  'spt.showLogs': { title: 'Show Logs', run: ({ logger }) => logger.show() },
  'spt.showBackends': { title: 'Show Compute Backends', run: showBackends },
};

export function registerCommands(deps: CommandDeps): vscode.Disposable[] {
  return Object.entries(COMMANDS).map(([id, { title, run }]) =>
    vscode.commands.registerCommand(id, async () => {
      try {
        await run(deps);
      } catch (err) {
        if (err instanceof Error && err.name === 'AbortError') return; // cancelled by the user
        await deps.logger.showError(`SPT: ${title} failed`, err);
      }
    }),
  );
}
