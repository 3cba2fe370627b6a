/** Compare's sweep plot (issue 19, item 3): final val and test accuracy against the swept parameters. */
import * as assert from 'node:assert/strict';
import type { DashboardRun } from '../../../src/shared/webview-contract';
import {
  parallelData,
  sweepCategories,
  sweepPoints,
  sweptParams,
} from '../../../webview-ui/src/lib/sweep-scatter';

const run = (
  name: string,
  config: Record<string, string>,
  val: number | null,
  test: number | null,
): DashboardRun =>
  ({
    runDir: `/r/${name}`,
    label: name,
    config: { name: name, 'output.dir': `runs/${name}`, 'train.epochs': '10', ...config },
    bestValAcc: val,
    testAcc: test,
  }) as unknown as DashboardRun;

describe('compare sweep plot', () => {
  const runs = [
    run('a', { 'train.lr': '0.1', 'prompt.init': 'mean' }, 0.55, 0.5),
    run('b', { 'train.lr': '0.01', 'prompt.init': 'max' }, 0.85, 0.8),
    run('c', { 'train.lr': '1e-3', 'prompt.init': 'mean' }, 0.7, null),
    run('d', { 'train.lr': '0.05', 'prompt.init': 'max' }, null, null),
  ];

  it('lists the differing config keys, numeric first, without name and output', () => {
    assert.deepEqual(sweptParams(runs), [
      { key: 'train.lr', numeric: true, log: true },
      { key: 'prompt.init', numeric: false, log: false },
    ]);
  });

  it('puts a swept seed last, after the hyper-parameters', () => {
    const seeded = runs.map((r, i) => ({ ...r, config: { ...r.config, seed: String(i) } }));
    assert.deepEqual(
      sweptParams(seeded).map((p) => p.key),
      ['train.lr', 'prompt.init', 'seed'],
    );
  });

  it('uses a linear axis when the values span less than a factor of 100, or include 0', () => {
    const lin = sweptParams([run('a', { 'train.lr': '0.1' }, 1, 1), run('b', { 'train.lr': '0.02' }, 1, 1)]);
    assert.deepEqual(lin, [{ key: 'train.lr', numeric: true, log: false }]);
    const zero = sweptParams([run('a', { 'train.wd': '0' }, 1, 1), run('b', { 'train.wd': '0.5' }, 1, 1)]);
    assert.equal(zero[0].log, false);
  });

  it('makes one point per run with an accuracy, numbers as numbers', () => {
    const pts = sweepPoints(runs, sweptParams(runs)[0], (r) => r.label);
    assert.deepEqual(
      pts.map((p) => [p.name, p.x, p.val, p.test]),
      [
        ['a', 0.1, 0.55, 0.5],
        ['b', 0.01, 0.85, 0.8],
        ['c', 0.001, 0.7, null],
      ],
    );
  });

  it('keeps category values as strings, in first-use order', () => {
    const pts = sweepPoints(runs, sweptParams(runs)[1], (r) => r.label);
    assert.deepEqual(
      pts.map((p) => p.x),
      ['mean', 'max', 'mean'],
    );
    assert.deepEqual(sweepCategories(pts), ['mean', 'max']);
  });

  it('skips runs that do not set the parameter', () => {
    const partial = [...runs, run('e', {}, 0.9, 0.9)];
    const lr = sweptParams(partial).find((p) => p.key === 'train.lr')!;
    assert.ok(!sweepPoints(partial, lr, (r) => r.label).some((p) => p.name === 'e'));
  });
});

describe('compare parallel coordinates', () => {
  it('has an axis per swept parameter and the two accuracies, a line per run with an accuracy', () => {
    const runs = [
      run('a', { 'train.lr': '0.1', 'prompt.init': 'mean' }, 0.55, 0.5),
      run('b', { 'train.lr': '0.01', 'prompt.init': 'max' }, 0.85, null),
      run('c', { 'train.lr': '0.001' }, null, null),
    ];
    const d = parallelData(runs, (r) => r.label);
    assert.deepEqual(
      d.axes.map((a) => [a.key, a.kind, a.categories, a.log]),
      [
        ['train.lr', 'param', null, true],
        ['prompt.init', 'param', ['mean', 'max'], false],
        ['best val acc', 'metric', null, false],
        ['test acc', 'metric', null, false],
      ],
    );
    assert.deepEqual(
      d.lines.map((l) => [l.name, ...l.values]),
      [
        ['a', 0.1, 'mean', 0.55, 0.5],
        ['b', 0.01, 'max', 0.85, null],
      ],
    );
  });
});
