/** Compare's runs table (issue 19, item 3): differing hyper-parameters and final metrics, sortable, as CSV. */
import * as assert from 'node:assert/strict';
import type { DashboardRun } from '../../../src/shared/webview-contract';
import { runsTable, runsTableCsv, sortRunsTable } from '../../../webview-ui/src/lib/runs-table';

const run = (
  name: string,
  config: Record<string, string>,
  val: number | null,
  test: number | null,
): DashboardRun =>
  ({
    runDir: `/r/${name}`,
    label: name,
    config: { name: 'x', 'output.dir': 'runs', 'train.epochs': '10', ...config },
    bestValAcc: val,
    testAcc: test,
    bestEpoch: 3,
    imagesPerSec: 40,
    wallSeconds: 60,
  }) as unknown as DashboardRun;

describe('compare runs table', () => {
  const runs = [
    run('a', { 'train.lr': '0.1', 'prompt.method': 'spt' }, 0.7, 0.65),
    run('b', { 'train.lr': '0.01', 'prompt.method': 'vpt' }, 0.9, null),
    run('c', { 'train.lr': '1e-3', 'prompt.method': 'spt' }, null, 0.5),
  ];
  const table = runsTable(runs, (r) => r.label);

  it('has a column per differing hyper-parameter (numbers as numbers) and per final metric', () => {
    assert.deepEqual(
      table.columns.map((c) => `${c.kind}:${c.key}`),
      [
        'param:prompt.method',
        'param:train.lr',
        'metric:best_val_acc',
        'metric:test_acc',
        'metric:best_epoch',
        'metric:images_per_sec',
        'metric:wall_seconds',
      ],
    );
    assert.deepEqual(table.rows[0].cells.slice(0, 4), ['spt', 0.1, 0.7, 0.65]);
    assert.equal(table.rows[2].cells[1], 0.001);
  });

  it('sorts by any column, numbers as numbers, empty cells last either way', () => {
    const names = (col: number, dir: 'asc' | 'desc') =>
      sortRunsTable(table.rows, col, dir).map((r) => r.name);
    assert.deepEqual(names(1, 'asc'), ['c', 'b', 'a']);
    assert.deepEqual(names(2, 'desc'), ['b', 'a', 'c']);
    assert.deepEqual(names(2, 'asc'), ['a', 'b', 'c']);
    assert.deepEqual(names(3, 'desc'), ['a', 'c', 'b']);
    assert.deepEqual(names(-1, 'desc'), ['c', 'b', 'a']);
  });

  it('exports the rows in the order shown', () => {
    const csv = runsTableCsv(table, sortRunsTable(table.rows, 2, 'desc')).split('\r\n');
    assert.equal(
      csv[0],
      'run,run_dir,prompt.method,train.lr,best_val_acc,test_acc,best_epoch,images_per_sec,wall_seconds',
    );
    assert.equal(csv[1], 'b,/r/b,vpt,0.01,0.9,,3,40,60');
    assert.equal(csv[3], 'c,/r/c,spt,0.001,,0.5,3,40,60');
  });
});
