/**
 * What the CodeLens above an experiment file says (./code-lens.ts shows it): the file's experiment
 * name and its latest run's status, progress in the one wording, and best accuracy. Pure: no `vscode`.
 */
import { RUN_STATUS } from '../../run-folder/status';
import type { RunRecord } from '../runs/run-discovery';
import { fromRecord, pct, progressText, type RunView } from '../runs/run-tree-model';

/** The `name:` of an experiment file's text (top level), or null. */
export function experimentNameOfText(text: string): string | null {
  const m = /^name:[ \t]*(?:"([^"]*)"|'([^']*)'|([^#\n]*?))[ \t]*(?:#.*)?$/m.exec(text);
  const name = (m?.[1] ?? m?.[2] ?? m?.[3] ?? '').trim();
  return name || null;
}

/**
 * The CodeLens text for an experiment's latest run (disk and live state merged, so it moves while the
 * run trains), or null when it has none.
 */
export function latestRunLens(
  runs: readonly RunView[] | readonly RunRecord[],
  experiment: string,
): { title: string; runDir: string | undefined } | null {
  const views = runs.map((r) => ('timestamp' in r ? fromRecord(r) : r));
  const mine = views.filter((r) => r.experiment === experiment);
  if (!mine.length) return null;
  const latest = mine.reduce((a, b) => ((b.startedAt ?? 0) > (a.startedAt ?? 0) ? b : a));
  const best = mine.reduce<number | null>(
    (acc, r) => (r.bestValAcc !== null && (acc === null || r.bestValAcc > acc) ? r.bestValAcc : acc),
    null,
  );
  const parts = [`latest run: ${latest.status}`];
  const progress = progressText(latest);
  if (progress && latest.status !== RUN_STATUS.finished) parts.push(progress);
  if (best !== null) parts.push(`best val ${pct(best)}`);
  parts.push(`${mine.length} run${mine.length === 1 ? '' : 's'}`);
  return { title: parts.join(' · '), runDir: latest.runDir };
}
