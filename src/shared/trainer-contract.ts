/**
 * Jobs the trainer process accepts and the events it answers with. The extension forks
 * dist/trainer.js with an IPC channel and sends one job; the CLI passes the job as argv[2] and reads
 * the events as JSON lines on stdout.
 */

export type TrainerJob = { kind: 'doctor' };

export type TrainerEvent = { type: 'result'; data: unknown } | { type: 'error'; message: string };

export const TRAINER_JOB_KINDS: readonly TrainerJob['kind'][] = ['doctor'];

/** Parses and checks a job (a JSON string or an already-decoded IPC message). */
export function parseTrainerJob(raw: unknown): TrainerJob {
  const value = typeof raw === 'string' ? JSON.parse(raw) : raw;
  const kind = (value as { kind?: unknown } | null)?.kind;
  if (typeof kind !== 'string' || !(TRAINER_JOB_KINDS as readonly string[]).includes(kind)) {
    throw new Error(
      `unknown trainer job kind ${JSON.stringify(kind)} (expected ${TRAINER_JOB_KINDS.join(', ')})`,
    );
  }
  return value as TrainerJob;
}
