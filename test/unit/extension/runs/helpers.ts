/** Tiny real experiments for the extension runs tests (the parity fixtures' 3-block ViT). */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { QueueEntry } from '../../../../src/extension/runs/run-queue';

export const ROOT = path.join(__dirname, '..', '..', '..', '..');
export const TRAINER = path.join(ROOT, 'dist', 'trainer.js');
const PARITY = path.join(ROOT, 'test', 'fixtures', 'parity');

export function tmpDir(prefix = 'spt-ext-runs-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Writes `<dir>/<name>.spt.yaml` (runs go to `<dir>/runs`). */
export function tinyExperiment(
  dir: string,
  name = 'tiny',
  epochs = 2,
  mode: 'deep' | 'shallow' = 'deep',
): string {
  const f = path.join(dir, `${name}.spt.yaml`);
  fs.writeFileSync(
    f,
    `name: ${name}
seed: 3
backbone:
  arch: {embed_dim: 32, depth: 3, num_heads: 4, patch_size: 8, image_size: 32}
  checkpoint: ${path.join(PARITY, 'timm.pth')}
  pool: cls
data: {root: ${PARITY}, train: images.txt, val: images.txt, test: images.txt, num_classes: 5}
prompt: {method: spt, mode: ${mode}, length: 4, init: mean}
train: {epochs: ${epochs}, warmup_epochs: 1, batch_size: 3, lr: 0.01}
device: {backend: wasm}
analysis: {every_epochs: 0}
output: {dir: ${path.join(dir, 'runs')}}
`,
  );
  return f;
}

/** `spt train file` through the real CLI; returns the run folder it printed. */
export function cliTrain(file: string): string {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'spt.js'), 'train', file], {
    cwd: path.dirname(file),
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`spt train failed (${r.status}): ${r.stderr}`);
  const m = /-> (.+)$/m.exec(`${r.stdout}\n${r.stderr}`);
  if (!m) throw new Error(`no run folder in the output: ${r.stdout}${r.stderr}`);
  return m[1].trim();
}

export function hasDist(): boolean {
  return fs.existsSync(TRAINER) && fs.existsSync(path.join(ROOT, 'dist', 'cli.js'));
}

/** A finished (or `status`) two-epoch run folder with summary.json and metrics.jsonl, as the trainer leaves it. */
export function fakeRun(
  runsDir: string,
  exp: string,
  stamp: string,
  valAcc: number,
  seed: number,
  status = 'finished',
) {
  const dir = path.join(runsDir, exp, stamp);
  fs.mkdirSync(path.join(dir, 'checkpoints'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'config.yaml'),
    `name: ${exp}\nseed: ${seed}\ntrain:\n  epochs: 2\n  lr: 0.05\n`,
  );
  fs.writeFileSync(
    path.join(dir, 'metrics.jsonl'),
    [
      { t: 1, epoch: 0, step: 1, split: 'train', loss: 2.1, acc: 0.2, lr: 0.05 },
      { t: 2, epoch: 0, step: 1, split: 'val', loss: 1.9, acc: valAcc - 0.1, lr: 0.05 },
      { t: 3, epoch: 1, step: 2, split: 'train', loss: 1.5, acc: 0.4, lr: 0.01 },
      { t: 4, epoch: 1, step: 2, split: 'val', loss: 1.2, acc: valAcc, lr: 0.01 },
    ]
      .map((l) => JSON.stringify(l))
      .join('\n'),
  );
  fs.writeFileSync(
    path.join(dir, 'summary.json'),
    JSON.stringify({
      status,
      name: exp,
      method: 'spt',
      best_epoch: 1,
      val_acc: valAcc,
      test_acc: valAcc - 0.05,
      trainable_params: 1234,
      total_params: 99999,
      backend: 'wasm',
      images_per_sec: 50.5,
      wall_seconds: 75,
      seed,
      epochs_completed: 2,
      skipped_images: 0,
      ...(status === 'failed' ? { error: 'boom' } : {}),
    }),
  );
  return dir;
}

/** A run queue entry of experiment `cub`, running unless `over` says otherwise. */
export const queueEntry = (over: Partial<QueueEntry>): QueueEntry => ({
  id: 'q1',
  job: { kind: 'train', file: '/w/cub.spt.yaml' },
  experiment: 'cub',
  state: 'running',
  enqueuedAt: 0,
  ...over,
});
