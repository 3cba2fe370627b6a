/**
 * The one contract between a trainer process (src/trainer/trainer-main.ts) and its client
 * (src/trainer/client.ts): the job it runs, the control messages it takes while it runs, and the
 * events it answers with. Two transports carry it: IPC (the extension forks dist/trainer.js and sends
 * the job as the first message) and JSON lines (`spt demo` / `spt sweep` pass the job as argv[2], read
 * events from stdout and write control messages to stdin). Both sides parse what they receive with
 * the guards below; nothing is cast.
 */
import { isRecordedStatus } from '../run-folder/status';
import type { MetricLine, RunEvent, RunSummaryFile } from './run-events';

export type TrainerJob =
  | { kind: 'doctor' }
  | {
      kind: 'train';
      /** The experiment file (ignored when resuming: the run's saved config is used). */
      file?: string;
      /** `key=value` overrides, as `spt train --set`. */
      overrides?: string[];
      /** A run folder to continue from its last checkpoint. */
      resume?: string;
    };

/** Sent while a job runs: stop at the next step with a resumable checkpoint. */
export type TrainerControl = { control: 'stop' };

/** What a `train` job's `result` event carries. */
export interface TrainResultData {
  runDir: string;
  summary: RunSummaryFile;
  /** `spt train --resume` of a run that had finished: nothing was trained. */
  alreadyFinished?: boolean;
}

export type TrainerEvent =
  | { type: 'run'; event: RunEvent }
  | { type: 'log'; level: 'info' | 'warn' | 'debug'; message: string }
  | { type: 'result'; data: unknown }
  | { type: 'error'; message: string }
  /**
   * "Still alive", every `SPT_HEARTBEAT_MS` (default 5 s) over IPC while the event loop runs. The
   * extension kills a trainer that sends nothing (no event, no heartbeat) for its heartbeat timeout.
   */
  | { type: 'heartbeat'; t: number };

/** The trainer's heartbeat interval when SPT_HEARTBEAT_MS is not set. */
export const DEFAULT_HEARTBEAT_MS = 5000;

export const TRAINER_JOB_KINDS: readonly TrainerJob['kind'][] = ['doctor', 'train'];

/** Parses and checks a job (a JSON string or an already-decoded IPC message). */
export function parseTrainerJob(raw: unknown): TrainerJob {
  const value = typeof raw === 'string' ? JSON.parse(raw) : raw;
  const kind = (value as { kind?: unknown } | null)?.kind;
  if (typeof kind !== 'string' || !(TRAINER_JOB_KINDS as readonly string[]).includes(kind)) {
    throw new Error(
      `unknown trainer job kind ${JSON.stringify(kind)} (expected ${TRAINER_JOB_KINDS.join(', ')})`,
    );
  }
  if (kind === 'train') {
    const v = value as { file?: unknown; resume?: unknown; overrides?: unknown };
    if (typeof v.file !== 'string' && typeof v.resume !== 'string')
      throw new Error('a train job needs `file` or `resume`');
    if (
      v.overrides !== undefined &&
      !(Array.isArray(v.overrides) && v.overrides.every((o) => typeof o === 'string'))
    ) {
      throw new Error('`overrides` must be a list of key=value strings');
    }
  }
  return value as TrainerJob;
}

/** A control message (over IPC, or one JSON line on stdin), or null when `raw` is not one. */
export function parseTrainerControl(raw: unknown): TrainerControl | null {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      return null;
    }
  }
  return (value as { control?: unknown } | null)?.control === 'stop' ? { control: 'stop' } : null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isNum = (v: unknown): v is number => typeof v === 'number';
const isStr = (v: unknown): v is string => typeof v === 'string';

const RUN_EVENT_FIELDS: { [K in RunEvent['type']]: (e: Record<string, unknown>) => boolean } = {
  status: (e) => isRecordedStatus(e.status) && isStr(e.runDir),
  step: (e) => isMetricLine(e.line) && e.line.split === 'train' && isNum(e.totalSteps),
  epoch: (e) => isNum(e.epoch) && isNum(e.epochs) && isObject(e.train) && isObject(e.val) && isObject(e.best),
  checkpoint: (e) => (e.kind === 'last' || e.kind === 'best') && isStr(e.path) && isNum(e.epoch),
  analysis: (e) => isNum(e.epoch) && isStr(e.path),
  warning: (e) => isStr(e.message),
  error: (e) => isStr(e.message),
  summary: (e) => isSummary(e.summary),
};

const SPLITS: readonly unknown[] = ['train', 'val', 'test'];

/** A metrics.jsonl line's shape, as far as readers rely on it (a step event carries one). */
export function isMetricLine(v: unknown): v is MetricLine {
  return (
    isObject(v) &&
    isNum(v.t) &&
    isNum(v.epoch) &&
    isNum(v.step) &&
    SPLITS.includes(v.split) &&
    isNum(v.loss) &&
    isNum(v.acc) &&
    isNum(v.lr)
  );
}

/** summary.json's shape, as far as readers rely on it. */
export function isSummary(v: unknown): v is RunSummaryFile {
  return isObject(v) && isRecordedStatus(v.status) && isStr(v.name);
}

/** A run event with the fields its type promises. */
export function isRunEvent(v: unknown): v is RunEvent {
  if (!isObject(v) || !isStr(v.type) || !isNum(v.t)) return false;
  const check = (RUN_EVENT_FIELDS as Record<string, ((e: Record<string, unknown>) => boolean) | undefined>)[
    v.type
  ];
  return !!check && check(v);
}

/** A `train` job's result data (the run folder and its summary), or null when `data` is not one. */
export function parseTrainResult(data: unknown): TrainResultData | null {
  if (!isObject(data) || !isStr(data.runDir) || !isSummary(data.summary)) return null;
  return data as unknown as TrainResultData;
}

const LOG_LEVELS: readonly string[] = ['info', 'warn', 'debug'];

/**
 * A trainer event (an IPC message, or one JSON line of stdout), or null when `raw` is not one: a line a
 * library printed, or a message whose fields do not match its type.
 */
export function parseTrainerEvent(raw: unknown): TrainerEvent | null {
  let v = raw;
  if (typeof raw === 'string') {
    try {
      v = JSON.parse(raw);
    } catch {
      return null;
    }
  }
  if (!isObject(v)) return null;
  switch (v.type) {
    case 'run':
      return isRunEvent(v.event) ? { type: 'run', event: v.event } : null;
    case 'log':
      return LOG_LEVELS.includes(v.level as string) && isStr(v.message)
        ? { type: 'log', level: v.level as 'info' | 'warn' | 'debug', message: v.message }
        : null;
    case 'result':
      return 'data' in v ? { type: 'result', data: v.data } : null;
    case 'error':
      return isStr(v.message) ? { type: 'error', message: v.message } : null;
    case 'heartbeat':
      return isNum(v.t) ? { type: 'heartbeat', t: v.t } : null;
    default:
      return null;
  }
}
