/**
 * Starts the language client when the first `spt-yaml` document is open (at once when one already is),
 * not at activation: activation (a workspace holding experiment files, the Runs view) then costs no
 * server process, and the SPT commands are registered without waiting for one.
 */
import * as vscode from 'vscode';
import type { Logger } from '../logger';
import type { RunningClient } from './language-client';
import { SPT_LANGUAGE_ID } from './spt-language';

export function startLanguageClientOnDemand(extensionPath: string, logger: Logger): RunningClient {
  let client: Promise<RunningClient> | undefined;
  const start = () => {
    if (client) return;
    opened.dispose();
    // Loaded here, not with the bundle: vscode-languageclient is evaluated only when a client starts.
    client = import('./language-client').then((m) => m.startLanguageClient(extensionPath, logger));
  };
  const opened = vscode.workspace.onDidOpenTextDocument((doc) => {
    if (doc.languageId === SPT_LANGUAGE_ID) start();
  });
  if (vscode.workspace.textDocuments.some((d) => d.languageId === SPT_LANGUAGE_ID)) start();
  else logger.info('language server: starts with the first experiment or sweep file');
  return {
    stop: async () => {
      opened.dispose();
      await (await client)?.stop();
    },
    dispose: () => {
      opened.dispose();
      void client?.then((c) => c.dispose());
    },
  };
}
