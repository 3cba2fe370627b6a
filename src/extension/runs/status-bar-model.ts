/**
 * What the status bar item shows (./status-bar.ts puts it there): the active run in the one progress
 * wording (./run-progress.ts), `exp · epoch 0/10 · step 1/250 · 41 img/s · ETA 2 min` from the first
 * step on, with the count of other live runs, its tooltip and its click. Pure: no `vscode`.
 */
import type { QueueEntry } from './run-queue';
import { progressText, type RunView } from './run-tree-model';

/** The entry the status bar follows: the running one started last (none when nothing runs). */
export function activeEntry(entries: QueueEntry[]): QueueEntry | undefined {
  const running = entries
    .filter((e) => e.state === 'running')
    .sort((a, b) => (b.startedAt ?? 0) - (a.startedAt ?? 0));
  return running[0];
}

/** `exp · epoch 3/10 · step 75/250 · 41 img/s · ETA 2 min`: the run's name and the one progress wording. */
export function statusBarText(v: RunView): string {
  const progress = v.status === 'queued' ? 'queued' : progressText(v) || 'starting';
  return `${v.experiment} · ${progress}`;
}

export interface StatusBarState {
  /** Without the spinner icon. */
  text: string;
  /** Markdown. */
  tooltip: string;
  command: { command: string; title: string; arguments?: unknown[] };
}

/**
 * The status bar of the live runs, or null (hidden) when none runs. `views` are disk and live state
 * merged (SptContext.views()); `plannedEpochs` reads a run folder's planned epochs (its config.yaml),
 * for the first steps of a run, before its first epoch event and before the runs index has read the
 * new folder: the wording then says `epoch 0/10` as everywhere else, not `step 1/250` alone.
 */
export function statusBarState(
  entries: QueueEntry[],
  views: readonly RunView[],
  plannedEpochs: (runDir: string) => number | null,
): StatusBarState | null {
  const e = activeEntry(entries);
  if (!e) return null;
  const queued = entries.filter((x) => x.state === 'queued').length;
  const running = entries.filter((x) => x.state === 'running').length;
  const more = running > 1 || queued ? ` (+${running - 1 + queued})` : '';
  let view = views.find((v) => v.queueId === e.id);
  const runDir = view?.runDir ?? e.runDir;
  if (view && view.epochs === null && runDir) {
    const epochs = plannedEpochs(runDir);
    if (epochs !== null) view = { ...view, epochs };
  }
  return {
    text: `${view ? statusBarText(view) : `${e.experiment} · starting`}${more}`,
    tooltip: `**SPT run:** ${e.experiment}\n\n${e.runDir ? `\`${e.runDir}\`\n\n` : ''}Click to open its dashboard.`,
    command: e.runDir
      ? { command: 'spt.openDashboard', title: 'Open Dashboard', arguments: [e.runDir] }
      : { command: 'workbench.view.extension.spt', title: 'Show Runs' },
  };
}
