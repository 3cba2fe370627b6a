/** metrics.jsonl lines as columns (src/shared/metric-columns.ts): every field, old lines, order, duplicates. */
import * as assert from 'node:assert/strict';
import { appendMetricLines, COLUMN_FIELDS, emptyMetrics } from '../../../src/shared/metric-columns';
import type { MetricLine } from '../../../src/shared/run-events';

const line = (step: number, extra: Partial<MetricLine> = {}): MetricLine => ({
  t: 100 + step,
  epoch: 1,
  step,
  split: 'train',
  loss: 1,
  acc: 0.5,
  lr: 0.01,
  ...extra,
});

describe('metric columns', () => {
  it('carries throughput and memory into their columns, aligned with the step', () => {
    const m = emptyMetrics('/r');
    appendMetricLines(m, [
      line(1, { ips: 120.5, rss_mb: 410.2, tensor_mb: 3.1 }),
      line(3, { ips: 130, rss_mb: 420, tensor_mb: 3.2, engine_mb: 7.5 }),
    ]);
    appendMetricLines(m, [line(2, { ips: 125, rss_mb: 415, tensor_mb: 3.15 })]); // late: inserted
    assert.deepEqual(m.train.step, [1, 2, 3]);
    assert.deepEqual(m.train.ips, [120.5, 125, 130]);
    assert.deepEqual(m.train.rss_mb, [410.2, 415, 420]);
    assert.deepEqual(m.train.tensor_mb, [3.1, 3.15, 3.2]);
    assert.deepEqual(m.train.engine_mb, [Number.NaN, Number.NaN, 7.5]); // only where the step engine ran
    for (const f of COLUMN_FIELDS) assert.equal(m.train[f].length, 3, f);
  });

  it('fills NaN where a line of an older run lacks them, and keeps a duplicate out', () => {
    const m = emptyMetrics('/r');
    appendMetricLines(m, [line(1), line(2, { ips: 50 }), line(2, { rss_mb: 999 })]);
    assert.deepEqual(m.train.ips, [Number.NaN, 50]);
    assert.deepEqual(m.train.rss_mb, [Number.NaN, Number.NaN]);
    assert.deepEqual(m.train.tensor_mb, [Number.NaN, Number.NaN]);
  });

  it('has a column for every field of the contract', () => {
    assert.deepEqual(Object.keys(emptyMetrics('/r').val).sort(), [...COLUMN_FIELDS].sort());
  });
});
