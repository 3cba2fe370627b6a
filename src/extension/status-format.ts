/**
 * Short texts for the status bar and the CodeLens, and the trainer overrides the settings add.
 * Pure: no `vscode`.
 */
import { RUN_STATUS } from '../run-folder/status';
import type { RunRecord } from './runs/run-discovery';
import type { QueueEntry } from './runs/run-queue';
import { formatDuration, pct } from './runs/run-tree-model';

/** Seconds left, from the steps done so far; null before the second step. */
export function etaSeconds(
  e: Pick<QueueEntry, 'startedAt' | 'step' | 'totalSteps'>,
  now: number,
): number | null {
  if (e.startedAt === undefined || !e.step || !e.totalSteps || e.step < 2 || e.step > e.totalSteps)
    return null;
  const perStep = (now - e.startedAt) / 1000 / e.step;
  return perStep * (e.totalSteps - e.step);
}

/** `exp · epoch 3/10 · loss 0.512 · ETA 2m 10s` (what is known so far). */
export function statusBarText(e: QueueEntry, now: number): string {
  const parts = [e.experiment];
  if (e.state === 'queued') parts.push('queued');
  else if (e.epochs) parts.push(`epoch ${Math.min((e.epoch ?? 0) + 1, e.epochs)}/${e.epochs}`);
  else if (e.step && e.totalSteps) parts.push(`step ${e.step}/${e.totalSteps}`);
  else parts.push('starting');
  if (typeof e.loss === 'number') parts.push(`loss ${e.loss.toFixed(3)}`);
  const eta = etaSeconds(e, now);
  if (eta !== null) parts.push(`ETA ${formatDuration(eta)}`);
  return parts.join(' · ');
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

/** The CodeLens text for an experiment's latest run, or null when it has none. */
export function latestRunLens(
  runs: RunRecord[],
  experiment: string,
): { title: string; runDir: string } | null {
  const mine = runs.filter((r) => r.experiment === experiment);
  if (!mine.length) return null;
  const latest = mine.reduce((a, b) =>
    (b.startedAt?.getTime() ?? 0) > (a.startedAt?.getTime() ?? 0) ? b : a,
  );
  const best = mine.reduce<number | null>(
    (acc, r) => (r.bestValAcc !== null && (acc === null || r.bestValAcc > acc) ? r.bestValAcc : acc),
    null,
  );
  const parts = [`latest run: ${latest.status}`];
  if (latest.epoch !== null && latest.epochs && latest.status !== RUN_STATUS.finished)
    parts.push(`epoch ${latest.epoch}/${latest.epochs}`);
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
