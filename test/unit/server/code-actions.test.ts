/** Quick fixes of the pure core: each applied to the text, and the result validated again. */
import * as assert from 'node:assert/strict';
import type { CodeAction } from 'vscode-languageserver-types';
import { codeActions, validate } from '../../../src/server/language-service';
import { applyEdits, marked, VALID } from './cursor';

/** The quick fixes for the diagnostics of `text`, each with the text it produces. */
function fixes(text: string): { title: string; result: string; action: CodeAction }[] {
  const { doc } = marked(text);
  const diagnostics = validate(doc);
  const range = { start: { line: 0, character: 0 }, end: doc.positionAt(text.length) };
  return codeActions(doc, range, diagnostics).map((action) => ({
    title: action.title,
    result: applyEdits(doc, action.edit?.changes?.[doc.uri] ?? []),
    action,
  }));
}

const ok = (text: string) => assert.deepEqual(validate(marked(text).doc), [], text);

describe('language service: code actions', () => {
  it('applies the did-you-mean of an unknown key (replacing the key)', () => {
    const [f, remove, ...rest] = fixes(VALID.replace('  lr: 0.05', '  lrr: 0.05'));
    assert.equal(rest.length, 0);
    assert.equal(remove.title, "Remove unknown key 'lrr'");
    assert.equal(remove.result, VALID.replace('  lr: 0.05\n', ''));
    assert.equal(f.title, "Change to 'lr'");
    assert.equal(f.action.isPreferred, true);
    assert.equal(f.action.kind, 'quickfix');
    assert.equal(f.result, VALID);
  });

  it('applies the did-you-mean of an enum value (replacing the value)', () => {
    const [f] = fixes(VALID.replace('method: spt', 'method: vtp'));
    assert.equal(f.title, "Change to 'vpt'");
    assert.equal(f.result, VALID.replace('method: spt', 'method: vpt'));
  });

  it('inserts a missing required key with its example under the parent key', () => {
    const text = VALID.replace('  train: train.txt\n', '');
    const [f] = fixes(text);
    assert.equal(f.title, "Add missing key 'train'");
    assert.equal(f.result, text.replace('num_classes: 10\n', 'num_classes: 10\n  train: train800.txt\n'));
    ok(f.result);
  });

  it('inserts a missing section with its required keys, block style at the top level', () => {
    const text = VALID.replace(/data:\n( {2}.*\n)+/, '');
    const [f] = fixes(text);
    assert.equal(f.title, "Add missing key 'data'");
    assert.ok(
      f.result.endsWith('data:\n  root: ./data/CUB_200_2011\n  train: train800.txt\n  num_classes: 200\n'),
      f.result,
    );
    ok(f.result);
  });

  it('inserts into a flow mapping in flow style', () => {
    const text = 'name: t\nbackbone: {checkpoint: null}\ndata: {root: d, train: t.txt, num_classes: 2}\n';
    const [f] = fixes(text);
    assert.equal(
      f.result,
      text.replace('{checkpoint: null}', '{checkpoint: null, arch: vit_base_patch16_224}'),
    );
    ok(f.result);
  });

  it('fills a section written with an empty value with its required keys', () => {
    const text = 'name: t\nbackbone:\ndata: {root: d, train: t.txt, num_classes: 2}\n';
    const all = fixes(text);
    const f = all.find((x) => x.title === "Add the required keys of 'backbone'");
    assert.ok(f, all.map((x) => x.title).join());
    assert.equal(f.result, text.replace('backbone:', 'backbone:\n  arch: vit_base_patch16_224'));
  });

  it('fixes an init that does not fit the method: SPT initialisers or method vpt', () => {
    const text = VALID.replace('method: spt', 'method: spt\n  init: xavier');
    const all = fixes(text);
    assert.deepEqual(
      all.map((f) => f.title),
      [
        'Set prompt.init: random',
        'Set prompt.init: mean',
        'Set prompt.init: max',
        'Set prompt.init: kmeans',
        'Set prompt.method: vpt',
      ],
    );
    assert.equal(all[0].action.isPreferred, true);
    assert.equal(all[0].result, text.replace('init: xavier', 'init: random'));
    for (const f of all) ok(f.result);
  });

  it('fixes an SPT initialiser under vpt with xavier', () => {
    const text = VALID.replace('method: spt', 'method: vpt\n  init: kmeans # note');
    const [f, g] = fixes(text);
    assert.equal(f.result, text.replace('init: kmeans', 'init: xavier'));
    assert.equal(g.title, 'Set prompt.method: spt');
    ok(f.result);
    ok(g.result);
  });

  it('removes the init line for linear probing (block and flow styles)', () => {
    const text = VALID.replace('method: spt', 'method: linear\n  init: random');
    const [f] = fixes(text);
    assert.equal(f.title, 'Remove prompt.init');
    assert.equal(f.result, VALID.replace('method: spt', 'method: linear'));
    const flow = VALID.replace('prompt:\n  method: spt', 'prompt: {method: full, init: mean, length: 0}');
    const [g] = fixes(flow);
    assert.equal(g.result, VALID.replace('prompt:\n  method: spt', 'prompt: {method: full, length: 0}'));
    ok(g.result);
  });

  it('works from the document when the client sends no diagnostics (or no data)', () => {
    const { doc } = marked(VALID.replace('method: spt', 'method: sptt'));
    const range = { start: { line: 9, character: 10 }, end: { line: 9, character: 10 } };
    const titles = ["Change to 'spt'", "Change to 'vpt'", "Change to 'linear'", "Change to 'full'"];
    assert.deepEqual(
      codeActions(doc, range, []).map((a) => a.title),
      titles,
    );
    const stripped = validate(doc).map(({ data: _data, ...d }) => d);
    assert.deepEqual(
      codeActions(doc, range, stripped).map((a) => a.title),
      titles,
    );
  });

  it('ignores other servers’ diagnostics', () => {
    const { doc } = marked(VALID.replace('method: spt', 'method: sptt'));
    const [d] = validate(doc);
    assert.deepEqual(codeActions(doc, d.range, [{ ...d, source: 'yaml' }]), []);
  });
});
