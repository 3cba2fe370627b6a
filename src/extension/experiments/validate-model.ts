/**
 * What Validate Experiment says about `spt validate`'s output (./experiment-commands.ts shows it): the
 * verdict in one line, the count of warnings or the first problems. Pure: no `vscode`.
 */
import * as path from 'node:path';

export type ValidateVerdict =
  | { ok: true; message: string }
  | { ok: false; message: string; problems: string[] };

/** The verdict on `file` from the CLI's exit code and output. */
export function validateVerdict(
  file: string,
  result: { code: number; stdout: string; stderr: string },
): ValidateVerdict {
  const name = path.basename(file);
  if (result.code === 0) {
    const warnings = result.stderr.split('\n').filter((l) => /warning:/.test(l)).length;
    const ok = result.stdout.trim().replace(`${file}: `, '');
    return {
      ok: true,
      message: `SPT: ${name} is valid: ${ok}${warnings ? ` (${warnings} warning${warnings > 1 ? 's' : ''})` : ''}`,
    };
  }
  const text = `${result.stdout}\n${result.stderr}`.trim();
  const problems = text
    .split('\n')
    .filter((l) => /error:/.test(l))
    .map((l) => l.replace(/^.*?:\d+:\d+: error: /, ''));
  return {
    ok: false,
    problems,
    message: `SPT: ${name} has ${problems.length || 'some'} problem${problems.length === 1 ? '' : 's'}${problems.length ? `: ${problems.slice(0, 3).join('; ')}` : ''}`,
  };
}
