/**
 * Jobs the trainer process accepts and the events it answers with. The extension forks
 * dist/trainer.js with an IPC channel and sends one job; the CLI passes the job as argv[2] and reads
 * the events as JSON lines on stdout.
 */
import type { RunEvent } from './run-events';

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
    }
  /** Stop the running job at the next step with a resumable checkpoint (sent over IPC). */
  | { kind: 'stop' };

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

export const TRAINER_JOB_KINDS: readonly TrainerJob['kind'][] = ['doctor', 'train', 'stop'];

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
