/** A synthetic long run for the harness: 100,000 train steps (with spikes) and a val line every 1,000. */
import type { MetricLine } from '../../src/shared/run-events';
import type { DashboardRun } from '../../src/shared/webview-contract';
import { columnsFromLines, type VirtualRun } from './fixture-host';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export function syntheticRun(steps = 100_000, stepsPerEpoch = 1000): VirtualRun {
  const runDir = '/synthetic/long-run/20260101-000000';
  const rand = rng(7);
  const lines: MetricLine[] = [];
  const t0 = 1_790_000_000;
  for (let s = 1; s <= steps; s++) {
    const epoch = Math.floor((s - 1) / stepsPerEpoch) + 1; // counted from 1
    const progress = s / steps;
    const lr = 0.05 * (s < 2000 ? s / 2000 : 0.5 * (1 + Math.cos(Math.PI * progress)));
    let loss = 0.35 + 2.0 * Math.exp(-s / 15_000) + 0.25 * (rand() - 0.5);
    if (s % 9973 === 0) loss += 3; // rare spikes that downsampling must keep
    const acc = Math.min(1, Math.max(0, 0.95 - 0.85 * Math.exp(-s / 20_000) + 0.1 * (rand() - 0.5)));
    lines.push({ t: t0 + s * 0.05, epoch, step: s, split: 'train', loss, acc, lr, ips: 600 });
    if (s % stepsPerEpoch === 0) {
      lines.push({
        t: t0 + s * 0.05 + 0.02,
        epoch,
        step: s,
        split: 'val',
        loss: 0.45 + 1.9 * Math.exp(-s / 15_000),
        acc: 0.9 - 0.8 * Math.exp(-s / 20_000),
        lr,
      });
    }
  }
  const run: DashboardRun = {
    runDir,
    label: 'long-run 20260101-000000',
    experiment: 'long-run',
    status: 'finished',
    method: 'spt',
    init: 'mean',
    backend: 'synthetic',
    epoch: steps / stepsPerEpoch,
    epochs: steps / stepsPerEpoch,
    bestEpoch: steps / stepsPerEpoch,
    bestValAcc: 0.9,
    testAcc: null,
    trainableParams: 1000,
    totalParams: 100000,
    imagesPerSec: 600,
    wallSeconds: steps * 0.05,
    seed: 0,
    error: null,
    config: { name: 'long-run', 'train.epochs': String(steps / stepsPerEpoch) },
    configText: 'name: long-run\n',
  };
  return { run, metrics: columnsFromLines(runDir, lines) };
}
