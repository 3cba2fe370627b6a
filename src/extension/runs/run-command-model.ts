/**
 * What the run commands decide, apart from asking and showing: which run folder or queue entry an
 * argument names, how a run is named in a pick list, and the run notification's texts. Pure: no `vscode`.
 */
import * as path from 'node:path';
import { RUN_STATUS } from '../../run-folder/status';
import type { RunRecord } from './run-discovery';
import type { QueueEntry } from './run-queue';
import type { RunTreeNode, RunView } from './run-tree-model';

const isNode = (v: unknown): v is RunTreeNode =>
  !!v && typeof v === 'object' && typeof (v as RunTreeNode).contextValue === 'string';

/** A vscode.Uri (structurally: what the explorer and editor menus pass). */
export const isFileUri = (v: unknown): v is { fsPath: string; scheme: string } =>
  !!v &&
  typeof v === 'object' &&
  typeof (v as { fsPath?: unknown }).fsPath === 'string' &&
  typeof (v as { scheme?: unknown }).scheme === 'string';

/** The run folder a command argument names (a tree node, a path, a Uri). */
export function runDirOfArg(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (isFileUri(arg)) return arg.fsPath;
  if (isNode(arg)) return arg.runDir;
  return undefined;
}

/** The queue entry a command argument names: a live tree node's, else the entry of its run folder. */
export function queueIdOfArg(
  queue: { byRunDir(runDir: string): { id: string } | undefined },
  arg: unknown,
): string | undefined {
  if (isNode(arg) && arg.queueId) return arg.queueId;
  const dir = runDirOfArg(arg);
  return dir ? queue.byRunDir(dir)?.id : undefined;
}

/** `exp · 20240101-000001` (`exp · queued` before it has a folder): a run in a pick list. */
export function describeView(v: RunView): string {
  const when = v.runDir ? path.basename(v.runDir) : 'queued';
  return `${v.experiment} · ${when}`;
}

/** `exp/20240101-000001`: the run in the Delete question. */
export const runName = (runDir: string): string =>
  `${path.basename(path.dirname(runDir))}/${path.basename(runDir)}`;

/** The run folders of the Runs view's selection (its run nodes). */
export function selectedRunDirs(selected: unknown): string[] {
  if (!Array.isArray(selected)) return [];
  return (selected as RunTreeNode[])
    .filter((n) => n.kind === 'run')
    .map((n) => runDirOfArg(n))
    .filter((d): d is string => !!d);
}

/**
 * The message when the run ended (null: none, failures are reported by the extension), given its
 * progress in the one wording.
 */
export function runEndedMessage(e: QueueEntry, progress: string): string | null {
  if (e.state === 'finished') {
    const acc = e.testAcc ?? e.bestValAcc;
    const score =
      acc !== undefined ? `${e.testAcc !== undefined ? 'test' : 'val'} ${(100 * acc).toFixed(1)}%` : '';
    return `SPT: ${e.experiment} finished: ${[progress, score].filter(Boolean).join(' · ')}.`;
  }
  if (e.state === 'stopped')
    return `SPT: ${e.experiment} stopped at ${progress || 'its start'}; resume it from the Runs view.`;
  return null;
}

/** Whether training is under way (a step taken): the run notification then closes soon. */
export const trainingUnderWay = (e: QueueEntry): boolean => e.state === 'running' && (e.step ?? 0) >= 1;

/** The run notification's message while the run is queued, starting or training. */
export function runNotificationMessage(e: QueueEntry, progress: string): string {
  if (trainingUnderWay(e)) return `${progress} · follow it in the status bar`;
  return e.state === 'queued' ? 'queued' : 'starting';
}

/** The error message when a run of this window failed. */
export const runFailedMessage = (e: QueueEntry): string =>
  `SPT: run ${e.experiment} failed: ${e.message ?? 'unknown error'}`;

/**
 * The notice after activation about runs that were running when the last window closed (or crashed)
 * and can be resumed, or null when there are none. `runDir`: the one run, when there is one.
 */
export function interruptedNotice(
  records: readonly RunRecord[],
): { message: string; runDir?: string } | null {
  const interrupted = records.filter((r) => r.status === RUN_STATUS.interrupted && r.resumable);
  if (!interrupted.length) return null;
  const one = interrupted.length === 1;
  const what = one
    ? `The run ${interrupted[0].experiment}/${interrupted[0].timestamp} was`
    : `${interrupted.length} runs were`;
  return {
    message: `SPT: ${what} interrupted (VS Code closed or the trainer died) and can be resumed.`,
    ...(one ? { runDir: interrupted[0].runDir } : {}),
  };
}
