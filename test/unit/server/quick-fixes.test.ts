/**
 * Issue 14, item 12: quick fixes for a misspelled enum value and for an unknown key, wherever they
 * are written. An unknown key gets the nearest known key that is not written yet (same words spelled
 * differently, an abbreviation, a near spelling, a key that contains it) and a fix that removes it;
 * an enum value gets the did-you-mean (preferred) and the other allowed values of a short list.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { nearestKey } from '../../../src/config/validate-config';
import { codeActions, validate } from '../../../src/server/language-service';
import { applyEdits, marked, VALID } from './cursor';

interface Fix {
  title: string;
  preferred: boolean;
  result: string;
}

/** The quick fixes for the diagnostic with `code` in `doc`, each with the text it produces. */
function fixesOf(doc: TextDocument, code: string): Fix[] {
  const d = validate(doc).find((x) => x.code === code);
  assert.ok(d, `no ${code} diagnostic: ${validate(doc).map((x) => x.message)}`);
  return codeActions(doc, d.range, [d]).map((a) => ({
    title: a.title,
    preferred: a.isPreferred === true,
    result: applyEdits(doc, a.edit?.changes?.[doc.uri] ?? []),
  }));
}
const exp = (text: string) => marked(text).doc;

describe('quick fixes for misspelled values and keys (issue 14, item 12)', () => {
  it("mode: deeep -> Change to 'deep' (preferred), and the other value", () => {
    const fixes = fixesOf(exp(VALID.replace('method: spt', 'method: spt\n  mode: deeep')), 'enum');
    assert.deepEqual(
      fixes.map((f) => [f.title, f.preferred]),
      [
        ["Change to 'deep'", true],
        ["Change to 'shallow'", false],
      ],
    );
    assert.equal(fixes[0].result, VALID.replace('method: spt', 'method: spt\n  mode: deep'));
    assert.deepEqual(validate(exp(fixes[0].result)), []);
  });

  it('a value too far from any for a did-you-mean still gets every allowed value', () => {
    const fixes = fixesOf(exp(VALID.replace('method: spt', 'method: spt\n  mode: "d"')), 'enum');
    assert.deepEqual(
      fixes.map((f) => [f.title, f.preferred]),
      [
        ["Change to 'shallow'", false],
        ["Change to 'deep'", false],
      ],
    );
    assert.deepEqual(validate(exp(fixes[1].result)), []);
  });

  it('enums inside a nullable field and inside backbone.arch get them too', () => {
    const init = fixesOf(exp(VALID.replace('method: spt', 'method: spt\n  init: randm')), 'enum');
    assert.deepEqual(init[0], {
      title: "Change to 'random'",
      preferred: true,
      result: VALID.replace('method: spt', 'method: spt\n  init: random'),
    });
    const arch = fixesOf(exp(VALID.replace('vit_base_patch16_224', 'vit_bse_patch16')), 'enum');
    assert.equal(arch[0].title, "Change to 'vit_base_patch16_224'");
    assert.equal(arch.length, 5);
  });

  for (const [typed, meant] of [
    ['learning_rate', 'lr'],
    ['LR', 'lr'],
    ['bs', 'batch_size'],
    ['batchSize', 'batch_size'],
    ['epoch', 'epochs'],
    ['warmup', 'warmup_epochs'],
  ]) {
    it(`train.${typed} -> Change to '${meant}', or remove it`, () => {
      const text = VALID.replace('  lr: 0.05', `  lr: 0.05\n  ${typed}: 1`).replace(
        typed === 'learning_rate' || typed === 'LR' ? '  lr: 0.05\n' : '\u0000',
        '',
      );
      const fixes = fixesOf(exp(text), 'unknown-key');
      assert.deepEqual(
        fixes.map((f) => [f.title, f.preferred]),
        [
          [`Change to '${meant}'`, true],
          [`Remove unknown key '${typed}'`, false],
        ],
      );
      assert.equal(fixes[0].result, text.replace(`  ${typed}: 1`, `  ${meant}: 1`));
      assert.equal(fixes[1].result, text.replace(`  ${typed}: 1\n`, ''));
    });
  }

  it('data.classes -> num_classes (the required key it stands for)', () => {
    const text = VALID.replace('num_classes: 10', 'classes: 10');
    const fixes = fixesOf(exp(text), 'unknown-key');
    assert.equal(fixes[0].title, "Change to 'num_classes'");
    assert.deepEqual(validate(exp(fixes[0].result)), []);
  });

  it('never suggests a key that is already written (that would be a duplicate)', () => {
    const text = VALID.replace('  lr: 0.05', '  lr: 0.05\n  lrr: 0.1');
    const fixes = fixesOf(exp(text), 'unknown-key');
    assert.deepEqual(
      fixes.map((f) => f.title),
      ["Remove unknown key 'lrr'"],
    );
    assert.equal(fixes[0].result, VALID);
  });

  it('sweep files: an override value and an override key', () => {
    const uri = pathToFileURL(path.resolve('examples/default/x.sweep.yaml')).toString();
    const text =
      'experiment: ./default.spt.yaml\ngrid:\n  train.lr: [0.01, 0.05]\n  prompt.mode: [deeep, shallow]\n  prompt.lenght: [4, 8]\n';
    const doc = TextDocument.create(uri, 'yaml', 1, text);
    const mode = fixesOf(doc, 'enum');
    assert.deepEqual(
      mode.map((f) => f.title),
      ["Change to 'deep'", "Change to 'shallow'"],
    );
    assert.equal(mode[0].result, text.replace('deeep', 'deep'));
    const key = fixesOf(doc, 'unknown-key');
    assert.deepEqual(
      key.map((f) => f.title),
      ["Change to 'prompt.length'", "Remove unknown key 'prompt.lenght'"],
    );
    assert.equal(key[1].result, text.replace('  prompt.lenght: [4, 8]\n', ''));
  });

  it('nearestKey: ranks a respelling over an abbreviation over a near spelling over containment', () => {
    const keys = ['num_classes', 'image_size', 'batch_size', 'lr', 'min_lr', 'epochs', 'warmup_epochs'];
    assert.equal(nearestKey('imageSize', keys), 'image_size');
    assert.equal(nearestKey('IMAGE-SIZE', keys), 'image_size');
    assert.equal(nearestKey('bs', keys), 'batch_size');
    assert.equal(nearestKey('learning_rate', keys), 'lr');
    assert.equal(nearestKey('min_lrr', keys), 'min_lr');
    assert.equal(nearestKey('classes', keys), 'num_classes');
    assert.equal(nearestKey('zzz', keys), undefined);
    assert.equal(nearestKey('', keys), undefined);
  });
});
