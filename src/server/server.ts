/**
 * The language server for `*.spt.yaml` and `*.sweep.yaml`: a thin shell around ./language-service (the
 * pure core). It keeps the open documents, validates each 200 ms after its last change, answers hover,
 * completion and code actions (unless cancelled), and re-validates when a checked file changes on disk.
 * dist/server.js (./server-main.ts) starts it for the extension over IPC; `spt lsp --stdio` from the CLI.
 * Every handler is guarded: a failure is logged and answered with an empty result.
 */
import { fileURLToPath } from 'node:url';
import {
  type CancellationToken,
  CodeActionKind,
  type Connection,
  createConnection,
  DidChangeWatchedFilesNotification,
  type InitializeParams,
  type InitializeResult,
  ProposedFeatures,
  TextDocumentSyncKind,
  TextDocuments,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { FileWatcher } from './file-watch';
import { makeGuard } from './guard';
import { clearFileCache, codeActions, complete, hover, validateDocument } from './language-service';
import { applySettings, followSettings } from './settings';

export const VALIDATION_DELAY_MS = 200;
const WATCHED = '**/*.{pth,pt,bin,tar,safetensors,npz,txt,json,yaml}';
const CAPABILITIES: InitializeResult = {
  capabilities: {
    textDocumentSync: TextDocumentSyncKind.Incremental,
    hoverProvider: true,
    completionProvider: { triggerCharacters: [':', ' ', '/'] },
    codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
  },
  serverInfo: { name: 'SPT Studio language server' },
};

/** Starts listening on `connection`, by default one made from the command line (`--node-ipc`, `--stdio`, `--socket=N`). */
export function startServer(connection: Connection = createConnection(ProposedFeatures.all)): Connection {
  const documents = new TextDocuments(TextDocument);
  const pending = new Map<string, NodeJS.Timeout>();
  const settings = { fileChecks: true };
  const client = { watch: false, pull: false };

  const guard = makeGuard((m) => connection.console.error(m));
  /** A request handler on an open document, answered empty when cancelled. */
  const request = <P extends { textDocument: { uri: string } }, R>(
    what: string,
    empty: R,
    fn: (d: TextDocument, p: P) => R,
  ) =>
    guard(what, empty, (p: P, token: CancellationToken) => {
      const doc = documents.get(p.textDocument.uri);
      return !doc || token.isCancellationRequested ? empty : fn(doc, p);
    });

  const publish = guard('validation', undefined, (uri: string) => {
    pending.delete(uri);
    const doc = documents.get(uri);
    if (!doc) return; // closed meanwhile
    const { diagnostics, files } = validateDocument(doc, settings);
    watcher.track(uri, files);
    void connection.sendDiagnostics({ uri, version: doc.version, diagnostics });
  });
  const schedule = (uri: string) => {
    clearTimeout(pending.get(uri));
    pending.set(
      uri,
      setTimeout(() => publish(uri), VALIDATION_DELAY_MS),
    );
  };
  const fileChanged = guard('file change', undefined, (file: string) => {
    clearFileCache(file);
    for (const uri of watcher.usersOf(file)) schedule(uri);
  });
  const watcher = new FileWatcher(fileChanged);

  connection.onInitialize(
    guard('initialize', CAPABILITIES, (params: InitializeParams) => {
      applySettings(settings, params.initializationOptions);
      client.watch = !!params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration;
      client.pull = !!params.capabilities.workspace?.configuration;
      return CAPABILITIES;
    }),
  );
  connection.onInitialized(
    guard('initialized', undefined, () => {
      const watchers = [{ globPattern: WATCHED }];
      if (client.watch) void connection.client.register(DidChangeWatchedFilesNotification.type, { watchers });
    }),
  );
  const revalidateAll = () => {
    for (const d of documents.all()) schedule(d.uri);
  };
  followSettings(connection, settings, () => client.pull, revalidateAll, guard);
  connection.onDidChangeWatchedFiles(
    guard('watched files', undefined, ({ changes }) => {
      for (const c of changes) if (c.uri.startsWith('file:')) fileChanged(fileURLToPath(c.uri));
    }),
  );
  connection.onHover(request('hover', null, (doc, p) => hover(doc, p.position)));
  connection.onCompletion(
    request('completion', { isIncomplete: false, items: [] }, (doc, p) => complete(doc, p.position)),
  );
  connection.onCodeAction(
    request('code action', [], (doc, p) => codeActions(doc, p.range, p.context.diagnostics, settings)),
  );

  documents.onDidChangeContent(guard('change', undefined, ({ document }) => schedule(document.uri)));
  documents.onDidClose(
    guard('close', undefined, ({ document }) => {
      clearTimeout(pending.get(document.uri));
      pending.delete(document.uri);
      watcher.untrack(document.uri);
      void connection.sendDiagnostics({ uri: document.uri, diagnostics: [] });
    }),
  );
  connection.onShutdown(() => {
    for (const t of pending.values()) clearTimeout(t);
    pending.clear();
    watcher.dispose();
  });

  documents.listen(connection);
  connection.listen();
  return connection;
}
