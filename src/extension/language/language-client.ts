/**
 * The language client for the `spt-yaml` language (`*.spt.yaml`, `*.sweep.yaml`), talking to dist/server.js over Node IPC. Its lifetime is
 * the extension's: stop() is called on deactivate (and again, harmlessly, by dispose()).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  TransportKind,
} from 'vscode-languageclient/node';
import { errorMessage, type Logger } from '../logger';
import { LANGUAGE_SERVER_SELECTOR } from './spt-language';

export interface RunningClient extends vscode.Disposable {
  stop(): Promise<void>;
}

export function startLanguageClient(extensionPath: string, logger: Logger): RunningClient {
  const serverModule = path.join(extensionPath, 'dist', 'server.js');
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: {
      module: serverModule,
      transport: TransportKind.ipc,
      options: { execArgv: ['--nolazy', '--inspect=6009'] },
    },
  };
  // Checkpoints and split files the server checks: changes re-validate the open experiment files.
  const watcher = vscode.workspace.createFileSystemWatcher('**/*.{pth,tar,bin,safetensors,npz,txt,json}');
  const clientOptions: LanguageClientOptions = {
    documentSelector: LANGUAGE_SERVER_SELECTOR,
    outputChannel: logger.channel,
    initializationOptions: {
      fileChecks: vscode.workspace.getConfiguration('spt.languageServer').get<boolean>('fileChecks', true),
    },
    // Pushes spt.* setting changes (workspace/didChangeConfiguration) and reports changes of files on disk.
    synchronize: {
      configurationSection: 'spt',
      fileEvents: watcher,
    },
  };
  const client = new LanguageClient('spt', 'SPT Studio language server', serverOptions, clientOptions);
  const started = client.start().then(
    () => logger.info('language server started'),
    (err) => logger.showError('The SPT language server failed to start', err),
  );

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= started
      .then(() => client.dispose())
      .finally(() => watcher.dispose())
      .catch((err) => logger.warn(`language server did not stop cleanly: ${errorMessage(err)}`));
    return stopping;
  };
  return { stop, dispose: () => void stop() };
}
