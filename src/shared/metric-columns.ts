/**
 * metrics.jsonl's lines as the dashboard's columns, one way for both sides: the extension reading the
 * file (src/extension/dashboard/metrics-file.ts) and the webview merging the file with live lines
 * (webview-ui/src/lib/metrics.ts). Lines are kept in step order per split; a line whose split and step
 * are already there is a duplicate and is dropped. Pure: no Node, no DOM.
 */
import type { MetricLine } from './run-events';
import type { MetricColumns, RunMetrics } from './webview-contract';

/** The first index of sorted `x` whose value is >= `value` (x.length when none is). */
export function lowerBound(x: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = x.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function emptyColumns(): MetricColumns {
  return {
    step: [],
    epoch: [],
    loss: [],
    acc: [],
    lr: [],
    t: [],
    ips: [],
    rss_mb: [],
    tensor_mb: [],
    engine_mb: [],
  };
}

export function emptyMetrics(runDir: string): RunMetrics {
  return { runDir, train: emptyColumns(), val: emptyColumns(), test: emptyColumns(), skippedLines: 0 };
}

/**
 * The columns of each split, in order (the measurements `ips`, `rss_mb`, `tensor_mb`, `engine_mb`: NaN where a
 * line lacks them: an older run, or `engine_mb` of a run whose steps ran as TensorFlow.js ops).
 */
export const COLUMN_FIELDS = [
  'step',
  'epoch',
  'loss',
  'acc',
  'lr',
  't',
  'ips',
  'rss_mb',
  'tensor_mb',
  'engine_mb',
] as const;

function finiteOrNaN(v: unknown): number {
  return typeof v === 'number' ? v : Number.NaN;
}

/**
 * Appends lines to the columns in place, keeping each split ordered by step; returns how many were added
 * (duplicates of split+step and lines of an unknown split are not).
 */
export function appendMetricLines(metrics: RunMetrics, lines: readonly MetricLine[]): number {
  let added = 0;
  for (const line of lines) {
    if (line.split !== 'train' && line.split !== 'val' && line.split !== 'test') continue;
    if (typeof line.step !== 'number' || !Number.isFinite(line.step)) continue;
    const cols = metrics[line.split];
    const n = cols.step.length;
    let at = n;
    if (n > 0 && cols.step[n - 1] >= line.step) {
      at = lowerBound(cols.step, line.step);
      if (at < n && cols.step[at] === line.step) continue; // a duplicate
    }
    const row = {
      step: line.step,
      epoch: finiteOrNaN(line.epoch),
      loss: finiteOrNaN(line.loss),
      acc: finiteOrNaN(line.acc),
      lr: finiteOrNaN(line.lr),
      t: finiteOrNaN(line.t),
      ips: finiteOrNaN(line.ips),
      rss_mb: finiteOrNaN(line.rss_mb),
      tensor_mb: finiteOrNaN(line.tensor_mb),
      engine_mb: finiteOrNaN(line.engine_mb),
    };
    for (const f of COLUMN_FIELDS) {
      if (at === n) cols[f].push(row[f]);
      else cols[f].splice(at, 0, row[f]);
    }
    added++;
  }
  return added;
}
