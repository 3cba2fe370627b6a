/** Hover and completion of the pure core, with the cursor marker notation (`lr: 0.0|5`). */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { CompletionItemKind, type MarkupContent, type TextEdit } from 'vscode-languageserver-types';
import { complete, hover } from '../../../src/server/language-service';
import { marked } from './cursor';

const FIXTURES = path.resolve(__dirname, '../../fixtures');
/** A document next to the parity fixtures' folder, for path completion. */
const NEAR_FIXTURES = path.join(FIXTURES, 'cli', 'x.spt.yaml');

const hoverText = (source: string) => {
  const m = marked(source);
  const h = hover(m.doc, m.pos);
  return { h, value: (h?.contents as MarkupContent | undefined)?.value ?? '', m };
};
const labels = (source: string, uri?: string) => {
  const m = marked(source, uri);
  return complete(m.doc, m.pos).items.map((i) => i.label);
};

describe('language service: hover', () => {
  it('on a value: the key documentation, default and the paper recipes, ranged over the value', () => {
    const { h, value, m } = hoverText('train:\n  lr: 0.0|5\n');
    assert.match(value, /\*\*train\.lr\*\* · number > 0/);
    assert.match(value, /Base learning rate \(not scaled by batch size\)\./);
    assert.match(value, /Default: `0\.001`/);
    assert.match(value, /- `0\.05`: MAE backbone, CUB-200/);
    assert.match(value, /- `0\.001`: supervised or MoCo v3 backbone, Stanford Dogs/);
    assert.deepEqual(h?.range, { start: { line: 1, character: 6 }, end: { line: 1, character: 10 } });
    assert.equal(m.text, 'train:\n  lr: 0.05\n');
  });

  it('on a key: the recipes of wd_head and prompt.length', () => {
    assert.match(hoverText('train:\n  wd_h|ead: 3\n').value, /`0\.5`: MAE.*\n- `3`: supervised or MoCo v3/s);
    const { value, h } = hoverText('prompt:\n  len|gth: 20\n');
    assert.match(value, /`20`: deep prompts\n- `100`: shallow prompts/);
    assert.deepEqual(h?.range, { start: { line: 1, character: 2 }, end: { line: 1, character: 8 } });
  });

  it('on an enum value: that value first, then every allowed value', () => {
    const { value } = hoverText('prompt:\n  method: s|pt\n');
    assert.match(value, /^`spt`: Self-Prompt Tuning/);
    assert.match(value, /Allowed values:\n- `spt`: .*\n- `vpt`: .*\n- `linear`: .*\n- `full`: /);
  });

  it('on an architecture name: its size', () => {
    assert.match(
      hoverText('backbone:\n  arch: vit_ba|se_patch16_224\n').value,
      /^`vit_base_patch16_224`: embed_dim 768, depth 12, 12 heads, patch 16, 224 px/,
    );
  });

  it('on a section key: its keys, required ones marked', () => {
    const { value } = hoverText('da|ta:\n  root: d\n');
    assert.match(value, /- `root` \(required\): Dataset folder/);
    assert.match(value, /- `format`: Dataset layout/);
  });

  it('nothing on unknown keys, comments or blank lines', () => {
    assert.equal(hoverText('train:\n  lrr|: 1\n').h, null);
    assert.equal(hoverText('# a com|ment\nname: t\n').h, null);
    assert.equal(hoverText('name: t\n|\n').h, null);
  });
});

