/**
 * Training checkpoints: prompts + head (+ the backbone for full fine-tuning) + AdamW moments as
 * safetensors, with a JSON sidecar holding the position and the bookkeeping needed for an exact
 * resume. Written atomically: the weights go to a new file `<kind>-<step>.safetensors`, then the
 * sidecar `<kind>.json` that points at it is replaced, then older weight files are removed; a crash
 * at any point leaves the previous checkpoint readable.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HostTensor, TensorMap } from '../checkpoint/host-tensor';
import { readSafetensors, writeSafetensors } from '../checkpoint/safetensors';
import { headToHost } from '../model/head';
import type { PromptedViT } from '../model/prompted-vit';
import { vitWeightsToState } from '../model/vit-weights';
import { promptsToHost } from '../prompts/prompt-params';
import type { AdamW } from '../train/adamw';
import { writeFileAtomic } from '../util/atomic-write';
import { RUN_FILES } from './run-folder';

export interface TrainPosition {
  /** The epoch in progress (or the next one when stepInEpoch is 0). */
  epoch: number;
  /** Steps of `epoch` already taken. */
  stepInEpoch: number;
  /** Optimizer steps taken in all. */
  globalStep: number;
}

export interface CheckpointMeta {
  version: 1;
  kind: 'last' | 'best';
  weights: string; // file name inside checkpoints/
  position: TrainPosition;
  optimizerStep: number;
  best: { epoch: number; acc: number; loss: number } | null;
  /** metrics.jsonl lines written when this checkpoint was taken (resume truncates to it). */
  metricsLines: number;
  epochsCompleted: number;
  /** Per completed epoch: train/val loss and accuracy (for the summary and the dashboard). */
  history: { epoch: number; trainLoss: number; trainAcc: number; valLoss: number; valAcc: number }[];
  /** Train loss and accuracy sums of the epoch in progress (a mid-epoch stop resumes them). */
  running: { lossSum: number; correct: number; count: number };
  wallSeconds: number;
  trainImagesSeen: number;
  seed: number;
  backend: string;
  savedAt: string;
}

export function modelTensors(model: PromptedViT): TensorMap {
  const t: TensorMap = new Map();
  if (model.prompts) t.set('prompts', promptsToHost(model.prompts));
  const head = headToHost(model.head);
  t.set('head.weight', head.weight);
  t.set('head.bias', head.bias);
  if (model.method === 'full') {
    for (const [k, v] of vitWeightsToState(model.backbone, model.cfg)) t.set(`backbone.${k}`, v);
  }
  return t;
}

export function saveTrainCheckpoint(
  runDir: string,
  model: PromptedViT,
  opt: AdamW | null,
  meta: Omit<CheckpointMeta, 'weights' | 'version' | 'savedAt'>,
): CheckpointMeta {
  const dir = path.join(runDir, RUN_FILES.checkpoints);
  fs.mkdirSync(dir, { recursive: true });
  const weights = `${meta.kind}-${String(meta.position.globalStep).padStart(7, '0')}.safetensors`;
  const tensors = modelTensors(model);
  if (opt) for (const [k, v] of opt.stateToHost()) tensors.set(k, v);
  const full: CheckpointMeta = { ...meta, version: 1, weights, savedAt: new Date().toISOString() };
  writeSafetensors(path.join(dir, weights), tensors, {
    format: 'spt-studio',
    kind: meta.kind,
    step: String(meta.position.globalStep),
  });
  writeFileAtomic(path.join(dir, `${meta.kind}.json`), `${JSON.stringify(full, null, 2)}\n`);
  for (const f of fs.readdirSync(dir)) {
    if (f.startsWith(`${meta.kind}-`) && f.endsWith('.safetensors') && f !== weights)
      fs.rmSync(path.join(dir, f), { force: true });
  }
  return full;
}

export interface LoadedTrainCheckpoint {
  meta: CheckpointMeta;
  tensors: Map<string, HostTensor>;
  file: string;
}

export function loadTrainCheckpoint(runDir: string, kind: 'last' | 'best'): LoadedTrainCheckpoint {
  const sidecar = path.join(runDir, RUN_FILES.checkpoints, `${kind}.json`);
  if (!fs.existsSync(sidecar))
    throw new Error(
      `${sidecar}: no ${kind} checkpoint in this run (it stopped before its first epoch ended)`,
    );
  const meta = JSON.parse(fs.readFileSync(sidecar, 'utf8')) as CheckpointMeta;
  const file = path.join(runDir, RUN_FILES.checkpoints, meta.weights);
  return { meta, tensors: readSafetensors(file).tensors, file };
}
