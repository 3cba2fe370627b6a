/**
 * The recipe's learning rate (spec section 5), set every step from the fractional epoch t:
 * linear warm-up lr * t / warmup, then a half cosine from lr down to min_lr at the last epoch.
 */
export interface ScheduleParams {
  lr: number;
  minLr: number;
  warmupEpochs: number;
  epochs: number;
}

export function learningRateAt(t: number, p: ScheduleParams): number {
  if (t < p.warmupEpochs) return (p.lr * t) / p.warmupEpochs;
  const progress = (t - p.warmupEpochs) / (p.epochs - p.warmupEpochs);
  return p.minLr + (p.lr - p.minLr) * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress)));
}

/** t for step `step` (0-based) of epoch `epoch` with `stepsPerEpoch` steps. */
export function fractionalEpoch(epoch: number, step: number, stepsPerEpoch: number): number {
  return epoch + step / stepsPerEpoch;
}
