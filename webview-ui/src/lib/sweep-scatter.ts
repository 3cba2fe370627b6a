/**
 * Compare mode's sweep plot: final val and test accuracy against a swept parameter (a config key whose
 * value differs between the runs). Numeric parameters on a value axis (log when they span two decades or
 * more, as learning rates do), others as categories. Pure.
 */
import type { DashboardRun } from '../../../src/shared/webview-contract';
import { configDiff } from './compare';

export interface SweptParam {
  key: string;
  numeric: boolean;
  /** Positive numbers spanning at least a factor of 100: a log axis. */
  log: boolean;
}

export interface SweepPoint {
  runDir: string;
  name: string;
  /** The parameter's value (a number for numeric parameters). */
  x: number | string;
  val: number | null;
  test: number | null;
}

const IGNORED = ['output', 'name'];

/** The config keys that differ between the runs: numeric ones first, then by key; seeds last. */
export function sweptParams(runs: readonly DashboardRun[]): SweptParam[] {
  return configDiff(runs, IGNORED)
    .map((d) => {
      const set = d.values.filter((v): v is string => v !== null);
      const nums = set.map(Number);
      const numeric = set.length > 0 && set.every((v, i) => v.trim() !== '' && Number.isFinite(nums[i]));
      const lo = Math.min(...nums);
      const hi = Math.max(...nums);
      return { key: d.key, numeric, log: numeric && lo > 0 && hi / lo >= 100 };
    })
    .sort(
      (a, b) =>
        Number(isSeed(a.key)) - Number(isSeed(b.key)) ||
        Number(b.numeric) - Number(a.numeric) ||
        a.key.localeCompare(b.key),
    );
}

/** A seed is swept to repeat runs, not as a hyper-parameter: it goes last. */
function isSeed(key: string): boolean {
  return key === 'seed' || key.endsWith('.seed');
}

/** One point per run that sets the parameter and has a val or test accuracy. */
export function sweepPoints(
  runs: readonly DashboardRun[],
  param: SweptParam,
  nameOf: (r: DashboardRun) => string,
): SweepPoint[] {
  const out: SweepPoint[] = [];
  for (const r of runs) {
    const raw = r.config?.[param.key];
    if (raw === undefined || (r.bestValAcc === null && r.testAcc === null)) continue;
    out.push({
      runDir: r.runDir,
      name: nameOf(r),
      x: param.numeric ? Number(raw) : raw,
      val: r.bestValAcc,
      test: r.testAcc,
    });
  }
  return out;
}

/** The categories of a non-numeric parameter's axis, in the order the runs first use them. */
export function sweepCategories(points: readonly SweepPoint[]): string[] {
  return [...new Set(points.map((p) => String(p.x)))];
}

export interface ParallelAxis {
  key: string;
  kind: 'param' | 'metric';
  /** Categories for a non-numeric parameter (first-use order), else null. */
  categories: string[] | null;
  log: boolean;
}

export interface ParallelData {
  axes: ParallelAxis[];
  /** One line per run with a val or test accuracy: a value per axis (null where the run has none). */
  lines: { runDir: string; name: string; values: (number | string | null)[] }[];
}

/**
 * Parallel coordinates: an axis per swept parameter (the order of {@link sweptParams}) and one for best
 * val and one for test accuracy; a line per run.
 */
export function parallelData(
  runs: readonly DashboardRun[],
  nameOf: (r: DashboardRun) => string,
): ParallelData {
  const params = sweptParams(runs);
  const withAcc = runs.filter((r) => r.bestValAcc !== null || r.testAcc !== null);
  const axes: ParallelAxis[] = [
    ...params.map((p) => ({
      key: p.key,
      kind: 'param' as const,
      categories: p.numeric
        ? null
        : [...new Set(withAcc.map((r) => r.config?.[p.key]).filter((v): v is string => v !== undefined))],
      log: p.log,
    })),
    { key: 'best val acc', kind: 'metric', categories: null, log: false },
    { key: 'test acc', kind: 'metric', categories: null, log: false },
  ];
  const lines = withAcc.map((r) => ({
    runDir: r.runDir,
    name: nameOf(r),
    values: [
      ...params.map((p) => {
        const v = r.config?.[p.key];
        return v === undefined ? null : p.numeric ? Number(v) : v;
      }),
      r.bestValAcc,
      r.testAcc,
    ],
  }));
  return { axes, lines };
}
