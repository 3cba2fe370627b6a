/**
 * Seeded fuzzing: thousands of mutations of valid experiment files (byte flips, truncation, random
 * insertions of YAML tokens, deletions, binary garbage) through the core, a 5,000-line file, and a
 * few hundred mutations through the live server. Nothing may throw, every range must lie inside the
 * document, and the server must stay up and answer every request.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CodeActionRequest,
  CompletionRequest,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  HoverRequest,
} from 'vscode-languageserver-protocol';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Range } from 'vscode-languageserver-types';
import { codeActions, complete, hover, validate } from '../../../src/server/language-service';
import { type Prng, prng } from '../../helpers/prng';
import { PARITY, tempDir } from './checkpoint-fixtures';
import { ensureServerBuilt, LspClient, ROOT } from './lsp-client';

const rng = prng;
type Rng = Prng;

const TOKENS = [
  ':',
  ': ',
  '- ',
  '{',
  '}',
  '[',
  ']',
  ',',
  '"',
  "'",
  '\t',
  '\n',
  '  ',
  '    ',
  '&a ',
  '*a',
  '!!binary ',
  '!!str ',
  '? ',
  '|',
  '>-',
  '#',
  '# spt-disable-next-line\n',
  '---\n',
  '...\n',
  '%YAML 1.2\n',
  '\u0000',
  '\uffff',
  '\ud83d\ude00',
  '\ud800',
  '\r',
  '\r\n',
  'null',
  '~',
  'true',
  '1e309',
  '-0',
  '0x1F',
  '.inf',
  'NaN',
  '9'.repeat(40),
  'lr',
  'arch',
  'backbone',
  'prompt',
  'init: xavier',
  'method: linear',
  'checkpoint: /dev/zero',
  'checkpoint: ../parity/mae.pth',
  'root: /',
  'train: ../../../../etc/passwd',
  'num_classes: 0',
  'image_size: 7',
  'vit_base_patch16_224',
];

function mutate(text: string, r: Rng): string {
  const n = 1 + r.int(5);
  for (let k = 0; k < n; k++) {
    const at = r.int(text.length + 1);
    switch (r.int(7)) {
      case 0: // flip a character
        text = text.slice(0, at) + String.fromCharCode(r.int(0x3000)) + text.slice(at + 1);
        break;
      case 1: // truncate
        text = text.slice(0, at);
        break;
      case 2: // insert a YAML-ish token
        text = text.slice(0, at) + r.pick(TOKENS) + text.slice(at);
        break;
      case 3: // delete a span
        text = text.slice(0, at) + text.slice(at + r.int(40));
        break;
      case 4: {
        // duplicate or move a line
        const lines = text.split('\n');
        const i = r.int(lines.length);
        lines.splice(r.int(lines.length), 0, lines[i]);
        text = lines.join('\n');
        break;
      }
      case 5: // binary garbage
        text =
          text.slice(0, at) +
          Array.from({ length: 1 + r.int(64) }, () => String.fromCharCode(r.int(256))).join('') +
          text.slice(at);
        break;
      default: // change indentation
        text = text.replace(/\n {2}/, r.pick(['\n', '\n   ', '\n\t', '\n    ']));
    }
  }
  return text;
}

const inside = (doc: TextDocument, r: Range) => {
  const end = doc.positionAt(doc.getText().length);
  const le = (a: Range['start'], b: Range['start']) =>
    a.line < b.line || (a.line === b.line && a.character <= b.character);
  return le({ line: 0, character: 0 }, r.start) && le(r.start, r.end) && le(r.end, end);
};

const EXAMPLE = fs.readFileSync(path.join(ROOT, 'examples/cub-spt-deep.spt.yaml'), 'utf8');
const PARITY_YAML = fs.readFileSync(path.join(ROOT, 'test/fixtures/cli/parity-deep-mean.spt.yaml'), 'utf8');
const FLOW =
  'name: f\nbackbone: {arch: vit_tiny_patch16_224, checkpoint: null, pool: cls}\ndata: {root: ., train: t.txt, num_classes: 3}\nprompt: {method: vpt, init: xavier, length: 5}\ntrain: {lr: 0.001, epochs: 10}\n';

/** A valid 5,000-line experiment: the example with comment blocks between its lines. */
function bigFile(lines = 5000): string {
  const src = EXAMPLE.split('\n');
  const out: string[] = [];
  const per = Math.ceil(lines / src.length);
  for (const line of src) {
    const indent = /^ */.exec(line)![0];
    for (let i = 1; i < per; i++) out.push(`${indent}# note ${out.length}: prompts, heads and recipes`);
    out.push(line);
  }
  return out.slice(out.length - lines).join('\n');
}

