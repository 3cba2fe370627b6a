/**
 * Short texts for the status bar and the CodeLens, and the trainer overrides the settings add.
 * Pure: no `vscode`.
 */
import { RUN_STATUS } from '../run-folder/status';
import type { RunRecord } from './runs/run-discovery';
import type { QueueEntry } from './runs/run-queue';
import { fromRecord, pct, progressText, type RunView } from './runs/run-tree-model';

/** `exp · epoch 3/10 · step 75/250 · 41 img/s · ETA 2 min`: the run's name and the one progress wording. */
export function statusBarText(v: RunView): string {
  const progress = v.status === 'queued' ? 'queued' : progressText(v) || 'starting';
  return `${v.experiment} · ${progress}`;
}

/** The entry the status bar follows: the running one started last, else the first queued one. */
export function activeEntry(entries: QueueEntry[]): QueueEntry | undefined {
  const running = entries
    .filter((e) => e.state === 'running')
    .sort((a, b) => (b.startedAt ?? 0) - (a.startedAt ?? 0));
  return running[0];
}

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

export const BACKEND_SETTING_VALUES = [
  'fromFile',
  'auto',
  'tensorflow-gpu',
  'tensorflow',
  'webgpu',
  'native',
  'wasm',
  'cpu',
] as const;

export interface TrainerSettings {
  defaultBackend: string;
  /** Analysis every N epochs; null: as the file says. */
  analysisEveryEpochs: number | null;
  /** Threads of the wasm backend (`device.threads`); null: as the file says. */
  wasmThreads?: number | null;
}

/** `--set` overrides from the settings (before the command's own, which win). */
export function settingsOverrides(s: TrainerSettings): string[] {
  const out: string[] = [];
  if (s.defaultBackend && s.defaultBackend !== 'fromFile') out.push(`device.backend=${s.defaultBackend}`);
  if (
    typeof s.analysisEveryEpochs === 'number' &&
    Number.isInteger(s.analysisEveryEpochs) &&
    s.analysisEveryEpochs >= 0
  )
    out.push(`analysis.every_epochs=${s.analysisEveryEpochs}`);
  if (typeof s.wasmThreads === 'number' && Number.isInteger(s.wasmThreads) && s.wasmThreads >= 1)
    out.push(`device.threads=${Math.min(8, s.wasmThreads)}`);
  return out;
}
