/**
 * The system panel's data (W&B's "system" charts): throughput (images/s per train step, per val and test
 * evaluation) and the trainer's memory (process resident set, TensorFlow.js tensor bytes) against step or
 * wall-clock time, from the metric columns. Rows that lack a value (runs recorded before metric lines
 * carried it) are left out, never drawn as zero. Pure: no DOM.
 */
import type { MetricColumns, RunMetrics } from '../../../src/shared/webview-contract';
import { downsampleMinMax, type Point } from './downsample';
import { SPLITS, type Split } from './metrics';

export type SystemX = 'step' | 'time';
export type MemoryField = 'rss_mb' | 'tensor_mb' | 'engine_mb';

/** Process resident set, TensorFlow.js tensors, the fused step engine's buffers (webgpu, native only). */
export const MEMORY_FIELDS: readonly MemoryField[] = ['rss_mb', 'tensor_mb', 'engine_mb'];

/** Points of one series: x and y of equal length, x ascending (never decreasing). */
export interface SystemSeries {
  x: number[];
  y: number[];
}

/** The wall-clock time of a run's first metric line (seconds since the Unix epoch), or null. */
export function runStart(m: RunMetrics): number | null {
  let t0 = Number.POSITIVE_INFINITY;
  for (const split of SPLITS) for (const t of m[split].t) if (Number.isFinite(t) && t < t0) t0 = t;
  return Number.isFinite(t0) ? t0 : null;
}

/** Rows of `cols` with a finite `field` (and, for time, a finite `t`), against step or minutes since `t0`. */
function rows(
  cols: MetricColumns,
  field: 'ips' | MemoryField,
  x: SystemX,
  t0: number | null,
): { x: number; y: number; t: number }[] {
  const out: { x: number; y: number; t: number }[] = [];
  const ys = cols[field];
  for (let i = 0; i < cols.step.length; i++) {
    const y = ys?.[i];
    if (typeof y !== 'number' || !Number.isFinite(y)) continue;
    const t = cols.t[i];
    if (x === 'time' && (t0 === null || !Number.isFinite(t))) continue;
    out.push({ x: x === 'step' ? cols.step[i] : (t - (t0 as number)) / 60, y, t });
  }
  return out;
}

const toSeries = (r: { x: number; y: number }[]): SystemSeries => ({
  x: r.map((p) => p.x),
  y: r.map((p) => p.y),
});

/** Images per second of one split's lines (train: per step; val, test: per evaluation). */
export function throughputSeries(m: RunMetrics, split: Split, x: SystemX): SystemSeries {
  const r = rows(m[split], 'ips', x, runStart(m));
  // Train steps are in step order, which is also time order; evaluations likewise.
  return toSeries(r);
}

/**
 * One memory field over every line of the run (train, val and test lines each sampled the process when
 * written), in the order they were written: by time, then step.
 */
export function memorySeries(m: RunMetrics, field: MemoryField, x: SystemX): SystemSeries {
  const t0 = runStart(m);
  const all = SPLITS.flatMap((split) => rows(m[split], field, x, t0));
  all.sort((a, b) => a.x - b.x || a.t - b.t);
  return toSeries(all);
}

/** What a run recorded for the system panel. */
export interface SystemPresence {
  throughput: boolean;
  memory: boolean;
}

export function systemPresence(m: RunMetrics): SystemPresence {
  const any = (f: 'ips' | MemoryField) => SPLITS.some((s) => (m[s][f] ?? []).some(Number.isFinite));
  return { throughput: any('ips'), memory: MEMORY_FIELDS.some(any) };
}

/** At most about `buckets` * 4 points (min and max per bucket, first and last kept); small series unchanged. */
export function downsampleSeries(s: SystemSeries, buckets: number): Point[] {
  if (s.x.length <= buckets * 2) return s.x.map((x, i) => [x, s.y[i]] as Point);
  return downsampleMinMax(s.x, s.y, null, buckets);
}

/** Mebibytes for an axis or a tooltip: "850 MiB", "1.25 GiB". */
export function fmtMiB(v: number, precise = false): string {
  if (!Number.isFinite(v)) return '—';
  if (Math.abs(v) >= 1024) return `${(v / 1024).toFixed(precise ? 3 : 2).replace(/\.?0+$/, '')} GiB`;
  if (Math.abs(v) >= 100 || !precise) return `${Math.round(v).toLocaleString('en-US')} MiB`;
  return `${v.toFixed(1)} MiB`;
}

/**
 * Images per second: "1,234 img/s", "12.5 img/s", "0.42 img/s"; for an axis tick (`tick`) no more digits
 * than the value has ("90 img/s", "2.5 img/s").
 */
export function fmtRate(v: number, tick = false): string {
  if (!Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  if (tick) return `${Number(v.toPrecision(6)).toLocaleString('en-US', { maximumFractionDigits: 2 })} img/s`;
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : 2;
  return `${v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })} img/s`;
}

/** Minutes since the first line as a clock: "0:45", "12:05", "1:02:30". */
export function fmtElapsed(minutes: number): string {
  if (!Number.isFinite(minutes)) return '—';
  const total = Math.round(minutes * 60);
  const sign = total < 0 ? '-' : '';
  const s = Math.abs(total);
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh > 0 ? `${sign}${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${sign}${mm}:${ss}`;
}
