import type { LogFn } from '../engine/backend/select-backend';

/** Log lines go to stderr so that stdout stays machine-readable (--json, JSONL). */
export function cliLogger(verbose: boolean): LogFn {
  return (level, message) => {
    if (level === 'debug' && !verbose) return;
    process.stderr.write(`${level === 'warn' ? 'warning: ' : ''}${message}\n`);
  };
}
