/**
 * The real server process (dist/server.js --stdio) spoken to over LSP: initialize, didOpen,
 * publishDiagnostics with exact ranges, hover, completion, codeAction, didChange, re-validation when
 * a checked file changes on disk, shutdown and exit.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CodeActionRequest,
  CompletionRequest,
  DidChangeConfigurationNotification,
  DidChangeTextDocumentNotification,
  DidChangeWatchedFilesNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  FileChangeType,
  HoverRequest,
  type MarkupContent,
} from 'vscode-languageserver-protocol';
import { PARITY, tempDir } from './checkpoint-fixtures';
import { ensureServerBuilt, LspClient, ROOT } from './lsp-client';

const PARITY_YAML = fs.readFileSync(path.join(ROOT, 'test/fixtures/cli/parity-deep-mean.spt.yaml'), 'utf8');
const range = (l1: number, c1: number, l2: number, c2: number) => ({
  start: { line: l1, character: c1 },
  end: { line: l2, character: c2 },
});

describe('language server over stdio (dist/server.js)', () => {
  let client: LspClient;
  let dir: string;
  let version = 1;
  const open = (uri: string, text: string) =>
    client.connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: 'yaml', version: version++, text },
    });

  before(async function () {
    this.timeout(120_000);
    const skip = ensureServerBuilt();
    if (skip) {
      console.warn(`skipping the protocol tests: ${skip}`);
      this.skip();
    }
    dir = tempDir();
    fs.mkdirSync(path.join(dir, 'exp'));
    fs.symlinkSync(PARITY, path.join(dir, 'parity'));
    const started = await LspClient.start({ fileChecks: true });
    client = started.client;
    const caps = started.result.capabilities;
    assert.equal(caps.textDocumentSync, 2, 'incremental sync');
    assert.equal(caps.hoverProvider, true);
    assert.ok(caps.completionProvider && caps.codeActionProvider);
  });

  after(async () => {
    if (client) assert.equal(await client.stop(), 0, 'exits with 0 after shutdown + exit');
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('publishes a YAML syntax error with its exact range for a broken x.spt.yaml', async () => {
    const uri = pathToFileURL(path.join(ROOT, 'x.spt.yaml')).toString();
    const seen = client.diagnostics.length;
    await open(uri, 'method: spt\n\tprompts: 5\n');
    const published = await client.nextDiagnostics(uri, seen);
    assert.equal(published.diagnostics.length, 1);
    const [d] = published.diagnostics;
    assert.equal(d.code, 'TAB_AS_INDENT');
    assert.equal(d.source, 'spt');
    assert.deepEqual(d.range, range(1, 0, 1, 1));
  });

  it('clears the diagnostics when the document is closed', async () => {
    const uri = pathToFileURL(path.join(ROOT, 'x.spt.yaml')).toString();
    const seen = client.diagnostics.length;
    await client.connection.sendNotification(DidCloseTextDocumentNotification.type, {
      textDocument: { uri },
    });
    const published = await client.nextDiagnostics(uri, seen);
    assert.deepEqual(published.diagnostics, []);
  });

  describe('an experiment next to its files', () => {
    let uri: string;
    const text = PARITY_YAML.replace('method: vpt', 'method: vtp').replace(
      '../parity/timm.pth',
      '../later.pth',
    );

    it('didOpen -> schema, recipe and file diagnostics with exact ranges and severities', async () => {
      uri = pathToFileURL(path.join(dir, 'exp', 'x.spt.yaml')).toString();
      const seen = client.diagnostics.length;
      await open(uri, `${text}train:\n  lr: 5\n`);
      const { diagnostics } = await client.nextDiagnostics(uri, seen);
      assert.deepEqual(
        diagnostics.map((d) => [d.code, d.severity, d.range]),
        [
          ['checkpoint-missing', 1, range(5, 14, 5, 26)],
          ['enum', 1, range(13, 10, 13, 13)],
          ['recipe-range', 2, range(20, 6, 20, 7)],
        ],
      );
      assert.equal(
        diagnostics[0].message,
        `backbone.checkpoint: ${path.join(dir, 'later.pth')} does not exist`,
      );
    });

    it('hover: documentation, default and recipes of train.lr', async () => {
      const h = await client.connection.sendRequest(HoverRequest.type, {
        textDocument: { uri },
        position: { line: 20, character: 3 },
      });
      assert.match(
        (h!.contents as MarkupContent).value,
        /\*\*train\.lr\*\*[\s\S]*`0\.05`: MAE backbone, CUB-200/,
      );
      assert.deepEqual(h?.range, range(20, 2, 20, 4));
    });

    it('completion: enum values with descriptions', async () => {
      const list = await client.connection.sendRequest(CompletionRequest.type, {
        textDocument: { uri },
        position: { line: 14, character: 8 },
      });
      const items = Array.isArray(list) ? list : (list?.items ?? []);
      assert.deepEqual(
        items.map((i) => i.label),
        ['shallow', 'deep'],
      );
    });

    it('codeAction: the did-you-mean of the enum value', async () => {
      const { diagnostics } = client.diagnostics.filter((d) => d.uri === uri).at(-1)!;
      const enumDiag = diagnostics.find((d) => d.code === 'enum')!;
      const actions = await client.connection.sendRequest(CodeActionRequest.type, {
        textDocument: { uri },
        range: enumDiag.range,
        context: { diagnostics: [enumDiag] },
      });
      const all = actions as {
        title: string;
        isPreferred?: boolean;
        edit: { changes: Record<string, unknown> };
      }[];
      // The did-you-mean (preferred), then the other values.
      assert.deepEqual(
        all.map((x) => [x.title, x.isPreferred === true]),
        [
          ["Change to 'vpt'", true],
          ["Change to 'spt'", false],
          ["Change to 'linear'", false],
          ["Change to 'full'", false],
        ],
      );
      const [a] = all;
      assert.deepEqual(a.edit.changes[uri], [{ range: range(13, 10, 13, 13), newText: 'vpt' }]);
    });

    it('didChange (incremental) -> re-validated, debounced to the last version', async () => {
      const seen = client.diagnostics.length;
      // Three quick edits: fix the method, then lr in two steps.
      const edits = [
        { range: range(13, 10, 13, 13), text: 'vpt' },
        { range: range(20, 6, 20, 7), text: '0.0' },
        { range: range(20, 9, 20, 9), text: '5' },
      ];
      let last = 0;
      for (const change of edits) {
        last = version++;
        await client.connection.sendNotification(DidChangeTextDocumentNotification.type, {
          textDocument: { uri, version: last },
          contentChanges: [change],
        });
      }
      const published = await client.nextDiagnostics(uri, seen);
      assert.equal(published.version, last, 'only the last version is validated');
      assert.deepEqual(
        published.diagnostics.map((d) => d.code),
        ['checkpoint-missing'],
      );
    });

    it('re-validates when the missing checkpoint appears on disk (fs.watch) ...', async () => {
      const seen = client.diagnostics.length;
      fs.copyFileSync(path.join(PARITY, 'timm.pth'), path.join(dir, 'later.pth'));
      const published = await client.nextDiagnostics(uri, seen, (p) => p.diagnostics.length === 0);
      assert.deepEqual(published.diagnostics, []);
    });

    it('... and on workspace/didChangeWatchedFiles', async () => {
      const seen = client.diagnostics.length;
      fs.copyFileSync(path.join(PARITY, 'features.safetensors'), path.join(dir, 'later.pth'));
      await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, {
        changes: [
          { uri: pathToFileURL(path.join(dir, 'later.pth')).toString(), type: FileChangeType.Changed },
        ],
      });
      const published = await client.nextDiagnostics(uri, seen, (p) => p.diagnostics.length > 0);
      assert.deepEqual(
        published.diagnostics.map((d) => [d.code, d.range]),
        [['checkpoint-format', range(5, 14, 5, 26)]],
      );
    });

    it('spt.languageServer.fileChecks: false (didChangeConfiguration) turns the file checks off', async () => {
      const setFileChecks = (fileChecks: boolean) =>
        client.connection.sendNotification(DidChangeConfigurationNotification.type, {
          settings: { spt: { languageServer: { fileChecks } } },
        });
      let seen = client.diagnostics.length;
      await setFileChecks(false);
      assert.deepEqual((await client.nextDiagnostics(uri, seen)).diagnostics, []);
      seen = client.diagnostics.length;
      await setFileChecks(true);
      assert.equal((await client.nextDiagnostics(uri, seen)).diagnostics[0]?.code, 'checkpoint-format');
    });
  });

  it('keeps up with 100 open documents', async function () {
    this.timeout(60_000);
    const seen = client.diagnostics.length;
    const uris = Array.from({ length: 100 }, (_, i) =>
      pathToFileURL(path.join(dir, 'exp', `doc${i}.spt.yaml`)).toString(),
    );
    await Promise.all(uris.map((u, i) => open(u, PARITY_YAML.replace('seed: 0', `seed: ${i}`))));
    const all = await Promise.all(uris.map((u) => client.nextDiagnostics(u, seen)));
    assert.ok(all.every((p) => p.diagnostics.length === 0));
    assert.ok(client.alive);
  });
});
