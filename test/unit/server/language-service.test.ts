/**
 * Diagnostics of the pure core: exact ranges (Red Hat's conventions: wrong type or enum -> the value,
 * unknown key -> the key, missing key -> the parent key, syntax -> the token), severities, codes,
 * and `# spt-disable-next-line`.
 */
import * as assert from 'node:assert/strict';
import { type Diagnostic, DiagnosticSeverity } from 'vscode-languageserver-types';
import { validate } from '../../../src/server/language-service';
import { marked, VALID } from './cursor';

const { Error: E, Warning: W, Information: I } = DiagnosticSeverity;

/** [code, severity, range] of each diagnostic. */
const summary = (ds: Diagnostic[]) => ds.map((d) => [d.code, d.severity, d.range]);

/** Validates `source` and expects one diagnostic per `«»` range, in order, with these codes and severities. */
function expectMarked(source: string, expected: [string, DiagnosticSeverity][]) {
  const m = marked(source);
  const ds = validate(m.doc);
  assert.deepEqual(
    summary(ds),
    expected.map(([code, sev], i) => [code, sev, m.ranges[i]]),
    ds.map((d) => d.message).join('\n'),
  );
  return ds;
}

describe('language service: diagnostics', () => {
  it('reports nothing for a valid file', () => {
    assert.deepEqual(validate(marked(VALID).doc), []);
  });

  describe('YAML syntax (the token)', () => {
    it('points at the tab used as indentation', () => {
      const [d, ...rest] = expectMarked('method: spt\n«\t»prompts: 5\n', [['TAB_AS_INDENT', E]]);
      assert.equal(rest.length, 0);
      assert.equal(d.source, 'spt');
      assert.match(d.message, /^YAML syntax error: /);
    });

    it('reports an unclosed flow sequence at the end of the text, inside the document', () => {
      expectMarked('model: vit\nepochs: [1, 2\n«»', [['BAD_INDENT', E]]);
    });

    it('reports an unterminated quote where the text ends (UTF-16 columns)', () => {
      expectMarked('name: "ünterminated\nlr: 0.1«»', [['MISSING_CHAR', E]]);
    });
  });

  describe('schema', () => {
    it('marks a wrong enum value at the value, with a did-you-mean', () => {
      const [d] = expectMarked(VALID.replace('method: spt', 'method: «sptt»'), [['enum', E]]);
      assert.match(
        d.message,
        /prompt\.method: the string 'sptt' is not one of spt, vpt, linear, full \(did you mean 'spt'\?\)/,
      );
      assert.deepEqual(d.data, { path: ['prompt', 'method'], suggestion: 'spt' });
    });

    it('marks an unknown key at the key and a wrong type at the value', () => {
      const ds = expectMarked(VALID.replace('  lr: 0.05', '  «lrr»: 0.05\n  batch_size: «big»'), [
        ['unknown-key', E],
        ['type', E],
      ]);
      assert.match(ds[0].message, /train: unknown key 'lrr' \(did you mean 'lr'\?\)/);
      assert.match(ds[1].message, /train\.batch_size: expected an integer, found the string 'big'/);
    });

    it('marks a missing required key at its parent key', () => {
      const [d] = expectMarked(VALID.replace('data:\n  root: d\n  train: train.txt', '«data»:\n  root: d'), [
        ['missing-key', E],
      ]);
      assert.match(d.message, /data: missing required key 'train'/);
      assert.deepEqual(d.data, { path: ['data', 'train'] });
    });

    it('marks a missing top-level key at the start of the file', () => {
      const [d] = expectMarked(`«b»${VALID.replace('name: t\nb', '')}`, [['missing-key', E]]);
      assert.match(d.message, /missing required key 'name'/);
    });

    it('marks out-of-range numbers and a bad name pattern at the value', () => {
      expectMarked(VALID.replace('name: t', 'name: «-bad»').replace('lr: 0.05', 'lr: «0»'), [
        ['pattern', E],
        ['range', E],
      ]);
    });

    it('marks the second of two equal keys', () => {
      expectMarked(`${VALID}«train»:\n  epochs: 3\n`, [['duplicate-key', E]]);
    });
  });

  describe('cross-field rules', () => {
    it('an initialiser that does not fit the method (error at init)', () => {
      const [d] = expectMarked(VALID.replace('method: spt', 'method: spt\n  init: «xavier»'), [
        ['init-method', E],
      ]);
      assert.match(d.message, /xavier is a VPT initialiser/);
    });

    it('no initialiser for linear probing', () => {
      expectMarked(VALID.replace('method: spt', 'method: linear\n  init: «random»'), [['init-method', E]]);
    });

    it('image size not divisible by the patch size (at data.image_size)', () => {
      const [d] = expectMarked(VALID.replace('num_classes: 10', 'num_classes: 10\n  image_size: «225»'), [
        ['image-size', E],
      ]);
      assert.match(d.message, /225 is not divisible by the patch size 16 \(try 224 or 240\)/);
    });

    it('warm-up not shorter than training, and length < 1 for spt', () => {
      expectMarked(
        VALID.replace('method: spt', 'method: spt\n  length: «0»').replace(
          'lr: 0.05',
          'lr: 0.05\n  epochs: 5\n  warmup_epochs: «10»',
        ),
        [
          ['length', E],
          ['warmup', E],
        ],
      );
    });

    it('deep prompts with full fine-tuning is a warning at prompt.mode', () => {
      expectMarked(VALID.replace('method: spt', 'method: full\n  mode: «deep»\n  length: 20'), [
        ['full-deep', W],
      ]);
    });
  });

  describe('recipes', () => {
    it('warns when lr is far outside the published recipes, naming them', () => {
      const [d] = expectMarked(VALID.replace('lr: 0.05', 'lr: «5»'), [['recipe-range', W]]);
      assert.match(
        d.message,
        /train\.lr: 5 is far outside the published recipes \(0\.05 \(MAE backbone, CUB-200\), 0\.001/,
      );
      expectMarked(VALID.replace('lr: 0.05', 'lr: «1.0e-7»'), [['recipe-range', W]]);
    });

    it('accepts the recipe values themselves', () => {
      for (const lr of ['0.05', '1e-3', '5e-2'])
        assert.deepEqual(validate(marked(VALID.replace('0.05', lr)).doc), []);
    });
  });

  describe('# spt-disable-next-line', () => {
    it('hides the diagnostics that start on the next line only', () => {
      const m = marked(
        VALID.replace('lr: 0.05', '# spt-disable-next-line\n  lr: 5\n  lrr: 1').replace(
          'method: spt',
          'method: sptt',
        ),
      );
      assert.deepEqual(
        validate(m.doc).map((d) => d.code),
        ['enum', 'unknown-key'],
      );
    });

    it('with codes, hides only those codes', () => {
      const text = VALID.replace(
        'lr: 0.05',
        '  # spt-disable-next-line unknown-key\n  lr: 5\n  # spt-disable-next-line recipe-range, enum\n  wd_head: 300',
      );
      assert.deepEqual(
        validate(marked(text).doc).map((d) => [d.code, d.range.start.line]),
        [['recipe-range', 12]],
      );
    });
  });

  it('severities: error for what fails the run, warning for what is legal but suspicious', () => {
    const ds = validate(marked(VALID.replace('lr: 0.05', 'lr: 5\n  epochs: 0')).doc);
    assert.deepEqual(
      ds.map((d) => [d.code, d.severity]),
      [
        ['recipe-range', W],
        ['range', E],
      ],
    );
    // Information (hints such as pool: mean for MAE) comes from the file checks: see file-checks.test.ts.
    assert.ok(I > W && W > E);
  });
});
