/**
 * Selection on val and the results table. Per task, a setting's score is the mean `val_acc` of its
 * search runs (one per seed); settings with a failed run are left out (and named); the best score
 * wins, ties going to the setting written first. Test accuracy is never looked at for selection: the
 * table reports it for the chosen setting only, as mean ± sample std over the final seeds.
 */

import { overrideText, type Setting } from '../../config/sweep/expand';
import { RUN_STATUS } from '../../run-folder/status';
import type { SweepRunState, SweepState, SweepTaskResult } from '../../shared/sweep-state';
import { meanStd } from '../demo/results-table';

export type Selection =
  | { state: 'pending' }
  | { state: 'none'; excluded: string[] }
  | { state: 'chosen'; setting: Setting; val: number; excluded: string[] };

const ended = (r: SweepRunState) =>
  r.status === RUN_STATUS.finished || r.status === RUN_STATUS.failed || r.status === RUN_STATUS.stopped;

/** The chosen setting of a task from its search runs (pending while any of them has not ended). */
export function selectSetting(
  settings: readonly Setting[],
  searchRuns: readonly SweepRunState[],
  mode: 'max' | 'min',
): Selection {
  if (searchRuns.some((r) => !ended(r))) return { state: 'pending' };
  const excluded: string[] = [];
  let best: { setting: Setting; val: number } | undefined;
  for (const s of settings) {
    const runs = searchRuns.filter((r) => r.setting === s.id);
    if (!runs.length) continue;
    const vals = runs.map((r) => (r.status === RUN_STATUS.finished ? r.val_acc : null));
    if (vals.some((v) => v === null || !Number.isFinite(v))) {
      excluded.push(s.id);
      continue;
    }
    const val = meanStd(vals as number[]).mean;
    // Better by more than rounding (means of the same accuracies must tie, not flip on the last bit).
    const eps = 1e-9;
    if (!best || (mode === 'max' ? val > best.val + eps : val < best.val - eps)) best = { setting: s, val };
  }
  return best ? { state: 'chosen', ...best, excluded } : { state: 'none', excluded };
}

/** The table row of a task: its choice and the test accuracy of the runs that report it. */
export function taskResult(
  task: string,
  selection: Selection,
  reportRuns: readonly SweepRunState[],
): SweepTaskResult {
  if (selection.state !== 'chosen')
    return {
      task,
      setting: null,
      overrides: [],
      val_acc: null,
      test_mean: null,
      test_std: null,
      seeds: [],
      excluded: selection.state === 'none' ? selection.excluded : [],
    };
  const done = reportRuns.filter((r) => r.status === RUN_STATUS.finished && r.test_acc !== null);
  const stats = done.length ? meanStd(done.map((r) => r.test_acc as number)) : null;
  return {
    task,
    setting: selection.setting.id,
    overrides: selection.setting.overrides.map(overrideText),
    val_acc: selection.val,
    test_mean: stats?.mean ?? null,
    test_std: stats?.std ?? null,
    seeds: done.map((r) => r.seed),
    excluded: selection.excluded,
  };
}

const pct = (v: number | null) => (v === null ? '-' : (100 * v).toFixed(1));

/** The results table as Markdown (also printed by `spt sweep`). */
export function resultsMarkdown(state: Pick<SweepState, 'tasks' | 'runs'>): string {
  const head = [
    'task',
    'chosen setting (on val)',
    'val acc %',
    'test acc % (mean ± std)',
    'seeds',
    'settings',
  ];
  const rows = state.tasks.map((t) => {
    const tried = new Set(
      state.runs.filter((r) => r.task === t.task && r.phases.includes('search')).map((r) => r.setting),
    );
    return [
      t.task,
      t.setting ?? '(none finished)',
      pct(t.val_acc),
      t.test_mean === null ? '-' : `${pct(t.test_mean)} ± ${pct(t.test_std)}`,
      t.seeds.length ? t.seeds.join(', ') : '-',
      `${tried.size - t.excluded.length} of ${tried.size}${t.excluded.length ? ` (${t.excluded.length} failed)` : ''}`,
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

const csvCell = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const num = (v: number | null) => (v === null ? '' : String(v));

/** The same table as CSV, accuracies as fractions (as in summary.json). */
export function resultsCsv(state: Pick<SweepState, 'tasks'>): string {
  const rows = [
    [
      'task',
      'setting',
      'overrides',
      'val_acc',
      'test_acc_mean',
      'test_acc_std',
      'n_seeds',
      'seeds',
      'excluded',
    ],
  ];
  for (const t of state.tasks)
    rows.push([
      t.task,
      t.setting ?? '',
      t.overrides.join(' '),
      num(t.val_acc),
      num(t.test_mean),
      num(t.test_std),
      String(t.seeds.length),
      t.seeds.join(' '),
      t.excluded.join(' '),
    ]);
  return `${rows.map((r) => r.map(csvCell).join(',')).join('\n')}\n`;
}
