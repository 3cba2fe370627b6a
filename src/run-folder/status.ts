/**
 * The one run status and its lifecycle:
 *
 *   created -> running -> finished | failed | stopped
 *          \______________________/
 *                     `-> interrupted (recorded as created or running, but no live process writes it)
 *
 * `RecordedStatus` is what summary.json and status events say; `RunStatus` adds `interrupted`, which no
 * file records: readers derive it (./run-resume.ts) from a recorded active status and a dead run lock.
 * Everything else that speaks of a run's status (the sweep's state file, the run queue, the Runs tree,
 * the dashboard) derives its type from these. Run folders written by earlier versions recorded `created` as
 * `initialising`: readers take it through recordedStatusOf(), which reads it as `created`. Pure: no imports.
 */

export const RUN_STATUS = {
  /** The folder exists, the trainer is loading data, building the model or resuming. */
  created: 'created',
  running: 'running',
  /** Recorded as created or running, but no live process writes the folder (killed, crashed). */
  interrupted: 'interrupted',
  /** Stopped on request (Stop, SIGINT, a Slurm time limit): resumable from its last checkpoint. */
  stopped: 'stopped',
  failed: 'failed',
  finished: 'finished',
} as const;

export type RunStatus = (typeof RUN_STATUS)[keyof typeof RUN_STATUS];
/** What a run folder's files record (interrupted is derived, never written). */
export type RecordedStatus = Exclude<RunStatus, 'interrupted'>;
/** A run that has ended by itself or on request. */
export type EndedStatus = 'finished' | 'failed' | 'stopped';

const RECORDED: readonly string[] = [
  RUN_STATUS.created,
  RUN_STATUS.running,
  RUN_STATUS.stopped,
  RUN_STATUS.failed,
  RUN_STATUS.finished,
];

/** Whether a value read from a file is a recorded status. */
export function isRecordedStatus(v: unknown): v is RecordedStatus {
  return typeof v === 'string' && RECORDED.includes(v);
}

/** What older run folders recorded for a status, read as today's (`initialising` was `created`). */
const LEGACY_STATUS: Readonly<Record<string, RecordedStatus>> = { initialising: RUN_STATUS.created };

/**
 * A status read from a file (summary.json, a status event) as a recorded status, the legacy
 * `initialising` as `created`; null when it is none.
 */
export function recordedStatusOf(v: unknown): RecordedStatus | null {
  if (isRecordedStatus(v)) return v;
  return typeof v === 'string' ? (LEGACY_STATUS[v] ?? null) : null;
}

/** Created or running: a process should be writing the folder. */
export function isActiveStatus(s: RunStatus | null | undefined): boolean {
  return s === RUN_STATUS.created || s === RUN_STATUS.running;
}

/** Finished, failed or stopped: the run ended (by itself or on request). */
export function isEndedStatus(s: string | null | undefined): s is EndedStatus {
  return s === RUN_STATUS.finished || s === RUN_STATUS.failed || s === RUN_STATUS.stopped;
}

/** Whether a run in this status may be continued (given something to continue from; see run-resume.ts). */
export function mayResume(s: RunStatus): boolean {
  return s === RUN_STATUS.stopped || s === RUN_STATUS.interrupted || s === RUN_STATUS.failed;
}
