/**
 * Metric columns: the `metrics` response merged with live `metricLines`, and the series the curves
 * view draws from them. Lines are kept in step order per split; a line whose split and step are already
 * there is a duplicate (the file read and the live feed overlap) and is dropped.
 */

import {
  appendMetricLines,
  emptyColumns,
  emptyMetrics,
  COLUMN_FIELDS as FIELDS,
} from '../../../src/shared/metric-columns';
import type { MetricLine } from '../../../src/shared/run-events';
import type { RunMetrics } from '../../../src/shared/webview-contract';

export type Split = 'train' | 'val' | 'test';
export type MetricField = 'loss' | 'acc' | 'lr';
export type XKind = 'step' | 'epoch';

export const SPLITS: readonly Split[] = ['train', 'val', 'test'];

export { appendMetricLines, emptyColumns, emptyMetrics };

/** Copies a response (so later appends never touch the message object), sorting and deduplicating it if needed. */
export function normaliseMetrics(m: RunMetrics): RunMetrics {
  const out = emptyMetrics(m.runDir);
  out.skippedLines = m.skippedLines ?? 0;
  for (const split of SPLITS) {
    const cols = m[split];
    if (!cols || !Array.isArray(cols.step)) continue;
    const n = cols.step.length;
    let ascending = true;
    for (let i = 1; i < n && ascending; i++) ascending = cols.step[i - 1] < cols.step[i];
    if (ascending) {
      for (const f of FIELDS) {
        const src = cols[f];
        out[split][f] =
          Array.isArray(src) && src.length >= n ? src.slice(0, n) : cols.step.map(() => Number.NaN);
      }
      continue;
    }
    const lines: MetricLine[] = cols.step.map((step, i) => ({
      step,
      epoch: cols.epoch?.[i],
      loss: cols.loss?.[i],
      acc: cols.acc?.[i],
      lr: cols.lr?.[i],
      t: cols.t?.[i],
      ips: cols.ips?.[i],
      rss_mb: cols.rss_mb?.[i],
      tensor_mb: cols.tensor_mb?.[i],
      engine_mb: cols.engine_mb?.[i],
      split,
    }));
    appendMetricLines(out, lines);
  }
  return out;
}

/**
 * Optimizer steps per epoch, from the first complete epoch: a val line (written when its epoch ends) or
 * a train line of a later epoch. While the first epoch runs: the steps so far (the axis then reads 0..1).
 * Epochs are counted from 1: the val line of epoch k is written after k epochs' steps.
 */
export function stepsPerEpoch(m: RunMetrics): number | null {
  const val = m.val;
  for (let i = 0; i < val.step.length; i++) {
    if (val.epoch[i] >= 1 && val.step[i] > 0) return val.step[i] / val.epoch[i];
  }
  const train = m.train;
  if (train.step.length === 0) return null;
  const e0 = train.epoch[0];
  for (let i = 1; i < train.step.length; i++) {
    if (train.epoch[i] > e0 && e0 >= 1) return train.step[i - 1] / e0;
  }
  const maxStep = train.step[train.step.length - 1];
  return maxStep > 0 ? maxStep : null;
}

export interface SeriesData {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

/**
 * One split's field against step or epoch progress (step / steps per epoch: the val line of epoch k sits
 * at k, where that epoch ends). Returns the column arrays themselves for `step` (no copy).
 */
export function metricSeries(m: RunMetrics, split: Split, field: MetricField, xKind: XKind): SeriesData {
  const cols = m[split];
  if (xKind === 'step') return { x: cols.step, y: cols[field] };
  const k = stepsPerEpoch(m);
  const x = k ? cols.step.map((s) => s / k) : cols.epoch;
  return { x, y: cols[field] };
}

export interface LatestValues {
  step: number | null;
  epoch: number | null;
  trainLoss: number | null;
  valLoss: number | null;
  valAcc: number | null;
  bestValAcc: number | null;
  bestValEpoch: number | null;
  testAcc: number | null;
  lr: number | null;
}

function lastOf(a: number[]): number | null {
  return a.length ? a[a.length - 1] : null;
}

export function latestValues(m: RunMetrics): LatestValues {
  let best: number | null = null;
  let bestEpoch: number | null = null;
  for (let i = 0; i < m.val.acc.length; i++) {
    const a = m.val.acc[i];
    if (Number.isFinite(a) && (best === null || a > best)) {
      best = a;
      bestEpoch = m.val.epoch[i];
    }
  }
  return {
    step: lastOf(m.train.step),
    epoch: lastOf(m.train.epoch),
    trainLoss: lastOf(m.train.loss),
    valLoss: lastOf(m.val.loss),
    valAcc: lastOf(m.val.acc),
    bestValAcc: best,
    bestValEpoch: bestEpoch,
    testAcc: lastOf(m.test.acc),
    lr: lastOf(m.train.lr),
  };
}

export function metricCount(m: RunMetrics): number {
  return m.train.step.length + m.val.step.length + m.test.step.length;
}
