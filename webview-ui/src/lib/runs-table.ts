/**
 * Compare mode's runs table: one row per run, a column per hyper-parameter that differs between the runs
 * (config keys, as the config diff) and per final metric; sortable by any column (numbers as numbers,
 * empty cells last) and exported as CSV in the order shown. Pure.
 */
import type { DashboardRun } from '../../../src/shared/webview-contract';
import { configDiff } from './compare';
import { type CsvValue, toCsv } from './csv';

export interface RunsTableColumn {
  key: string;
  label: string;
  kind: 'param' | 'metric';
}

export interface RunsTableRow {
  runDir: string;
  name: string;
  cells: (string | number | null)[];
}

export interface RunsTable {
  columns: RunsTableColumn[];
  rows: RunsTableRow[];
}

const METRICS: { key: string; label: string; of: (r: DashboardRun) => number | null }[] = [
  { key: 'best_val_acc', label: 'best val acc', of: (r) => r.bestValAcc },
  { key: 'test_acc', label: 'test acc', of: (r) => r.testAcc },
  { key: 'best_epoch', label: 'best epoch', of: (r) => r.bestEpoch },
  { key: 'images_per_sec', label: 'img/s', of: (r) => r.imagesPerSec },
  { key: 'wall_seconds', label: 'wall s', of: (r) => r.wallSeconds },
];

/** A config value as a number when it is one (`0.01`, `1e-3`), else the string. */
function cell(v: string | null): string | number | null {
  if (v === null) return null;
  const n = Number(v);
  return v.trim() !== '' && Number.isFinite(n) ? n : v;
}

export function runsTable(runs: readonly DashboardRun[], nameOf: (r: DashboardRun) => string): RunsTable {
  const diff = configDiff(runs, ['output', 'name']);
  const columns: RunsTableColumn[] = [
    ...diff.map((d) => ({ key: d.key, label: d.key, kind: 'param' as const })),
    ...METRICS.map((m) => ({ key: m.key, label: m.label, kind: 'metric' as const })),
  ];
  const rows = runs.map((r, i) => ({
    runDir: r.runDir,
    name: nameOf(r),
    cells: [...diff.map((d) => cell(d.values[i])), ...METRICS.map((m) => m.of(r))],
  }));
  return { columns, rows };
}

/** Rows ordered by column `col` (-1: the run name); empty cells last in both directions. */
export function sortRunsTable(
  rows: readonly RunsTableRow[],
  col: number,
  dir: 'asc' | 'desc',
): RunsTableRow[] {
  const value = (r: RunsTableRow) => (col < 0 ? r.name : r.cells[col]);
  const sign = dir === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = value(a);
    const y = value(b);
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
    if (typeof x === 'number' && typeof y === 'number') return sign * (x - y);
    return sign * String(x).localeCompare(String(y), undefined, { numeric: true });
  });
}

/** The table as CSV, in the order given: `run, run_dir, <param keys>, <metric keys>`. */
export function runsTableCsv(table: RunsTable, rows: readonly RunsTableRow[]): string {
  return toCsv(
    ['run', 'run_dir', ...table.columns.map((c) => c.key)],
    rows.map((r) => [r.name, r.runDir, ...r.cells] as CsvValue[]),
  );
}
