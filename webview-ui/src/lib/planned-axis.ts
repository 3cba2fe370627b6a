/**
 * The live curve's x-axis runs to the planned end of training (the planned steps, or epochs), not to the
 * last point, and its name says how far that is: `step · planned 250 · ETA 2 min`. Pure.
 */
import type { DashboardRun } from '../../../src/shared/webview-contract';

type XKind = 'step' | 'epoch';

const live = (r: DashboardRun) => r.status === 'running' || r.status === 'created' || r.status === 'queued';

/** The largest planned end among the live runs, or null when none is live or none knows its plan. */
export function plannedEnd(runs: readonly DashboardRun[], x: XKind): number | null {
  let end: number | null = null;
  for (const r of runs) {
    if (!live(r)) continue;
    const planned = x === 'step' ? r.totalSteps : r.epochs;
    if (typeof planned === 'number' && planned > 0) end = Math.max(end ?? 0, planned);
  }
  return end;
}

/** The x range with the planned end: [min, max(max, planned)]. */
export function extendToPlan(extent: { min: number; max: number } | null, planned: number | null) {
  if (!extent || planned === null || planned <= extent.max) return extent;
  return { min: extent.min, max: planned };
}

/** `step · planned 250 · ETA 2 min` (the ETA from the one progress wording), or just `step`. */
export function axisName(runs: readonly DashboardRun[], x: XKind): string {
  const planned = plannedEnd(runs, x);
  if (planned === null) return x;
  const eta = runs
    .filter(live)
    .map((r) => /ETA [^·]+/.exec(r.progress ?? '')?.[0].trim())
    .find(Boolean);
  return [x, `planned ${planned}`, eta].filter(Boolean).join(' · ');
}
