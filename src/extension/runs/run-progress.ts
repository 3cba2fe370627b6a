/**
 * One progress truth for a run: the numbers the trainer's events give (epochs completed, the global step,
 * images per second) and the one wording every place shows them in, the Run CodeLens, the Runs tree,
 * the status bar, the run notification and the dashboard:
 *
 *   epoch 3/10 · step 75/250 · 41 img/s · ETA 2 min
 *
 * `epoch` is epochs completed (as in every file and event: epoch k is done after the k-th pass), so a
 * run in its first epoch reads `epoch 0/10`. The ETA comes from the steps this trainer process has
 * taken (a resumed run does not count the steps of its earlier process) and counts down between steps.
 * Pure: no `vscode`.
 */

/** The step clock of one trainer process, fed by its `step` events. */
export interface StepClock {
  /** The first step this process reported, and when (ms). */
  firstStep: number;
  firstAt: number;
  /** The last step reported, and when (ms). */
  step: number;
  at: number;
  /**
   * Images per second, smoothed: an exponential moving average of the seconds per image of each step
   * (per-step figures of small batches jump by 10x from one step to the next).
   */
  ips: number | null;
}

/** The weight of the newest step in the smoothed throughput. */
const SMOOTHING = 0.1;

/** The clock after a `step` event. */
export function tickClock(
  clock: StepClock | undefined,
  step: number,
  ips: number | undefined,
  now: number,
): StepClock {
  const rate = typeof ips === 'number' && Number.isFinite(ips) && ips > 0 ? ips : null;
  if (!clock || step < clock.step) return { firstStep: step, firstAt: now, step, at: now, ips: rate };
  const smoothed =
    rate === null || clock.ips === null
      ? (rate ?? clock.ips)
      : 1 / ((1 - SMOOTHING) / clock.ips + SMOOTHING / rate);
  return { ...clock, step, at: now, ips: smoothed };
}

/** Seconds left: the mean time per step of this process times the steps left, less the time since the last one. */
export function etaSeconds(
  clock: StepClock | undefined,
  totalSteps: number | null,
  now: number,
): number | null {
  if (!clock || !totalSteps || clock.step > totalSteps) return null;
  const done = clock.step - clock.firstStep;
  if (done < 1) return null;
  const perStep = (clock.at - clock.firstAt) / 1000 / done;
  return Math.max(0, perStep * (totalSteps - clock.step) - (now - clock.at) / 1000);
}

/** What the wording is made of; null: not known (yet). */
export interface RunProgress {
  /** Epochs completed and planned. */
  epoch: number | null;
  epochs: number | null;
  /** Global steps taken and planned. */
  step: number | null;
  totalSteps: number | null;
  imagesPerSec: number | null;
  etaSeconds: number | null;
}

/** `ETA 40 s`, `ETA 2 min`, `ETA 1 h 05 min`. */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `ETA ${s} s`;
  const m = Math.ceil(s / 60);
  if (m < 60) return `ETA ${m} min`;
  return `ETA ${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** `41 img/s` (one decimal under 10). */
export const formatRate = (ips: number): string => `${ips < 10 ? ips.toFixed(1) : Math.round(ips)} img/s`;

/** `epoch 3/10 · step 75/250 · 41 img/s · ETA 2 min`: the parts that are known, always in this order. */
export function formatProgress(p: RunProgress): string {
  const parts: string[] = [];
  if (p.epochs) parts.push(`epoch ${p.epoch ?? 0}/${p.epochs}`);
  else if (p.epoch !== null) parts.push(`epoch ${p.epoch}`);
  if (p.step !== null && p.totalSteps) parts.push(`step ${p.step}/${p.totalSteps}`);
  if (p.imagesPerSec !== null) parts.push(formatRate(p.imagesPerSec));
  if (p.etaSeconds !== null) parts.push(formatEta(p.etaSeconds));
  return parts.join(' · ');
}

/** The tooltip rows that explain the wording. */
export function progressRows(p: RunProgress): [string, string][] {
  const rows: [string, string][] = [];
  if (p.epoch !== null)
    rows.push(['epochs completed', p.epochs ? `${p.epoch}/${p.epochs}` : String(p.epoch)]);
  if (p.step !== null && p.totalSteps) rows.push(['steps taken', `${p.step}/${p.totalSteps}`]);
  if (p.imagesPerSec !== null) rows.push(['throughput', formatRate(p.imagesPerSec)]);
  if (p.etaSeconds !== null) rows.push(['time left', formatEta(p.etaSeconds).replace(/^ETA /, '')]);
  return rows;
}
