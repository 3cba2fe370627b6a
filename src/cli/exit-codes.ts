import { ConfigError } from '../config/load-config';
import { OverrideError } from '../config/override-source';
import { DataError } from '../engine/data/data-error';
import { OutputPathError } from '../engine/predict/output-guard';
import { CheckpointError } from '../run-folder/tensors/checkpoint-error';

/** 0 ok, 1 the run failed, 2 bad input (config, data, checkpoint, arguments). */
export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const;

export class UsageError extends Error {
  override name = 'UsageError';
}

export function exitCodeFor(err: unknown): number {
  return err instanceof ConfigError ||
    err instanceof DataError ||
    err instanceof CheckpointError ||
    err instanceof UsageError ||
    err instanceof OverrideError ||
    err instanceof OutputPathError
    ? EXIT.badInput
    : EXIT.failed;
}

/** Errors in the command line itself (flags, values, --set syntax, --out): answered with the usage line. */
export function isArgumentError(err: unknown): boolean {
  return err instanceof UsageError || err instanceof OverrideError || err instanceof OutputPathError;
}
