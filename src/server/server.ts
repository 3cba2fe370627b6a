/**
 * The language server for `*.spt.yaml`: a thin shell that keeps the open documents and publishes
 * what ./language-service.ts finds, debounced per document. dist/server.js (./server-main.ts) starts
 * it for the extension over IPC, and `spt lsp --stdio` starts it from the CLI.
 */

import {
  type Connection,
  createConnection,
  ProposedFeatures,
  TextDocumentSyncKind,
  TextDocuments,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { validate } from './language-service';

export const VALIDATION_DELAY_MS = 200;

/**
 * Starts listening on `connection`, by default one made from the command line
 * (`--node-ipc`, `--stdio` or `--socket=N`).
 */
export function startServer(connection: Connection = createConnection(ProposedFeatures.all)): Connection {
  const documents = new TextDocuments(TextDocument);
  const pending = new Map<string, NodeJS.Timeout>();

  const publish = (uri: string) => {
    pending.delete(uri);
    const doc = documents.get(uri);
    if (!doc) return; // closed meanwhile
    void connection.sendDiagnostics({ uri, version: doc.version, diagnostics: validate(doc.getText()) });
  };

  const cancel = (uri: string) => {
    clearTimeout(pending.get(uri));
    pending.delete(uri);
  };

  connection.onInitialize(() => ({
    capabilities: { textDocumentSync: TextDocumentSyncKind.Incremental },
    serverInfo: { name: 'SPT Studio language server' },
  }));

  documents.onDidChangeContent(({ document }) => {
    cancel(document.uri);
    pending.set(
      document.uri,
      setTimeout(() => publish(document.uri), VALIDATION_DELAY_MS),
    );
  });

  documents.onDidClose(({ document }) => {
    cancel(document.uri);
    void connection.sendDiagnostics({ uri: document.uri, diagnostics: [] });
  });

  connection.onShutdown(() => {
    for (const uri of [...pending.keys()]) cancel(uri);
  });

  documents.listen(connection);
  connection.listen();
  return connection;
}
