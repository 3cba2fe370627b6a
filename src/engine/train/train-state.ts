/**
 * Where a training run is and what it has counted: the position (epoch, step in epoch, global step),
 * the running train totals of the epoch in progress, the per-epoch history, the best epoch on val, the
 * images trained on and the time spent. A checkpoint stores it; a resumed run starts from it.
 */
import type { CheckpointMeta, TrainPosition } from '../run/train-checkpoint';

export type BestEpoch = CheckpointMeta['best'];
export type EpochRecord = CheckpointMeta['history'][number];
export type RunningTotals = CheckpointMeta['running'];

/** What a checkpoint records of the state (the rest of its sidecar comes from the model and the run). */
export type StateFields = Pick<
  CheckpointMeta,
  'position' | 'best' | 'epochsCompleted' | 'history' | 'wallSeconds' | 'trainImagesSeen' | 'running'
>;

export class TrainState {
  pos: TrainPosition;
  best: BestEpoch;
  readonly history: EpochRecord[];
  running: RunningTotals;
  /** Images trained on, by this process and the ones before it (resumed runs). */
  private trainImages: number;
  private readonly imagesBefore: number;
  /** Seconds spent in training steps by this process. */
  private trainSeconds = 0;
  private readonly wallBefore: number;
  private readonly startedAt: number;

  /** A fresh run, or the state a checkpoint recorded; `startedAt`: when this process took the run on (ms). */
  constructor(meta?: CheckpointMeta, startedAt = Date.now()) {
    this.startedAt = startedAt;
    this.pos = meta ? { ...meta.position } : { epoch: 0, stepInEpoch: 0, globalStep: 0 };
    this.best = meta?.best ?? null;
    this.history = meta?.history ? [...meta.history] : [];
    this.running = meta?.running ?? { lossSum: 0, correct: 0, count: 0 };
    this.trainImages = meta?.trainImagesSeen ?? 0;
    this.imagesBefore = this.trainImages;
    this.wallBefore = meta?.wallSeconds ?? 0;
  }

  /** Counts a step over `images` images (mean loss `loss`, `correct` right) that took `seconds`. */
  step(images: number, loss: number, correct: number, seconds: number): void {
    this.pos = { ...this.pos, stepInEpoch: this.pos.stepInEpoch + 1, globalStep: this.pos.globalStep + 1 };
    this.trainSeconds += seconds;
    this.trainImages += images;
    this.running = {
      lossSum: this.running.lossSum + loss * images,
      correct: this.running.correct + correct,
      count: this.running.count + images,
    };
  }

  /**
   * Closes the epoch in progress with its val result: the history gets its row, the running totals
   * start again, the best epoch moves when val accuracy improved, and the position moves to the start
   * of the next epoch (what its checkpoints record). Returns the epoch's train means and whether it is
   * the new best.
   */
  endEpoch(val: { loss: number; acc: number }): { train: { loss: number; acc: number }; improved: boolean } {
    const epoch = this.pos.epoch + 1; // counted from 1
    const n = Math.max(1, this.running.count);
    const train = { loss: this.running.lossSum / n, acc: this.running.correct / n };
    this.history.push({
      epoch,
      trainLoss: train.loss,
      trainAcc: train.acc,
      valLoss: val.loss,
      valAcc: val.acc,
    });
    this.running = { lossSum: 0, correct: 0, count: 0 };
    const improved = !this.best || val.acc > this.best.acc;
    if (improved) this.best = { epoch, acc: val.acc, loss: val.loss };
    this.pos = { epoch: this.pos.epoch + 1, stepInEpoch: 0, globalStep: this.pos.globalStep };
    return { train, improved };
  }

  wallSeconds(): number {
    return this.wallBefore + (Date.now() - this.startedAt) / 1000;
  }

  /** Training throughput of this process (0 before its first step). */
  imagesPerSec(): number {
    return this.trainSeconds > 0 ? (this.trainImages - this.imagesBefore) / this.trainSeconds : 0;
  }

  forCheckpoint(): StateFields {
    return {
      position: this.pos,
      best: this.best,
      epochsCompleted: this.history.length,
      history: this.history,
      wallSeconds: this.wallSeconds(),
      trainImagesSeen: this.trainImages,
      running: this.running,
    };
  }
}
