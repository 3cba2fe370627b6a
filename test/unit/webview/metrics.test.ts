import * as assert from 'node:assert/strict';
import type { MetricLine } from '../../../src/shared/run-events';
import type { RunMetrics } from '../../../src/shared/webview-contract';
import {
  appendMetricLines,
  emptyMetrics,
  latestValues,
  metricSeries,
  normaliseMetrics,
  stepsPerEpoch,
} from '../../../webview-ui/src/lib/metrics';

const line = (
  split: MetricLine['split'],
  step: number,
  epoch: number,
  loss = step,
  acc = 0.5,
): MetricLine => ({
  t: 1000 + step,
  epoch,
  step,
  split,
  loss,
  acc,
  lr: 0.01,
});

describe('webview metric columns', () => {
  it('appends live lines per split, dropping duplicates of split+step', () => {
    const m = emptyMetrics('/r');
    assert.equal(appendMetricLines(m, [line('train', 1, 0), line('train', 2, 0), line('val', 2, 0)]), 3);
    assert.equal(appendMetricLines(m, [line('train', 2, 0, 99), line('train', 3, 1)]), 1);
    assert.deepEqual(m.train.step, [1, 2, 3]);
    assert.deepEqual(m.train.loss, [1, 2, 3]); // the duplicate did not overwrite
    assert.deepEqual(m.val.step, [2]);
  });

  it('inserts a late line in step order, keeping the columns aligned', () => {
    const m = emptyMetrics('/r');
    appendMetricLines(m, [line('train', 1, 0), line('train', 3, 0)]);
    appendMetricLines(m, [line('train', 2, 0, 42)]);
    assert.deepEqual(m.train.step, [1, 2, 3]);
    assert.deepEqual(m.train.loss, [1, 42, 3]);
    assert.deepEqual(m.train.t, [1001, 1002, 1003]);
  });

  it('merges a metrics response with lines that arrived before it', () => {
    const response: RunMetrics = emptyMetrics('/r');
    appendMetricLines(response, [line('train', 1, 0), line('train', 2, 0)]);
    const data = normaliseMetrics(response);
    appendMetricLines(data, [line('train', 2, 0), line('train', 3, 0), line('val', 3, 0)]);
    assert.deepEqual(data.train.step, [1, 2, 3]);
    assert.deepEqual(response.train.step, [1, 2]); // the message object is untouched
  });

  it('sorts and deduplicates an unordered response', () => {
    const r = emptyMetrics('/r');
    r.train = {
      step: [3, 1, 2, 2],
      epoch: [0, 0, 0, 0],
      loss: [3, 1, 2, 9],
      acc: [0, 0, 0, 0],
      lr: [0, 0, 0, 0],
      t: [0, 0, 0, 0],
      ips: [0, 0, 0, 0],
      rss_mb: [0, 0, 0, 0],
      tensor_mb: [0, 0, 0, 0],
      engine_mb: [0, 0, 0, 0],
    };
    const m = normaliseMetrics(r);
    assert.deepEqual(m.train.step, [1, 2, 3]);
    assert.deepEqual(m.train.loss, [1, 2, 3]);
  });

  it('puts val lines at the end of their epoch on the epoch axis (epochs counted from 1)', () => {
    const m = emptyMetrics('/r');
    for (let s = 1; s <= 10; s++) appendMetricLines(m, [line('train', s, Math.floor((s - 1) / 5) + 1)]);
    appendMetricLines(m, [line('val', 5, 1), line('val', 10, 2)]);
    assert.equal(stepsPerEpoch(m), 5);
    assert.deepEqual(metricSeries(m, 'val', 'loss', 'epoch').x, [1, 2]);
    assert.deepEqual(Array.from(metricSeries(m, 'train', 'loss', 'epoch').x).slice(0, 2), [0.2, 0.4]);
    assert.equal(metricSeries(m, 'train', 'loss', 'step').x, m.train.step); // no copy
  });

  it('infers steps per epoch from train lines alone, and while the first epoch runs', () => {
    const m = emptyMetrics('/r');
    appendMetricLines(m, [line('train', 1, 1), line('train', 2, 1), line('train', 3, 1)]);
    assert.equal(stepsPerEpoch(m), 3);
    appendMetricLines(m, [line('train', 4, 2)]);
    assert.equal(stepsPerEpoch(m), 3);
    assert.equal(stepsPerEpoch(emptyMetrics('/e')), null);
  });

  it('reports the latest values and the best val accuracy', () => {
    const m = emptyMetrics('/r');
    appendMetricLines(m, [
      line('train', 1, 1, 2.0),
      line('val', 1, 1, 1.5, 0.3),
      line('val', 2, 2, 1.4, 0.6),
      line('val', 3, 3, 1.6, 0.5),
    ]);
    const v = latestValues(m);
    assert.equal(v.trainLoss, 2.0);
    assert.equal(v.valAcc, 0.5);
    assert.equal(v.bestValAcc, 0.6);
    assert.equal(v.bestValEpoch, 2);
    assert.equal(v.testAcc, null);
  });
});
