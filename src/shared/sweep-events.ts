/**
 * `spt sweep --events`: each run event of a local sweep's runs as one JSON line on stdout, tagged with
 * the run's stable name (`<task>/<setting>/seed=<n>`), so that an editor shows the sweep's runs live.
 * Parsed with the trainer contract's run-event guard. Pure: no Node, no `vscode`.
 */
import type { RunEvent } from './run-events';
import { isRunEvent } from './trainer-contract';

export interface SweepRunEvent {
  sweepRun: string;
  event: RunEvent;
}

/** The JSON line of a sweep run's event. */
export function sweepRunEventLine(sweepRun: string, event: RunEvent): string {
  return `${JSON.stringify({ sweepRun, event } satisfies SweepRunEvent)}\n`;
}

/** A sweep run's event, or null when `line` is not one (the sweep's other output). */
export function parseSweepRunEvent(line: string): SweepRunEvent | null {
  if (!line.startsWith('{"sweepRun"')) return null;
  try {
    const v = JSON.parse(line) as { sweepRun?: unknown; event?: unknown };
    return typeof v.sweepRun === 'string' && isRunEvent(v.event)
      ? { sweepRun: v.sweepRun, event: v.event }
      : null;
  } catch {
    return null;
  }
}
