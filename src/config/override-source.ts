/**
 * `--set key=value` overrides as the source of a problem: a problem about an overridden key (or a key
 * below it) is reported against the `--set` argument, not against a line of the file that the
 * override replaced. Bad `--set` arguments themselves are OverrideErrors (bad input, exit 2).
 */
import type { LocatedProblem } from './load-config';

/** A `--set` argument that cannot be applied (no `=`, an empty key part, a path through a scalar). */
export class OverrideError extends Error {
  override name = 'OverrideError';
}

/** The dotted key of a `--set` argument (`train.lr=0.01` -> `train.lr`), or null without `=`. */
export function overrideKey(assignment: string): string | null {
  const eq = assignment.indexOf('=');
  return eq < 1 ? null : assignment.slice(0, eq).trim();
}

/** Marks each problem whose key path is an overridden key, or lies below one, with that `--set` argument. */
export function attributeToOverrides(
  problems: LocatedProblem[],
  overrides: readonly string[],
): LocatedProblem[] {
  if (!overrides.length) return problems;
  const keys = overrides.map((o) => ({ o, key: overrideKey(o) }));
  return problems.map((p) => {
    const at = p.path.join('.');
    // The last override of a key wins, as when it is applied.
    const hit = [...keys].reverse().find(({ key }) => key && (at === key || at.startsWith(`${key}.`)));
    return hit ? { ...p, override: hit.o } : p;
  });
}

/** Where a problem is: `file:line:column`, or `--set key=value` for one an override caused. */
export function problemWhere(file: string, p: Pick<LocatedProblem, 'line' | 'column' | 'override'>): string {
  return p.override !== undefined ? `--set ${p.override}` : `${file}:${p.line}:${p.column}`;
}
