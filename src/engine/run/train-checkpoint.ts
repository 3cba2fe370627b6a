/**
 * Training checkpoints: prompts + head (+ the backbone for full fine-tuning) + AdamW moments as
 * safetensors, with a JSON sidecar holding the position, the bookkeeping needed for an exact resume
 * and the SHA-256 of the weights. Written atomically and in two generations: the weights go to a new
 * file `<kind>-<step>.safetensors`, the current sidecar is copied to `<kind>.prev.json`, the sidecar
 * `<kind>.json` that points at the new weights replaces the old one, then weight files that neither
 * sidecar names are removed. A crash at any point leaves a readable checkpoint, and a damaged one
 * (a torn or edited sidecar, weights that are missing, cut short or do not match their hash) is
 * replaced by the previous generation with a warning.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../run-folder/atomic-write';
import { faultPoint } from '../../run-folder/fault';
import { type CheckpointKind, checkpointSidecarName, RUN_FILES } from '../../run-folder/layout';
import { CheckpointError } from '../../run-folder/tensors/checkpoint-error';
import type { HostTensor, TensorMap } from '../../run-folder/tensors/host-tensor';
import { readSafetensors, writeSafetensors } from '../../run-folder/tensors/safetensors';
import { headToHost } from '../model/head';
import type { PromptedViT } from '../model/prompted-vit';
import { vitWeightsToState } from '../model/vit-weights';
import { promptsToHost } from '../prompts/prompt-params';
import type { AdamW } from '../train/adamw';

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
  kind: CheckpointKind;
  weights: string; // file name inside checkpoints/
  position: TrainPosition;
  optimizerStep: number;
  /** The best epoch so far, counted from 1 (summary.json's best_epoch). */
  best: { epoch: number; acc: number; loss: number } | null;
  /** metrics.jsonl lines written when this checkpoint was taken (resume truncates to it). */
  metricsLines: number;
  epochsCompleted: number;
  /** Per completed epoch (epoch counted from 1): train/val loss and accuracy. */
  history: { epoch: number; trainLoss: number; trainAcc: number; valLoss: number; valAcc: number }[];
  /** Train loss and accuracy sums of the epoch in progress (a mid-epoch stop resumes them). */
  running: { lossSum: number; correct: number; count: number };
  wallSeconds: number;
  trainImagesSeen: number;
  seed: number;
  backend: string;
  savedAt: string;
  /** SHA-256 (hex) of the weights file; checked on load (older checkpoints lack it). */
  sha256?: string;
}

export async function modelTensors(model: PromptedViT): Promise<TensorMap> {
  const [prompts, head, backbone] = await Promise.all([
    model.prompts ? promptsToHost(model.prompts) : undefined,
    headToHost(model.head),
    model.method === 'full' ? vitWeightsToState(model.backbone, model.cfg) : undefined,
  ]);
  const t: TensorMap = new Map();
  if (prompts) t.set('prompts', prompts);
  t.set('head.weight', head.weight);
  t.set('head.bias', head.bias);
  if (backbone) for (const [k, v] of backbone) t.set(`backbone.${k}`, v);
  return t;
}

export async function saveTrainCheckpoint(
  runDir: string,
  model: PromptedViT,
  opt: AdamW | null,
  meta: Omit<CheckpointMeta, 'weights' | 'version' | 'savedAt' | 'sha256'>,
): Promise<CheckpointMeta> {
  const dir = path.join(runDir, RUN_FILES.checkpoints);
  fs.mkdirSync(dir, { recursive: true });
  const kind = meta.kind;
  const weights = `${kind}-${String(meta.position.globalStep).padStart(7, '0')}.safetensors`;
  const [tensors, moments] = await Promise.all([modelTensors(model), opt?.stateToHost()]);
  if (moments) for (const [k, v] of moments) tensors.set(k, v);
  const { sha256 } = writeSafetensors(path.join(dir, weights), tensors, {
    format: 'spt-studio',
    kind,
    step: String(meta.position.globalStep),
  });
  faultPoint(`checkpoint:${kind}:weights`);
  const full: CheckpointMeta = { ...meta, version: 1, weights, savedAt: new Date().toISOString(), sha256 };
  const sidecar = path.join(dir, checkpointSidecarName(kind));
  const prev = path.join(dir, checkpointSidecarName(kind, true));
  // The generation being replaced becomes the fallback, unless it is damaged itself (then the
  // fallback stays what it was).
  try {
    const current = fs.readFileSync(sidecar, 'utf8');
    if (checkMeta(JSON.parse(current), sidecar, kind).weights !== weights) writeFileAtomic(prev, current);
  } catch (err) {
    if ((err as { name?: string }).name === 'WriteError') throw err;
  }
  let keep: string | undefined;
  try {
    keep = checkMeta(JSON.parse(fs.readFileSync(prev, 'utf8')), prev, kind).weights;
  } catch {
    keep = undefined;
  }
  writeFileAtomic(sidecar, `${JSON.stringify(full, null, 2)}\n`);
  faultPoint(`checkpoint:${kind}:sidecar`);
  for (const f of fs.readdirSync(dir)) {
    if (f.startsWith(`${kind}-`) && f.endsWith('.safetensors') && f !== weights && f !== keep)
      fs.rmSync(path.join(dir, f), { force: true });
  }
  faultPoint(`checkpoint:${kind}:cleanup`);
  return full;
}

/**
 * Removes weight files that no sidecar names (a run killed between writing a sidecar and cleaning
 * up leaves one behind). A kind whose sidecars do not all parse is left alone. Returns the names removed.
 */
