/**
 * Finished run folders written straight to disk for the scenarios that need runs to show, sort or compare
 * without training them: config.yaml, a metrics.jsonl with a train and a val line per epoch,
 * checkpoints/best.json and summary.json, as a trainer leaves them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface FakeRun {
  name: string;
  seed: number;
  valAcc: number;
  testAcc?: number | null;
  /** Extra top-level config lines (`train:\n  lr: 0.1`). */
  config?: string;
}

export function writeFinishedRun(dir: string, run: FakeRun): string {
  fs.mkdirSync(path.join(dir, 'checkpoints'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'config.yaml'),
    `name: ${run.name}\nseed: ${run.seed}\n${run.config ?? 'train:\n  epochs: 2\n'}`,
  );
  fs.writeFileSync(path.join(dir, 'checkpoints', 'best.json'), '{}\n');
  const lines = [1, 2].flatMap((epoch) => [
    { t: epoch * 2 - 1, epoch, step: epoch, split: 'train', loss: 2 / epoch, acc: 0.3 * epoch, lr: 0.01 },
    {
      t: epoch * 2,
      epoch,
      step: epoch,
      split: 'val',
      loss: 2.2 / epoch,
      acc: (run.valAcc * epoch) / 2,
      lr: 0.01,
    },
  ]);
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
  fs.writeFileSync(
    path.join(dir, 'summary.json'),
    JSON.stringify({
      status: 'finished',
      name: run.name,
      method: 'spt',
      best_epoch: 2,
      val_acc: run.valAcc,
      test_acc: run.testAcc ?? null,
      trainable_params: 10,
      total_params: 100,
      backend: 'wasm',
      images_per_sec: 50,
      wall_seconds: 30,
      seed: run.seed,
      epochs_completed: 2,
      skipped_images: 0,
    }),
  );
  return dir;
}