describe('language service: completion', () => {
  it('offers the top-level keys not yet written, required first', () => {
    const m = marked('name: t\n|');
    const items = complete(m.doc, m.pos).items;
    assert.deepEqual(items.map((i) => i.label).sort(), [
      'analysis',
      'backbone',
      'data',
      'debug',
      'device',
      'output',
      'predict',
      'prompt',
      'seed',
      'train',
    ]);
    const backbone = items.find((i) => i.label === 'backbone');
    assert.equal(backbone?.detail, 'mapping (required)');
    assert.equal(backbone?.sortText, '0backbone');
    assert.deepEqual(backbone?.textEdit, {
      range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } },
      newText: 'backbone:\n  ',
    });
  });

  it('offers the keys of the enclosing section at the cursor, by indentation', () => {
    assert.deepEqual(labels('train:\n  lr: 0.05\n  |\n  epochs: 3\n'), [
      'warmup_epochs',
      'batch_size',
      'min_lr',
      'weight_decay',
      'wd_head',
      'micro_batch',
      'drop_path',
    ]);
    const m = marked('train:\n  wd|');
    const item = complete(m.doc, m.pos).items.find((i) => i.label === 'wd_head');
    assert.deepEqual(item?.textEdit, {
      range: { start: { line: 1, character: 2 }, end: { line: 1, character: 4 } },
      newText: 'wd_head: ',
    });
    assert.match((item!.documentation as MarkupContent).value, /Recipes \(paper\)/);
  });

  it('offers nested keys (a custom arch)', () => {
    assert.deepEqual(labels('backbone:\n  arch:\n    embed_dim: 32\n    |'), [
      'depth',
      'num_heads',
      'patch_size',
      'image_size',
    ]);
  });

  it('offers enum values with their descriptions', () => {
    const m = marked('prompt:\n  init: |');
    const items = complete(m.doc, m.pos).items;
    assert.deepEqual(
      items.map((i) => i.label),
      ['random', 'mean', 'max', 'kmeans', 'xavier', 'null'],
    );
    assert.equal(items[0].kind, CompletionItemKind.EnumMember);
    assert.equal(items[0].detail, 'SPT: N patch tokens drawn uniformly from all training images.');
    const typed = marked('prompt:\n  method: v|');
    const vpt = complete(typed.doc, typed.pos).items.find((i) => i.label === 'vpt');
    assert.deepEqual((vpt?.textEdit as TextEdit | undefined)?.range, {
      start: { line: 1, character: 10 },
      end: { line: 1, character: 11 },
    });
  });

  it('offers architecture names with their sizes', () => {
    const m = marked('backbone:\n  arch: |');
    const items = complete(m.doc, m.pos).items;
    assert.deepEqual(
      items.map((i) => i.label),
      [
        'vit_tiny_patch16_224',
        'vit_small_patch16_224',
        'vit_base_patch16_224',
        'vit_large_patch16_224',
        'vit_huge_patch14_224',
      ],
    );
    assert.equal(items[2].detail, 'embed_dim 768, depth 12, 12 heads, patch 16, 224 px');
  });

  it('offers numbers from the default and the recipes', () => {
    assert.deepEqual(labels('train:\n  lr: |'), ['0.001', '0.05']);
    assert.deepEqual(labels('train:\n  batch_size: |'), ['32']);
  });

  it('offers checkpoint files relative to the document', () => {
    const got = labels('backbone:\n  checkpoint: ../parity/|', NEAR_FIXTURES);
    for (const f of ['timm.pth', 'timm.safetensors', 'jax.npz', 'mocov3.pth.tar', 'images/'])
      assert.ok(got.includes(f), f);
    assert.ok(!got.includes('cases.json') && !got.includes('README.md'), 'only checkpoint files and folders');
    const m = marked('backbone:\n  checkpoint: ../parity/ti|', NEAR_FIXTURES);
    const item = complete(m.doc, m.pos).items.find((i) => i.label === 'timm.pth');
    assert.deepEqual(item?.textEdit, {
      range: { start: { line: 1, character: 14 }, end: { line: 1, character: 26 } },
      newText: '../parity/timm.pth',
    });
  });

  it('offers split files relative to data.root, and folders for data.root', () => {
    const got = labels('data:\n  root: ../parity\n  train: |', NEAR_FIXTURES);
    assert.ok(
      got.includes('images.txt') && got.includes('cases.json') && got.includes('images/'),
      got.join(),
    );
    assert.ok(!got.includes('timm.pth'));
    const roots = labels('data:\n  root: ../|', NEAR_FIXTURES);
    assert.ok(roots.includes('parity/') && !roots.some((r) => r.endsWith('.yaml')), roots.join());
  });

  it('offers nothing in comments or where indentation does not name a section', () => {
    assert.deepEqual(labels('# arch: |'), []);
    assert.deepEqual(labels('name: t\n    |'), []);
  });
});
