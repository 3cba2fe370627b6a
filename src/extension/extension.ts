/**
 * Extension entry. Everything it creates is tracked in `context.subscriptions`; activation errors
 * are logged and shown, then rethrown so VS Code records them too. No TensorFlow.js here: the
 * build fails if dist/extension.js contains it.
 */
import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { DoctorDocuments } from './doctor-view';
import { type RunningClient, startLanguageClient } from './language-client';
import { Logger } from './logger';

let client: RunningClient | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const logger = new Logger();
  context.subscriptions.push(logger);
  try {
    const version = (context.extension.packageJSON as { version?: string }).version ?? '?';
    logger.info(`SPT Studio ${version} activating (${vscode.ExtensionMode[context.extensionMode]} mode)`);
    const doctorDocuments = new DoctorDocuments();
    context.subscriptions.push(doctorDocuments);
    context.subscriptions.push(
      ...registerCommands({ logger, extensionPath: context.extensionPath, doctorDocuments }),
    );
    client = startLanguageClient(context.extensionPath, logger);
    context.subscriptions.push(client);
  } catch (err) {
    void logger.showError('SPT Studio failed to activate', err);
    throw err;
  }
}

export function deactivate(): Promise<void> | undefined {
  const stopping = client?.stop();
  client = undefined;
  return stopping;
}
