/** Compare mode: the config keys that differ between runs, and one row of final numbers per run. */
import type { DashboardRun } from '../../../src/shared/webview-contract';
import { fmtShare } from './format';

export interface ConfigDiffRow {
  key: string;
  /** One per run, null where the run's config lacks the key. */
  values: (string | null)[];
}

/**
 * Keys whose value is not the same in every run (a key missing from some runs differs), sorted by key.
 * Keys listed in `ignore` (prefix match on dotted paths) are left out.
 */
export function configDiff(runs: readonly DashboardRun[], ignore: readonly string[] = []): ConfigDiffRow[] {
  const keys = new Set<string>();
  for (const r of runs) for (const k of Object.keys(r.config ?? {})) keys.add(k);
  const ignored = (k: string) => ignore.some((p) => k === p || k.startsWith(`${p}.`));
  const rows: ConfigDiffRow[] = [];
  for (const key of [...keys].sort()) {
    if (ignored(key)) continue;
    const values = runs.map((r) => (r.config && Object.hasOwn(r.config, key) ? r.config[key] : null));
    if (values.some((v) => v !== values[0])) rows.push({ key, values });
  }
  return rows;
}

/** The keys all runs share with one value (what the compare view lists as "same in all runs"). */
export function configCommon(runs: readonly DashboardRun[]): number {
  if (runs.length === 0) return 0;
  const first = runs[0].config ?? {};
  return Object.keys(first).filter((k) => runs.every((r) => r.config && r.config[k] === first[k])).length;
}

export interface FinalRow {
  runDir: string;
  label: string;
  status: string;
  method: string;
  bestValAcc: number | null;
  bestEpoch: number | null;
  testAcc: number | null;
  share: string;
  imagesPerSec: number | null;
  wallSeconds: number | null;
}

/** Methods named in words; the others by their name and initialiser. */
const METHOD_NAMES: Record<string, string> = { linear: 'Linear probe', full: 'Full fine-tuning' };

export function methodLabel(run: Pick<DashboardRun, 'method' | 'init'>): string {
  const named = run.method ? METHOD_NAMES[run.method] : undefined;
  if (named) return named;
  const m = run.method ? run.method.toUpperCase() : 'Unknown method';
  return run.init ? `${m} (${run.init})` : m;
}

export function finalRows(runs: readonly DashboardRun[]): FinalRow[] {
  return runs.map((r) => ({
    runDir: r.runDir,
    label: r.label,
    status: r.status,
    method: methodLabel(r),
    bestValAcc: r.bestValAcc,
    bestEpoch: r.bestEpoch,
    testAcc: r.testAcc,
    share: fmtShare(r.trainableParams, r.totalParams),
    imagesPerSec: r.imagesPerSec,
    wallSeconds: r.wallSeconds,
  }));
}

/** Index of the best value (ties: the first), or -1; for highlighting the winner in a column. */
export function bestIndex(values: readonly (number | null)[], higherIsBetter = true): number {
  let best = -1;
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) return;
    if (best < 0 || (higherIsBetter ? v > values[best]! : v < values[best]!)) best = i;
  });
  return best;
}