export function pruneCheckpoints(runDir: string): string[] {
  const dir = path.join(runDir, RUN_FILES.checkpoints);
  const removed: string[] = [];
  let files: string[];
  try {
    files = fs.readdirSync(dir);
  } catch {
    return removed;
  }
  for (const kind of ['last', 'best'] as const) {
    const named = new Set<string>();
    let intact = true;
    for (const sidecar of [checkpointSidecarName(kind), checkpointSidecarName(kind, true)]) {
      const f = path.join(dir, sidecar);
      if (!fs.existsSync(f)) continue;
      try {
        named.add(checkMeta(JSON.parse(fs.readFileSync(f, 'utf8')), f, kind).weights);
      } catch {
        intact = false;
      }
    }
    if (!intact || named.size === 0) continue;
    for (const f of files) {
      if (f.startsWith(`${kind}-`) && f.endsWith('.safetensors') && !named.has(f)) {
        fs.rmSync(path.join(dir, f), { force: true });
        removed.push(f);
      }
    }
  }
  return removed;
}

export interface LoadedTrainCheckpoint {
  meta: CheckpointMeta;
  tensors: Map<string, HostTensor>;
  file: string;
  /** Set when `<kind>.json` was damaged and the previous generation was loaded instead. */
  warning?: string;
}

const isCount = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;

/** Checks a parsed sidecar's shape (a hand-edited or damaged one must not get further). */
function checkMeta(v: unknown, file: string, kind: CheckpointKind): CheckpointMeta {
  const bad = (what: string) => new CheckpointError(file, `damaged checkpoint sidecar: ${what}`);
  if (!v || typeof v !== 'object') throw bad('not a JSON object');
  const m = v as Partial<CheckpointMeta>;
  if (m.version !== 1) throw bad(`version ${JSON.stringify(m.version)} (expected 1)`);
  if (m.kind !== kind) throw bad(`kind ${JSON.stringify(m.kind)} (expected '${kind}')`);
  if (typeof m.weights !== 'string' || !/^[\w.-]+\.safetensors$/.test(m.weights) || m.weights.startsWith('.'))
    throw bad(`weights ${JSON.stringify(m.weights)} is not a file name in checkpoints/`);
  const p = m.position;
  if (!p || !isCount(p.epoch) || !isCount(p.stepInEpoch) || !isCount(p.globalStep))
    throw bad('no valid position');
  if (!isCount(m.metricsLines) || !isCount(m.optimizerStep) || !isCount(m.epochsCompleted))
    throw bad('no valid counters');
  if (!Array.isArray(m.history) || !m.running || typeof m.running !== 'object') throw bad('no history');
  if (m.sha256 !== undefined && (typeof m.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(m.sha256)))
    throw bad('a malformed sha256');
  return m as CheckpointMeta;
}

function sha256File(file: string): string {
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      hash.update(buf.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

function loadGeneration(runDir: string, sidecar: string, kind: CheckpointKind): LoadedTrainCheckpoint {
  let text: string;
  try {
    text = fs.readFileSync(sidecar, 'utf8');
  } catch (err) {
    throw new CheckpointError(sidecar, `cannot read it (${(err as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new CheckpointError(sidecar, `damaged checkpoint sidecar: not JSON (${(err as Error).message})`);
  }
  const meta = checkMeta(parsed, sidecar, kind);
  const file = path.join(runDir, RUN_FILES.checkpoints, meta.weights);
  if (!fs.existsSync(file)) throw new CheckpointError(file, `missing (named by ${path.basename(sidecar)})`);
  if (meta.sha256 && sha256File(file) !== meta.sha256)
    throw new CheckpointError(file, `its contents do not match the SHA-256 in ${path.basename(sidecar)}`);
  return { meta, tensors: readSafetensors(file).tensors, file };
}

/**
 * Loads the `kind` checkpoint of a run. When `<kind>.json` or its weights are damaged, the previous
 * generation (`<kind>.prev.json`) is loaded instead and `warning` says so; when both are unusable a
 * CheckpointError names both problems.
 */
export function loadTrainCheckpoint(runDir: string, kind: CheckpointKind): LoadedTrainCheckpoint {
  const dir = path.join(runDir, RUN_FILES.checkpoints);
  const sidecar = path.join(dir, checkpointSidecarName(kind));
  const prev = path.join(dir, checkpointSidecarName(kind, true));
  if (!fs.existsSync(sidecar) && !fs.existsSync(prev))
    throw new Error(
      `${sidecar}: no ${kind} checkpoint in this run (it stopped before its first epoch ended)`,
    );
  let first: Error;
  try {
    return loadGeneration(runDir, sidecar, kind);
  } catch (err) {
    first = err as Error;
  }
  if (!fs.existsSync(prev)) {
    throw new CheckpointError(
      sidecar,
      `the ${kind} checkpoint is damaged and there is no previous one (${first.message})`,
      'start the run again',
    );
  }
  let loaded: LoadedTrainCheckpoint;
  try {
    loaded = loadGeneration(runDir, prev, kind);
  } catch (err) {
    throw new CheckpointError(
      sidecar,
      `the ${kind} checkpoint is damaged (${first.message}) and so is the previous one (${(err as Error).message})`,
      'start the run again',
    );
  }
  const p = loaded.meta.position;
  loaded.warning = `the ${kind} checkpoint is damaged (${first.message.split('\n')[0]}); using the previous one instead (epoch ${p.epoch}, step ${p.globalStep})`;
  return loaded;
}
