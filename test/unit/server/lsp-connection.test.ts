/**
 * Starts dist/server.js over stdio and speaks LSP to it the way an editor does.
 */
import * as assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import {
  createProtocolConnection,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  type ProtocolConnection,
  PublishDiagnosticsNotification,
  type PublishDiagnosticsParams,
  ShutdownRequest,
} from 'vscode-languageserver-protocol';

const root = path.resolve(__dirname, '../../..');
const serverJs = path.join(root, 'dist/server.js');

describe('language server over stdio (dist/server.js)', () => {
  let server: ChildProcess;
  let connection: ProtocolConnection;
  const diagnostics: PublishDiagnosticsParams[] = [];
  let notify: (() => void) | undefined;

  /** The next publishDiagnostics for `uri` (or one already received). */
  const nextDiagnostics = (uri: string, after = 0) =>
    new Promise<PublishDiagnosticsParams>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no diagnostics for ${uri} within 10 s`)), 10_000);
      const check = () => {
        const found = diagnostics.slice(after).find((d) => d.uri === uri);
        if (!found) return;
        clearTimeout(timer);
        notify = undefined;
        resolve(found);
      };
      notify = check;
      check();
    });

  before(async function () {
    if (!fs.existsSync(serverJs)) {
      this.timeout(60_000);
      execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'ignore' });
    }
    server = spawn(process.execPath, [serverJs, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
    connection = createProtocolConnection(
      new StreamMessageReader(server.stdout!),
      new StreamMessageWriter(server.stdin!),
    );
    connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
      diagnostics.push(params);
      notify?.();
    });
    connection.listen();
    const result = await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: null,
      capabilities: {},
      workspaceFolders: null,
    });
    assert.ok(result.capabilities.textDocumentSync, 'the server syncs text documents');
    await connection.sendNotification(InitializedNotification.type, {});
  });

  after(async () => {
    if (!connection) return;
    await connection.sendRequest(ShutdownRequest.type);
    await connection.sendNotification(ExitNotification.type);
    const exited = new Promise((resolve) => server.once('exit', resolve));
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2_000))]);
    connection.dispose();
    if (server.exitCode === null) server.kill();
  });

  it('publishes a YAML syntax error with its exact range for a broken x.spt.yaml', async () => {
    const uri = pathToFileURL(path.join(root, 'x.spt.yaml')).toString();
    await connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: 'yaml', version: 1, text: 'method: spt\n\tprompts: 5\n' },
    });
    const published = await nextDiagnostics(uri);
    assert.equal(published.version, 1);
    assert.equal(published.diagnostics.length, 1);
    const [d] = published.diagnostics;
    assert.equal(d.code, 'TAB_AS_INDENT');
    assert.equal(d.source, 'spt');
    assert.deepEqual(d.range, { start: { line: 1, character: 0 }, end: { line: 1, character: 1 } });
  });

  it('clears the diagnostics when the document is closed', async () => {
    const uri = pathToFileURL(path.join(root, 'x.spt.yaml')).toString();
    const seen = diagnostics.length;
    await connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
    const published = await nextDiagnostics(uri, seen);
    assert.deepEqual(published.diagnostics, []);
  });
});