describe('fuzz', () => {
  let dir: string;
  before(() => {
    dir = tempDir();
    fs.mkdirSync(path.join(dir, 'exp'));
    fs.symlinkSync(PARITY, path.join(dir, 'parity'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('the core survives 3,000 seeded mutations (validate, hover, complete, code actions)', function () {
    this.timeout(120_000);
    const r = rng(20240611);
    const uri = pathToFileURL(path.join(dir, 'exp', 'f.spt.yaml')).toString();
    const bases = [EXAMPLE, PARITY_YAML, FLOW];
    let diagnostics = 0;
    let actions = 0;
    for (let i = 0; i < 3000; i++) {
      const text = mutate(r.pick(bases), r);
      const doc = TextDocument.create(i % 3 === 0 ? uri : 'untitled:f', 'yaml', i, text);
      try {
        const ds = validate(doc);
        diagnostics += ds.length;
        for (const d of ds) assert.ok(inside(doc, d.range), `range of ${d.message}`);
        const pos = doc.positionAt(r.int(text.length + 1));
        const h = hover(doc, pos);
        if (h?.range) assert.ok(inside(doc, h.range));
        for (const item of complete(doc, pos).items) {
          const edit = item.textEdit as { range: Range } | undefined;
          if (edit) assert.ok(inside(doc, edit.range));
        }
        const whole = { start: { line: 0, character: 0 }, end: doc.positionAt(text.length) };
        for (const a of codeActions(doc, whole, ds)) {
          actions++;
          const edits = a.edit?.changes?.[doc.uri] ?? [];
          for (const e of edits) assert.ok(inside(doc, e.range));
          validate(TextDocument.create(doc.uri, 'yaml', i, TextDocument.applyEdits(doc, edits)));
        }
      } catch (e) {
        throw new Error(
          `mutation ${i} broke the core: ${(e as Error).stack}\n--- text ---\n${JSON.stringify(text)}`,
        );
      }
    }
    assert.ok(diagnostics > 1000 && actions > 100, `${diagnostics} diagnostics, ${actions} actions`);
  });

  it('a 5,000-line file, valid and mutated', function () {
    this.timeout(60_000);
    const text = bigFile();
    assert.equal(text.split('\n').length, 5000);
    const doc = TextDocument.create('untitled:big', 'yaml', 1, text);
    assert.deepEqual(validate(doc), []);
    const lines = text.split('\n');
    let lastKey = lines.length - 1;
    while (lastKey > 0 && !/^\s+\w+:/.test(lines[lastKey])) lastKey--;
    assert.ok(lastKey > 4800, `last key at line ${lastKey}`);
    assert.ok(hover(doc, { line: lastKey, character: 4 }), 'hover at the end of the file');
    complete(doc, { line: 2500, character: 0 });
    const r = rng(7);
    for (let i = 0; i < 50; i++) {
      const m = TextDocument.create('untitled:big', 'yaml', i, mutate(text, r));
      for (const d of validate(m)) assert.ok(inside(m, d.range));
    }
  });

  describe('the live server', () => {
    let client: LspClient | undefined;
    before(async function () {
      this.timeout(120_000);
      const skip = ensureServerBuilt();
      if (skip) {
        console.warn(`skipping the live fuzz test: ${skip}`);
        this.skip();
      }
      client = (await LspClient.start()).client;
    });
    after(async () => {
      if (client) assert.equal(await client.stop(), 0);
    });

    it('stays up and answers every request through 300 mutated documents', async function () {
      this.timeout(120_000);
      const c = client!;
      const r = rng(99);
      const uri = pathToFileURL(path.join(dir, 'exp', 'live.spt.yaml')).toString();
      let version = 1;
      await c.connection.sendNotification(DidOpenTextDocumentNotification.type, {
        textDocument: { uri, languageId: 'yaml', version, text: PARITY_YAML },
      });
      const withTimeout = <T>(p: Promise<T>, what: string) =>
        Promise.race([
          p,
          new Promise<T>((_, reject) =>
            setTimeout(() => reject(new Error(`no answer to ${what} within 10 s`)), 10_000),
          ),
        ]);
      let answered = 0;
      for (let i = 0; i < 300; i++) {
        const text = mutate(r.pick([EXAMPLE, PARITY_YAML, FLOW]), r);
        await c.connection.sendNotification(DidChangeTextDocumentNotification.type, {
          textDocument: { uri, version: ++version },
          contentChanges: [{ text }],
        });
        const doc = TextDocument.create(uri, 'yaml', version, text);
        const position = doc.positionAt(r.int(text.length + 1));
        const all = { start: { line: 0, character: 0 }, end: doc.positionAt(text.length) };
        await withTimeout(
          Promise.all([
            c.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position }),
            c.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position }),
            c.connection.sendRequest(CodeActionRequest.type, {
              textDocument: { uri },
              range: all,
              context: { diagnostics: [] },
            }),
            // A document the server does not know: an empty answer, not an error.
            c.connection.sendRequest(HoverRequest.type, {
              textDocument: { uri: 'file:///nope.spt.yaml' },
              position,
            }),
          ]),
          `requests after mutation ${i}`,
        );
        answered += 4;
        assert.ok(c.alive, `server died after mutation ${i}: ${JSON.stringify(text)}`);
      }
      const last = await c.nextDiagnostics(uri, 0, (p) => p.version === version);
      assert.equal(last.version, version);
      assert.equal(answered, 1200);
      assert.ok(c.alive);
    });
  });
});
