/**
 * The language server on `*.sweep.yaml`: diagnostics with exact ranges (an unknown override key, a bad
 * value), the did-you-mean quick fix, hover (sweep keys; override keys with the experiment field's
 * documentation) and completion (sweep keys, experiment key paths under grid and tasks, enum values,
 * experiment files). Cursor notation: `|` is the cursor, `«...»` an expected range.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DiagnosticSeverity, type MarkupContent, type TextEdit } from 'vscode-languageserver-types';
import {
  codeActions,
  complete,
  hover,
  validate,
  validateDocument,
} from '../../../src/server/language-service';
import { writeTinyExperiment } from '../../helpers/tiny-experiment';
import { marked } from '../server/cursor';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-sweep-ls-'));
writeTinyExperiment(tmp, {
  name: 'tiny',
  seed: 0,
  pool: 'cls',
  init: 'random',
  train: '{epochs: 1, warmup_epochs: 0, batch_size: 3, lr: 0.01}',
  analysis: '{every_epochs: 0}',
  outputDir: './runs',
});
const FILE = path.join(tmp, 'grid.sweep.yaml');
const doc = (source: string) => marked(source, FILE);
const hoverText = (source: string) => {
  const m = doc(source);
  return (hover(m.doc, m.pos)?.contents as MarkupContent | undefined)?.value ?? '';
};
const labels = (source: string) => {
  const m = doc(source);
  return complete(m.doc, m.pos).items.map((i) => i.label);
};

describe('language service: sweep files', () => {
  it('marks an unknown override key exactly and offers the did-you-mean fix', () => {
    const m = doc(
      'experiment: ./tiny.spt.yaml\ngrid:\n  «train.lrr»: [0.01, 0.1]\n  prompt.length: [«-1»]\n',
    );
    const d = validate(m.doc);
    assert.equal(d.length, 2, JSON.stringify(d));
    assert.deepEqual(d[0].range, m.ranges[0]);
    assert.equal(d[0].severity, DiagnosticSeverity.Error);
    assert.equal(d[0].code, 'unknown-key');
    assert.match(d[0].message, /did you mean 'train\.lr'/);
    assert.deepEqual(d[1].range, m.ranges[1]);
    assert.match(d[1].message, /prompt\.length: must be >= 0, found -1/);
    const fixes = codeActions(m.doc, d[0].range, [d[0]]);
    assert.equal(fixes[0].title, "Change to 'train.lr'");
    assert.equal((fixes[0].edit!.changes![m.doc.uri] as TextEdit[])[0].newText, 'train.lr');
  });

  it('is clean for a valid sweep, and names a missing experiment file on its value', () => {
    assert.deepEqual(
      validate(
        doc('experiment: ./tiny.spt.yaml\ngrid:\n  train.lr: [0.01, 0.1]\nfinal: {seeds: [0, 1]}\n').doc,
      ),
      [],
    );
    const m = doc('experiment: «./gone.spt.yaml»\n');
    const d = validate(m.doc);
    assert.deepEqual(d[0].range, m.ranges[0]);
    assert.match(d[0].message, /file not found/);
    // The server watches the experiment file: editing it re-validates the sweep.
    assert.deepEqual(validateDocument(doc('experiment: ./tiny.spt.yaml\n').doc).files, [
      path.join(tmp, 'tiny.spt.yaml'),
    ]);
    const missing = validate(doc('grid: {}\n').doc);
    assert.match(missing[0].message, /missing required key 'experiment'/);
  });

  it('hovers sweep keys and override keys (with the experiment documentation)', () => {
    assert.match(
      hoverText('experiment: ./tiny.spt.yaml\ngrid:\n  train.l|r: [0.01]\n'),
      /Override of the experiment key \*\*train\.lr\*\*[\s\S]*Base learning rate/,
    );
    assert.match(
      hoverText('experiment: ./tiny.spt.yaml\nlist:\n  - {prompt.me|thod: vpt}\n'),
      /Override of the experiment key \*\*prompt\.method\*\*/,
    );
    assert.match(
      hoverText('experiment: ./tiny.spt.yaml\ntasks:\n  cub: {data.num_cl|asses: 200}\n'),
      /data\.num_classes/,
    );
    assert.match(hoverText('sel|ect: {metric: val_acc}\n'), /never on test/);
    assert.match(hoverText('final:\n  se|eds: [0, 1]\n'), /\*\*final\.seeds\*\* · list of integer >= 0/);
  });

  it('completes sweep keys, experiment key paths, enum values and experiment files', () => {
    const top = labels('experiment: ./tiny.spt.yaml\n|\n');
    assert.ok(top.includes('grid') && top.includes('final') && top.includes('tasks'), top.join());
    assert.ok(!top.includes('experiment'), 'already written');
    const grid = labels('experiment: ./tiny.spt.yaml\ngrid:\n  train.lr: [0.1]\n  |\n');
    for (const k of ['train.weight_decay', 'prompt.length', 'seed', 'data.root'])
      assert.ok(grid.includes(k), k);
    assert.ok(!grid.includes('output.dir'));
    assert.ok(labels('tasks:\n  cub:\n    da|\n').includes('data.num_classes'));
    assert.deepEqual(labels('select:\n  mode: |\n'), ['max', 'min']);
    assert.deepEqual(labels('select:\n  |\n'), ['metric', 'mode']);
    assert.ok(labels('experiment: ./|\n').includes('tiny.spt.yaml'));
  });
});
