/**
 * The language server for `*.spt.yaml` and `*.sweep.yaml`: a thin shell around ./language-service (the
 * pure core). It keeps the open documents, validates each 200 ms after its last change (one document
 * per turn of the event loop, always its latest version: ./validation-queue.ts), answers hover,
 * completion and code actions (unless cancelled), and re-validates when a checked file changes on disk.
 * Documents over MAX_VALIDATED_CHARS get one diagnostic saying so and no hover or completion, so no
 * document costs more than a few milliseconds. Over stdio, malformed frames are skipped
 * (./frame-filter.ts).
 * dist/server.js (./server-main.ts) starts it for the extension over IPC; `spt lsp --stdio` from the CLI.
 * Every handler is guarded: a failure is logged and answered with an empty result.
 */

import { fileURLToPath } from 'node:url';
import { format } from 'node:util';
import {
  type CancellationToken,
  CodeActionKind,
  type Connection,
  createConnection,
  DidChangeWatchedFilesNotification,
  type InitializeParams,
  type InitializeResult,
  ProposedFeatures,
  StreamMessageReader,
  StreamMessageWriter,
  TextDocumentSyncKind,
  TextDocuments,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { FileWatcher } from './file-watch';
import { FrameFilter } from './frame-filter';
import { makeGuard } from './guard';
import {
  clearFileCache,
  codeActions,
  complete,
  hover,
  isTooLarge,
  validateDocument,
} from './language-service';
import { applySettings, followSettings } from './settings';
import { ValidationQueue } from './validation-queue';

export const VALIDATION_DELAY_MS = 200;
/** A document changing without pause is still validated this often. */
export const VALIDATION_MAX_WAIT_MS = 1000;
/** Longer documents are not validated (one diagnostic says so); experiment files are a few KiB. */
export const MAX_VALIDATED_CHARS = 64 * 1024;
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

/**
 * The connection the command line asks for (`--node-ipc`, `--stdio`, `--socket=N`). Over stdio the
 * input goes through a FrameFilter, and console output goes to the client's log (stdout is the
 * protocol).
 */
export function connectionFromArgs(argv: readonly string[] = process.argv): Connection {
  if (!argv.includes('--stdio')) return createConnection(ProposedFeatures.all);
  let skipped: (why: string) => void = () => {};
  const input = process.stdin.pipe(new FrameFilter((why) => skipped(why)));
  process.stdin.on('close', () => {
    if (!input.writableEnded) input.end();
  });
  const connection = createConnection(
    ProposedFeatures.all,
    new StreamMessageReader(input),
    new StreamMessageWriter(process.stdout),
  );
  skipped = (why) => connection.console.warn(`spt language server: ${why}`);
  const log = (...args: unknown[]) => connection.console.log(format(...args));
  const error = (...args: unknown[]) => connection.console.error(format(...args));
  Object.assign(console, { log, info: log, debug: log, warn: error, error });
  return connection;
}

/** Starts listening on `connection`, by default one made from the command line (connectionFromArgs). */
export function startServer(connection: Connection = connectionFromArgs()): Connection {
  const documents = new TextDocuments(TextDocument);
  const settings = { fileChecks: true, maxChars: MAX_VALIDATED_CHARS };
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
      return !doc || token.isCancellationRequested || isTooLarge(doc, settings) ? empty : fn(doc, p);
    });

  const publish = guard('validation', undefined, (uri: string) => {
    const doc = documents.get(uri);
    if (!doc) return; // closed meanwhile
    const { diagnostics, files } = validateDocument(doc, settings);
    watcher.track(uri, files);
    void connection.sendDiagnostics({ uri, version: doc.version, diagnostics });
  });
  const queue = new ValidationQueue(publish, VALIDATION_DELAY_MS, VALIDATION_MAX_WAIT_MS);
  const schedule = (uri: string) => queue.schedule(uri);
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
      queue.forget(document.uri);
      watcher.untrack(document.uri);
      void connection.sendDiagnostics({ uri: document.uri, diagnostics: [] });
    }),
  );
  connection.onShutdown(() => {
    queue.dispose();
    watcher.dispose();
  });

  documents.listen(connection);
  connection.listen();
  return connection;
}
