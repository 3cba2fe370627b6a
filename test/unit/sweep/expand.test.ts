/** Sweep expansion: the grid's order, the list crossed with it, seeds split out, stable readable names. */
import * as assert from 'node:assert/strict';
import { parseDocument } from 'yaml';
import {
  combinations,
  finalRuns,
  keyLabels,
  type Override,
  overrideText,
  searchRuns,
  settingsOf,
  valueLabel,
  valueText,
} from '../../../src/config/sweep/expand';

const grid = (g: Record<string, unknown[]>) => Object.entries(g).map(([key, values]) => ({ key, values }));

describe('sweep expansion', () => {
  it('crosses the grid (first key slowest) with every list entry', () => {
    const combos = combinations({
      grid: grid({ 'train.lr': [0.1, 0.01], 'prompt.length': [10, 20] }),
      list: [[['prompt.method', 'vpt']], [['prompt.method', 'spt']]],
    });
    assert.equal(combos.length, 8);
    assert.deepEqual(combos[0], [
      ['train.lr', 0.1],
      ['prompt.length', 10],
      ['prompt.method', 'vpt'],
    ]);
    assert.deepEqual(combos[1].at(-1), ['prompt.method', 'spt']);
    assert.deepEqual(combos[2].slice(0, 2), [
      ['train.lr', 0.1],
      ['prompt.length', 20],
    ]);
    assert.deepEqual(combos[4][0], ['train.lr', 0.01]);
    assert.deepEqual(combinations({ grid: [], list: [] }), [[]], 'nothing varies: one setting');
  });

  it('names settings by short keys (weight_decay: wd; full paths where two collide) and safe values', () => {
    assert.deepEqual(
      [
        ...keyLabels([
          'train.lr',
          'train.weight_decay',
          'prompt.length',
          'data.image_size',
          'backbone.arch.image_size',
        ]),
      ],
      [
        ['train.lr', 'lr'],
        ['train.weight_decay', 'wd'],
        ['prompt.length', 'length'],
        ['data.image_size', 'data.image_size'],
        ['backbone.arch.image_size', 'backbone.arch.image_size'],
      ],
    );
    assert.equal(valueLabel(0.0001), '0.0001');
    assert.equal(valueLabel(1e-7), '1e-7');
    assert.equal(valueLabel('./data/CUB_200_2011/'), 'CUB_200_2011');
    assert.equal(valueLabel(null), 'null');
    assert.equal(valueLabel('a b/c:d'), 'c_d');
    assert.match(valueLabel('x'.repeat(60)), /^x{32}~[0-9a-f]{6}$/);
    const s = settingsOf({ grid: grid({ 'train.lr': [0.01], 'train.weight_decay': [1e-4] }), list: [] });
    assert.equal(s[0].id, 'lr=0.01,wd=0.0001');
    assert.equal(settingsOf({ grid: [], list: [] })[0].id, 'base');
  });

  it('splits the seed out of a setting: a setting with several seeds is one setting', () => {
    const s = settingsOf({ grid: grid({ 'train.lr': [0.1, 0.01], seed: [1, 2] }), list: [] });
    assert.deepEqual(
      s.map((x) => [x.id, x.seeds]),
      [
        ['lr=0.1', [1, 2]],
        ['lr=0.01', [1, 2]],
      ],
    );
  });

  it('gives different settings with the same label a hash, and keeps names stable', () => {
    const s = settingsOf({ grid: grid({ 'data.root': ['./a/x y', './b/x_y'] }), list: [] });
    assert.equal(s.length, 2);
    assert.notEqual(s[0].id, s[1].id);
    assert.match(s[0].id, /^root=x_y~[0-9a-f]{6}$/);
    assert.deepEqual(
      settingsOf({ grid: grid({ 'data.root': ['./a/x y', './b/x_y'] }), list: [] }).map((x) => x.id),
      s.map((x) => x.id),
    );
  });

  it('writes overrides that --set parses back to the same value', () => {
    for (const v of [
      0.01,
      1e-8,
      0,
      'vpt',
      '0.5',
      'true',
      null,
      true,
      { embed_dim: 32, depth: 3 },
      './a b/c',
    ]) {
      const text = valueText(v);
      assert.deepEqual(parseDocument(text).toJS(), v, text);
    }
    assert.equal(overrideText(['train.lr', 0.05]), 'train.lr=0.05');
  });

  it('plans search runs per task x setting x seed, and final runs that reuse the search seed name', () => {
    const settings = settingsOf({ grid: grid({ 'train.lr': [0.1, 0.01] }), list: [] });
    const tasks = [
      { name: 'cub', overrides: [['data.num_classes', 200]] as Override[], seed: 0 },
      { name: 'dogs', overrides: [['data.num_classes', 120]] as Override[], seed: 42 },
    ];
    const search = searchRuns(tasks, settings);
    assert.deepEqual(
      search.map((r) => r.name),
      ['cub/lr=0.1/seed=0', 'cub/lr=0.01/seed=0', 'dogs/lr=0.1/seed=42', 'dogs/lr=0.01/seed=42'],
    );
    assert.deepEqual(search[3].overrides, ['data.num_classes=120', 'train.lr=0.01', 'seed=42']);
    const final = finalRuns(tasks[0], settings[1], [0, 1, 2]);
    assert.deepEqual(
      final.map((r) => r.name),
      ['cub/lr=0.01/seed=0', 'cub/lr=0.01/seed=1', 'cub/lr=0.01/seed=2'],
    );
    assert.equal(final[0].name, search[1].name, 'the final run with the search seed is the search run');
  });
});
