/**
 * File-system checks of the core, relative to the experiment file: checkpoint (exists, format, header
 * vs arch with the layout named, backbone.format, pool: mean for MAE), data root, split files, labels
 * vs num_classes (sampled for big files), and the cache per path + mtime + size.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Diagnostic, DiagnosticSeverity } from 'vscode-languageserver-types';
import { clearFileCache, codeActions, validate } from '../../../src/server/language-service';
import { FULL_PARSE_LIMIT, readCounts } from '../../../src/server/language-service/file-checks';
import {
  PARITY,
  tempDir,
  vitShapes,
  writeHeaderOnlySafetensors,
  writeHostileTorch,
} from './checkpoint-fixtures';
import { applyEdits, marked } from './cursor';

const { Error: E, Information: I } = DiagnosticSeverity;
const PARITY_YAML = fs.readFileSync(
  path.resolve(__dirname, '../../fixtures/cli/parity-deep-mean.spt.yaml'),
  'utf8',
);

describe('language service: file checks', () => {
  let dir: string;
  /** The experiment file lives in `dir`; `parity/` links to the parity fixtures. */
  let file: string;

  before(() => {
    dir = tempDir();
    file = path.join(dir, 'exp', 'x.spt.yaml');
    fs.mkdirSync(path.dirname(file));
    fs.symlinkSync(PARITY, path.join(dir, 'parity'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => clearFileCache());

  const check = (source: string, expected: [string, DiagnosticSeverity][]): Diagnostic[] => {
    const m = marked(source, file);
    const ds = validate(m.doc);
    assert.deepEqual(
      ds.map((d) => [d.code, d.severity, d.range]),
      expected.map(([code, sev], i) => [code, sev, m.ranges[i]]),
      ds.map((d) => d.message).join('\n'),
    );
    return ds;
  };

  it('accepts the parity experiment: checkpoint header, data root, split labels', () => {
    check(PARITY_YAML, []);
  });

  it('a missing checkpoint is an error at the path', () => {
    const [d] = check(
      PARITY_YAML.replace('checkpoint: ../parity/timm.pth', 'checkpoint: «../parity/nope.pth»'),
      [['checkpoint-missing', E]],
    );
    assert.equal(d.message, `backbone.checkpoint: ${path.join(dir, 'parity', 'nope.pth')} does not exist`);
  });

  it('a file in no supported format, a folder, a device', () => {
    const [d] = check(PARITY_YAML.replace('../parity/timm.pth', '«../parity/images.txt»'), [
      ['checkpoint-format', E],
    ]);
    assert.match(d.message, /in no format SPT Studio reads; supported: safetensors/);
    check(PARITY_YAML.replace('../parity/timm.pth', '«../parity/images»'), [['checkpoint-format', E]]);
    check(PARITY_YAML.replace('../parity/timm.pth', '«/dev/zero»'), [['checkpoint-format', E]]);
  });

  it('a hostile pickle is reported, not run', () => {
    writeHostileTorch(path.join(dir, 'evil.pth'));
    const [d] = check(PARITY_YAML.replace('../parity/timm.pth', '«../evil.pth»'), [['checkpoint-format', E]]);
    assert.match(d.message, /refused to load: the pickle asks for 'os\.system'/);
  });

  it('a checkpoint that does not fit the arch: error at arch naming the layout, fix sets the arch', () => {
    const text = PARITY_YAML.replace(
      'arch: {embed_dim: 32, depth: 3, num_heads: 4, patch_size: 8, image_size: 32}',
      'arch: «vit_base_patch16_224»',
    ).replace('../parity/timm.pth', '../parity/jax.npz');
    const [d] = check(text, [['arch-mismatch', E]]);
    assert.match(
      d.message,
      /the checkpoint \(Google JAX layout\) is a ViT with embed_dim 32, depth 3, patch 8, 4 heads/,
    );
    assert.match(d.message, /expects 'embedding\/kernel' of shape \(16, 16, 3, 768\)/);
    assert.match(
      d.message,
      /set backbone\.arch to \{embed_dim: 32, depth: 3, num_heads: 4, patch_size: 8, image_size: 32\}$/,
    );
    const m = marked(text, file);
    const [fix] = codeActions(m.doc, d.range, [d]);
    assert.equal(
      fix.title,
      'Set backbone.arch to {embed_dim: 32, depth: 3, num_heads: 4, patch_size: 8, image_size: 32}',
    );
    const fixed = applyEdits(m.doc, fix.edit?.changes?.[m.doc.uri] ?? []);
    assert.deepEqual(validate(marked(fixed, file).doc), []);
  });

  it('a ViT-B checkpoint with a tiny arch names the timm keys the arch would need', () => {
    writeHeaderOnlySafetensors(path.join(dir, 'vit_b.safetensors'), vitShapes('vit_base_patch16_224'));
    const [d] = check(
      PARITY_YAML.replace('arch: {', 'arch: «{')
        .replace('image_size: 32}', 'image_size: 32}»')
        .replace('../parity/timm.pth', '../vit_b.safetensors'),
      [['arch-mismatch', E]],
    );
    assert.match(
      d.message,
      /\(timm layout\) is a ViT with embed_dim 768, depth 12, patch 16, but backbone.arch is a custom size/,
    );
    assert.match(
      d.message,
      /'patch_embed\.proj\.weight' of shape \(32, 3, 8, 8\).*set backbone\.arch to vit_base_patch16_224$/,
    );
  });

  it('backbone.format that the keys contradict: error at format, fix to the detected layout', () => {
    const text = PARITY_YAML.replace('  pool: mean', '  pool: mean\n  format: «jax»');
    const [d] = check(text, [['format-mismatch', E]]);
    assert.match(d.message, /backbone\.format is 'jax' but the keys look like a timm state dict/);
    const m = marked(text, file);
    const [fix] = codeActions(m.doc, d.range, [d]);
    assert.equal(fix.title, 'Set backbone.format: timm');
  });

  it('suggests pool: mean for MAE checkpoints (information), at pool or at the checkpoint', () => {
    const mae = PARITY_YAML.replace('../parity/timm.pth', '../parity/mae.pth');
    const [d] = check(mae.replace('pool: mean', 'pool: «cls»'), [['pool-mae', I]]);
    assert.match(d.message, /MAE backbones are evaluated with pool: mean/);
    const text = mae.replace('  pool: mean\n', '').replace('../parity/mae.pth', '«../parity/mae.pth»');
    const [e] = check(text, [['pool-mae', I]]);
    const m = marked(text, file);
    const [fix] = codeActions(m.doc, e.range, [e]);
    assert.equal(applyEdits(m.doc, fix.edit?.changes?.[m.doc.uri] ?? []), mae);
    check(mae, []);
  });

  it('data root and split files must exist; labels must fit num_classes', () => {
    check(PARITY_YAML.replace('root: ../parity', 'root: «../nowhere»'), [['data-missing', E]]);
    check(PARITY_YAML.replace('train: images.txt', 'train: «image.txt»'), [['split-missing', E]]);
    const [d] = check(
      PARITY_YAML.replace('train: images.txt', 'train: «images.txt»\n  test: «images24.txt»').replace(
        'num_classes: 5',
        'num_classes: 4',
      ),
      [
        ['split-labels', E],
        ['split-labels', E],
      ],
    );
    assert.equal(
      d.message,
      'data.train: images.txt: line 5: label 4 is out of range: the task has 4 classes (labels 0..3)',
    );
  });

  it('samples big split files (head, tail, windows) instead of reading them whole', () => {
    const big = path.join(dir, 'parity-big');
    fs.mkdirSync(big);
    const lines: string[] = [];
    for (let i = 0, size = 0; size < 3 * FULL_PARSE_LIMIT; i++) {
      lines.push(`images/img_${i}.png ${i % 5}`);
      size += lines[i].length + 1;
    }
    lines.push('images/last.png 9');
    fs.writeFileSync(path.join(big, 'train.txt'), `${lines.join('\n')}\n`);
    const [d] = check(
      PARITY_YAML.replace('root: ../parity', 'root: ../parity-big').replace(
        'train: images.txt',
        'train: «train.txt»',
      ),
      [['split-labels', E]],
    );
    assert.match(d.message, /label 9 is out of range: data\.num_classes is 5 \(labels 0\.\.4\) \(sampled\)$/);
  });

  it('caches per path, mtime and size; a change on disk is seen', () => {
    const ck = path.join(dir, 'copy.safetensors');
    fs.copyFileSync(path.join(PARITY, 'timm.safetensors'), ck);
    const text = PARITY_YAML.replace('../parity/timm.pth', '../copy.safetensors');
    const before = readCounts.header;
    check(text, []);
    check(text, []);
    check(text, []);
    assert.equal(readCounts.header - before, 1, 'read once');
    fs.copyFileSync(path.join(PARITY, 'features.safetensors'), ck);
    const [d] = check(text.replace('../copy.safetensors', '«../copy.safetensors»'), [
      ['checkpoint-format', E],
    ]);
    assert.match(d.message, /do not look like a Vision Transformer/);
    assert.equal(readCounts.header - before, 2);
  });

  it('fileChecks: false (and untitled documents) skip the file system', () => {
    const m = marked(PARITY_YAML.replace('../parity/timm.pth', '../nope.pth'), file);
    assert.deepEqual(validate(m.doc, { fileChecks: false }), []);
    assert.deepEqual(validate(marked(PARITY_YAML.replace('../parity/timm.pth', '../nope.pth')).doc), []);
  });
});
