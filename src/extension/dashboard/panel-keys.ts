/** Which panel shows which runs: keys for reopening, and the runs a restored panel's state names. Pure. */
import * as path from 'node:path';
import type { DashboardMode } from '../../shared/webview-contract';

/** The folders resolved, without repeats, in their order. */
export function distinctRunDirs(runDirs: readonly string[]): string[] {
  return [...new Set(runDirs.map((d) => path.resolve(d)))];
}

/** `run:<dir>` or `compare:<dir>\n<dir>...` (resolved, sorted, distinct). */
export function panelKey(mode: DashboardMode, runDirs: readonly string[]): string {
  const dirs = distinctRunDirs(runDirs).sort();
  return `${mode}:${dirs.join('\n')}`;
}

/** The mode and runs a restored panel's webview state names, or null when it names none. */
export function restoredRuns(state: unknown): { mode: DashboardMode; runDirs: string[] } | null {
  if (!state || typeof state !== 'object') return null;
  const s = state as { mode?: unknown; runDirs?: unknown };
  if (s.mode !== 'run' && s.mode !== 'compare') return null;
  if (!Array.isArray(s.runDirs)) return null;
  const runDirs = s.runDirs.filter((d): d is string => typeof d === 'string' && path.isAbsolute(d));
  if (!runDirs.length || (s.mode === 'run' && runDirs.length !== 1)) return null;
  return { mode: s.mode, runDirs };
}
