import { CheckpointError } from '../engine/checkpoint/checkpoint-error';
import { ConfigError } from '../engine/config/load-config';
import { DataError } from '../engine/data/data-error';

/** 0 ok, 1 the run failed, 2 bad input (config, data, checkpoint, arguments). */
export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const;

export class UsageError extends Error {
  override name = 'UsageError';
}

export function exitCodeFor(err: unknown): number {
  return err instanceof ConfigError ||
    err instanceof DataError ||
    err instanceof CheckpointError ||
    err instanceof UsageError
    ? EXIT.badInput
    : EXIT.failed;
}
