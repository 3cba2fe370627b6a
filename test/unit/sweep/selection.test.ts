/** Selection on val (never test), the table's mean ± sample std, Markdown and CSV; GPU slots. */
import * as assert from 'node:assert/strict';
import { defaultParallel, parseVisibleDevices, slotDevices } from '../../../src/cli/sweep/devices';
import { resultsCsv, resultsMarkdown, selectSetting, taskResult } from '../../../src/cli/sweep/results';
import { settingsOf } from '../../../src/config/sweep/expand';
import type { SweepRunState } from '../../../src/shared/sweep-state';

const settings = settingsOf({ grid: [{ key: 'train.lr', values: [0.1, 0.01, 0.001] }], list: [] });

function run(
  setting: string,
  seed: number,
  val: number | null,
  test: number | null,
  status: SweepRunState['status'] = 'finished',
): SweepRunState {
  return {
    name: `t/${setting}/seed=${seed}`,
    task: 't',
    setting,
    seed,
    phases: ['search'],
    overrides: [],
    config_hash: 'h',
    status,
    val_acc: val,
    test_acc: test,
    run_dir: null,
  };
}

describe('sweep selection and table', () => {
  it('chooses on mean val over seeds, never on test; ties go to the setting written first', () => {
    const runs = [
      run('lr=0.1', 0, 0.5, 0.99),
      run('lr=0.1', 1, 0.7, 0.99),
      run('lr=0.01', 0, 0.6, 0.1),
      run('lr=0.01', 1, 0.7, 0.1),
      run('lr=0.001', 0, 0.65, 0.5),
      run('lr=0.001', 1, 0.65, 0.5),
    ];
    const sel = selectSetting(settings, runs, 'max');
    assert.equal(sel.state, 'chosen');
    if (sel.state !== 'chosen') return;
    assert.equal(
      sel.setting.id,
      'lr=0.01',
      'the best val mean (0.65, tie with lr=0.001) wins, written first',
    );
    assert.ok(Math.abs(sel.val - 0.65) < 1e-12);
    const min = selectSetting(settings, runs, 'min');
    assert.equal(min.state === 'chosen' && min.setting.id, 'lr=0.1');
  });

  it('waits while a search run has not ended, and leaves out settings with a failed run', () => {
    assert.equal(selectSetting(settings, [run('lr=0.1', 0, null, null, 'running')], 'max').state, 'pending');
    const sel = selectSetting(
      settings,
      [
        run('lr=0.1', 0, 0.9, 0.9, 'failed'),
        run('lr=0.01', 0, 0.4, 0.3),
        run('lr=0.001', 0, null, null, 'stopped'),
      ],
      'max',
    );
    assert.ok(sel.state === 'chosen');
    if (sel.state !== 'chosen') return;
    assert.equal(sel.setting.id, 'lr=0.01');
    assert.deepEqual(sel.excluded, ['lr=0.1', 'lr=0.001']);
    const none = selectSetting(settings, [run('lr=0.1', 0, null, null, 'failed')], 'max');
    assert.deepEqual(none, { state: 'none', excluded: ['lr=0.1'] });
  });

  it('reports test as mean ± sample std (n - 1) over the final seeds', () => {
    const sel = selectSetting(settings, [run('lr=0.1', 0, 0.5, 0.5)], 'max');
    const finals = [run('lr=0.1', 0, 0.5, 0.6), run('lr=0.1', 1, 0.5, 0.7), run('lr=0.1', 2, 0.5, 0.8)];
    const row = taskResult('t', sel, finals);
    assert.equal(row.setting, 'lr=0.1');
    assert.deepEqual(row.overrides, ['train.lr=0.1']);
    assert.ok(Math.abs((row.test_mean ?? 0) - 0.7) < 1e-12);
    assert.ok(Math.abs((row.test_std ?? 0) - 0.1) < 1e-12, 'sample std of 0.6, 0.7, 0.8 is 0.1');
    assert.deepEqual(row.seeds, [0, 1, 2]);
    const md = resultsMarkdown({
      tasks: [row],
      runs: [run('lr=0.1', 0, 0.5, 0.5), run('lr=0.01', 0, null, null, 'failed')],
    });
    assert.match(
      md,
      /^\| task +\| chosen setting \(on val\) \| val acc % \| test acc % \(mean ± std\) \| seeds +\| settings +\|$/m,
    );
    assert.match(md, /^\| t +\| lr=0\.1 +\| 50\.0 +\| 70\.0 ± 10\.0 +\| 0, 1, 2 \| 2 of 2 +\|$/m);
    const csv = resultsCsv({ tasks: [row, taskResult('u', { state: 'none', excluded: ['a,b'] }, [])] }).split(
      '\n',
    );
    assert.equal(csv[0], 'task,setting,overrides,val_acc,test_acc_mean,test_acc_std,n_seeds,seeds,excluded');
    assert.match(csv[1], /^t,lr=0\.1,train\.lr=0\.1,0\.5,0\.(7|69999)\d*,0\.1\d*,3,0 1 2,$/);
    assert.equal(csv[2], 'u,,,,,,0,,"a,b"');
  });

  it('puts one trainer process per listed GPU, round robin beyond that', () => {
    assert.equal(parseVisibleDevices(undefined), null);
    assert.deepEqual(parseVisibleDevices('0, 1,2'), ['0', '1', '2']);
    assert.deepEqual(parseVisibleDevices('-1'), []);
    assert.deepEqual(parseVisibleDevices(''), []);
    assert.deepEqual(parseVisibleDevices('GPU-5e1c,GPU-77aa'), ['GPU-5e1c', 'GPU-77aa']);
    assert.deepEqual(slotDevices(2, ['0', '1', '2']), ['0', '1']);
    assert.deepEqual(slotDevices(4, ['2', '3']), ['2', '3', '2', '3']);
    assert.deepEqual(slotDevices(2, ['0']), [undefined, undefined], 'one GPU: every process sees it');
    assert.deepEqual(slotDevices(2, null), [undefined, undefined]);
    assert.equal(defaultParallel(['0', '1', '2']), 3);
    assert.equal(defaultParallel(['0']), 1);
    assert.equal(defaultParallel(null), 1);
  });
});
