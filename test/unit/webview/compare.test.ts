import * as assert from 'node:assert/strict';
import type { DashboardRun } from '../../../src/shared/webview-contract';
import {
  bestIndex,
  configCommon,
  configDiff,
  finalRows,
  methodLabel,
} from '../../../webview-ui/src/lib/compare';
import { fmtDuration, fmtNumber, fmtPercent, fmtShare } from '../../../webview-ui/src/lib/format';

function run(dir: string, config: Record<string, string>, extra: Partial<DashboardRun> = {}): DashboardRun {
  return {
    runDir: dir,
    label: `${dir} 20260101-000000`,
    experiment: dir,
    status: 'finished',
    method: 'spt',
    init: 'mean',
    backend: 'wasm',
    epoch: 10,
    epochs: 10,
    bestEpoch: 5,
    bestValAcc: 0.5,
    testAcc: 0.4,
    trainableParams: 2698,
    totalParams: 216266,
    imagesPerSec: 140,
    wallSeconds: 86,
    seed: 0,
    error: null,
    config,
    configText: null,
    ...extra,
  };
}

describe('webview compare', () => {
  it('lists the config keys that differ, missing keys included, sorted', () => {
    const a = run('a', { 'prompt.method': 'spt', 'prompt.init': 'mean', 'train.lr': '0.05', seed: '0' });
    const b = run('b', { 'prompt.method': 'vpt', 'train.lr': '0.05', seed: '0' });
    const diff = configDiff([a, b]);
    assert.deepEqual(diff, [
      { key: 'prompt.init', values: ['mean', null] },
      { key: 'prompt.method', values: ['spt', 'vpt'] },
    ]);
    assert.equal(configCommon([a, b]), 2);
    assert.deepEqual(configDiff([a, b], ['prompt']), []);
  });

  it('builds final rows and finds the best of a column', () => {
    const rows = finalRows([run('a', {}), run('b', {}, { method: 'vpt', init: 'xavier', testAcc: null })]);
    assert.equal(rows[0].share, '1.25%');
    assert.equal(rows[1].method, 'VPT (xavier)');
    assert.equal(bestIndex([0.2, null, 0.5, 0.5]), 2);
    assert.equal(bestIndex([3, 1, 2], false), 1);
    assert.equal(bestIndex([null, null]), -1);
    assert.equal(methodLabel({ method: 'linear', init: null }), 'Linear probe');
    assert.equal(methodLabel({ method: null, init: null }), 'Unknown method');
  });

  it('formats numbers for tables', () => {
    assert.equal(fmtPercent(0.1234), '12.3%');
    assert.equal(fmtPercent(null), '—');
    assert.equal(fmtNumber(2.34567), '2.346');
    assert.equal(fmtNumber(1e-5), '1.00e-5');
    assert.equal(fmtShare(1, 0), '—');
    assert.equal(fmtDuration(3725), '1 h 2 min');
  });
});
