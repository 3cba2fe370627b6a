/**
 * The per-checkpoint analysis the dashboard shows (spec section 8): prompt-patch statistics, attention
 * maps and mass, the 2-D PCA of patch tokens with the prompts overlaid, and prompt drift; and writing
 * them under `<runDir>/analysis/` (file layout and types in src/shared/analysis-contract.ts).
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../run-folder/atomic-write';
import { analysisFile, analysisIndexFile } from '../../run-folder/layout';
import { formatShape, type HostTensor } from '../../run-folder/tensors/host-tensor';
import {
  ANALYSIS_VERSION,
  type AnalysisEpochFile,
  type AnalysisIndex,
  type AnalysisIndexEntry,
  type AnalysisModelInfo,
  type AnalysisRecord,
  type AttentionLayerMaps,
  analysisEpochFileName,
  analysisSidecarName,
  type F32Ref,
  type PcaLayer,
  type PromptPatchLayerStats,
  tokenSpaceOf,
} from '../../shared/analysis-contract';
import type { PromptedViT } from '../model/prompted-vit';
import { promptsToHost } from '../prompts/prompt-params';
import { type Tensor, tf } from '../tf';
import { Rng } from '../util/rng';
import { attentionMaps } from './attention-maps';
import { promptDrift } from './drift';
import { pca2, project, projectPairs } from './pca';
import {
  collectProbeTokens,
  collectPromptSlots,
  meanOverSets,
  patchTokensOf,
  promptSlotsOf,
} from './probe-tokens';
import { type PromptPatchOptions, promptPatchStats } from './prompt-patch-stats';

export type { AnalysisRecord } from '../../shared/analysis-contract';

export interface ProbeBatch {
  images: Tensor; // [P, H, W, 3], normalised
  labels: number[]; // [P]
  ids: string[]; // [P]
}

export interface AnalyseOptions extends PromptPatchOptions {
  epoch: number;
  seed: number;
  /** Blocks to analyse (default: all). */
  layers?: number[];
  /** Timestamp to record (default: now). */
  createdAt?: string;
}

function modelInfo(model: PromptedViT, T: number): AnalysisModelInfo {
  const { cfg } = model;
  return {
    method: model.method,
    promptMode: model.prompts?.mode ?? null,
    promptLength: model.prompts?.length ?? 0,
    depth: cfg.depth,
    numHeads: cfg.numHeads,
    embedDim: cfg.embedDim,
    patchSize: cfg.patchSize,
    imageSize: cfg.imageSize,
    grid: Math.round(Math.sqrt(T)),
  };
}

/**
 * Analyses the model on the probe batch. `initialPrompts` ([S, N, D], as `promptsToHost` writes them)
 * adds the initial prompts to the PCA overlay and the drift; without prompts (linear probe, full
 * fine-tuning) only attention maps and the PCA of patch tokens are produced.
 */
export async function analyseCheckpoint(
  model: PromptedViT,
  probe: ProbeBatch,
  initialPrompts: HostTensor | undefined,
  opts: AnalyseOptions,
): Promise<AnalysisRecord> {
  const { cfg } = model;
  const P = probe.images.shape[0];
  if (probe.labels.length !== P || probe.ids.length !== P) {
    throw new Error(`probe: ${P} images but ${probe.labels.length} labels and ${probe.ids.length} ids`);
  }
  const layers = [...new Set(opts.layers ?? [...Array(cfg.depth).keys()])].sort((a, b) => a - b);
  for (const l of layers) {
    if (!Number.isInteger(l) || l < 0 || l >= cfg.depth)
      throw new Error(`layer ${l} is not a block of 0..${cfg.depth - 1}`);
  }
  const current = model.prompts ? await promptsToHost(model.prompts) : undefined; // [S, N, D]
  if (initialPrompts && current && formatShape(initialPrompts.shape) !== formatShape(current.shape)) {
    throw new Error(
      `initial prompts have shape ${formatShape(initialPrompts.shape)}, the model's ${formatShape(current.shape)}`,
    );
  }
  const initial = current ? (initialPrompts?.data as Float32Array | undefined) : undefined; // [S, N, D]
  const probeTokens = await collectProbeTokens(model, probe.images, layers);
  const { N, T, L, D } = probeTokens;
  const mode = model.prompts?.mode;
  const setOf = (data: Float32Array, layer: number) => {
    const s = mode === 'deep' ? layer : 0;
    return data.subarray(s * N * D, (s + 1) * N * D); // [N, D]
  };

  // Shallow prompts: where the INITIAL prompts' slot tokens are at layers > 0 needs its own forward pass.
  let initialSlots: Map<number, Float32Array> | undefined;
  if (mode === 'shallow' && initial && layers.some((l) => l > 0)) {
    const set = tf.tensor3d(initial, [1, N, D]); // [1, N, D]
    try {
      initialSlots = await collectPromptSlots(model, probe.images, [set], layers); // layer -> [P, N, D]
    } finally {
      set.dispose();
    }
  }

  const promptPatch: PromptPatchLayerStats[] = [];
  const attention: AttentionLayerMaps<Float32Array>[] = [];
  const pca: PcaLayer<Float32Array>[] = [];
  for (const layer of layers) {
    const tokens = probeTokens.tokens.get(layer); // [P, L, D]
    const attn = probeTokens.attention.get(layer);
    if (!tokens || !attn) throw new Error(`layer ${layer}: the forward pass reported no tokens or attention`);
    // Each prompt set is compared with the token space SPT initialises it from (spec section 8):
    // layer 0 with the patch embeddings before the position embedding, layer i with the tokens
    // entering block i (leaving block i-1).
    const tokenSpace = tokenSpaceOf(layer);
    const patches =
      tokenSpace === 'patch-embedding' ? probeTokens.patchEmbeddings : patchTokensOf(tokens, P, L, D, N); // [P*T, D]
    if (!patches) throw new Error(`layer ${layer}: the forward pass reported no patch embeddings`);
    attention.push(attentionMaps(layer, attn));

    const fit = pca2(patches, P * T, D, { seed: opts.seed });
    const pcaLayer: PcaLayer<Float32Array> = {
      layer,
      tokenSpace,
      explainedVariance: fit.eigenvalues,
      totalVariance: fit.totalVariance,
      points: project(fit, patches, P * T), // [P*T, 2]
    };
    pca.push(pcaLayer);
    if (!current || N === 0) continue;

    const shared = mode === 'deep' || layer === 0;
    const prompts = shared ? setOf(current.data as Float32Array, layer) : promptSlotsOf(tokens, P, L, D, N); // [S, N, D]
    const S = shared ? 1 : P;
    pcaLayer.prompts = projectPairs(fit, shared ? prompts : meanOverSets(prompts, P, N, D), N);
    if (initial) {
      const slots = initialSlots?.get(layer);
      const init = shared ? setOf(initial, layer) : slots ? meanOverSets(slots, P, N, D) : undefined; // [N, D]
      if (init) pcaLayer.initialPrompts = projectPairs(fit, init, N);
    }
    if (P * T < N) continue; // k-means with K = N needs N patch tokens
    const {
      promptLabels: _p,
      kmeansLabels: _k,
      ...stats
    } = promptPatchStats(
      { patches, prompts, S, N, D, T },
      new Rng(`${opts.seed}:analysis:layer-${layer}`),
      opts,
    );
    promptPatch.push({ layer, tokenSpace, promptSource: shared ? 'parameters' : 'slot-tokens', ...stats });
  }

  const S = current?.shape[0] ?? 0;
  return {
    version: ANALYSIS_VERSION,
    epoch: opts.epoch,
    seed: opts.seed,
    createdAt: opts.createdAt ?? new Date().toISOString(),
    model: modelInfo(model, T),
    probe: { count: P, labels: [...probe.labels], ids: [...probe.ids] },
    layers,
    promptPatch,
    attention,
    pca,
    drift: current && initial ? promptDrift(current.data as Float32Array, initial, S, N, D) : null,
  };
}

/** Collects the record's arrays into one float32 buffer and replaces them by references. */
function packArrays(record: AnalysisRecord): {
  file: Omit<AnalysisEpochFile, 'sidecar'>;
  data: Float32Array;
} {
  const parts: Float32Array[] = [];
  let offset = 0;
  const ref = (a: Float32Array, shape: number[]): F32Ref => {
    if (shape.reduce((x, y) => x * y, 1) !== a.length)
      throw new Error(`array of ${a.length} is not ${formatShape(shape)}`);
    parts.push(a);
    const r = { offset, length: a.length, shape };
    offset += a.length;
    return r;
  };
  const { count: P } = record.probe;
  const { numHeads: H, grid: g } = record.model;
  const attention = record.attention.map((m): AttentionLayerMaps<F32Ref> => {
    const { clsToPatch, promptToPatch, ...rest } = m;
    const out: AttentionLayerMaps<F32Ref> = { ...rest, clsToPatch: ref(clsToPatch, [P, H + 1, g, g]) };
    if (promptToPatch) out.promptToPatch = ref(promptToPatch, [P, H + 1, g, g]);
    return out;
  });
  const pca = record.pca.map(
    (l): PcaLayer<F32Ref> => ({ ...l, points: ref(l.points, [l.points.length / 2, 2]) }),
  );
  const data = new Float32Array(offset);
  let at = 0;
  for (const p of parts) {
    data.set(p, at);
    at += p.length;
  }
  return { file: { ...record, attention, pca }, data };
}

function littleEndianBytes(data: Float32Array): Uint8Array {
  const bytes = new Uint8Array(data.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  return bytes;
}

/** JSON with non-integers kept to 7 significant digits (float32 precision). */
function compactJson(value: unknown): string {
  return `${JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isInteger(v) && Number.isFinite(v) ? Number(v.toPrecision(7)) : v))}\n`;
}

export function indexEntry(record: AnalysisRecord, file: string, sidecar: string): AnalysisIndexEntry {
  return {
    epoch: record.epoch,
    file,
    sidecar,
    createdAt: record.createdAt,
    layers: record.layers.map((layer) => {
      const s = record.promptPatch.find((x) => x.layer === layer);
      const d = record.drift?.find((x) => x.layer === layer);
      const a = record.attention.find((x) => x.layer === layer);
      const space = s?.tokenSpace ?? record.pca.find((x) => x.layer === layer)?.tokenSpace;
      return {
        layer,
        ...(space ? { tokenSpace: space } : {}),
        nmi: s?.nmi ?? null,
        ami: s?.ami ?? null,
        inertiaRatio: s?.inertiaRatio ?? null,
        nearestCosine: s?.nearestCosine ?? null,
        meanCosine: s?.meanCosine ?? null,
        driftL2: d?.meanL2 ?? null,
        driftCosine: d?.meanCosine ?? null,
        clsPromptMass: a?.clsMass.prompts ?? 0,
        clsPatchMass: a?.clsMass.patches ?? 0,
        patchPromptMass: a?.patchMass.prompts ?? 0,
      };
    }),
  };
}

function readIndex(file: string): AnalysisIndex | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as AnalysisIndex;
    return v && v.version === ANALYSIS_VERSION && Array.isArray(v.epochs) ? v : undefined;
  } catch {
    return undefined; // an unreadable index is rebuilt from this record on
  }
}

/** The epochs `analysis/index.json` lists (empty when there is none or it is unreadable). */
export function analysedEpochs(runDir: string): number[] {
  return (readIndex(analysisIndexFile(runDir))?.epochs ?? []).map((e) => e.epoch);
}

/**
 * Writes `analysis/epoch-<NNN>.f32`, then `analysis/epoch-<NNN>.json`, then `analysis/index.json`
 * (each atomically, in that order, so a reader never sees a reference to a missing file).
 * Returns the paths written.
 */
export function writeAnalysis(runDir: string, record: AnalysisRecord): string[] {
  const dir = analysisFile(runDir);
  const name = analysisEpochFileName(record.epoch);
  const sidecar = analysisSidecarName(record.epoch);
  const { file, data } = packArrays(record);
  const written = [path.join(dir, sidecar), path.join(dir, name), analysisIndexFile(runDir)];
  writeFileAtomic(written[0], littleEndianBytes(data));
  const epochFile: AnalysisEpochFile = { ...file, sidecar };
  writeFileAtomic(written[1], compactJson(epochFile));
  const prev = readIndex(written[2]);
  const index: AnalysisIndex = {
    version: ANALYSIS_VERSION,
    model: record.model,
    epochs: [
      ...(prev?.epochs ?? []).filter((e) => e.epoch !== record.epoch),
      indexEntry(record, name, sidecar),
    ].sort((a, b) => a.epoch - b.epoch),
  };
  writeFileAtomic(written[2], compactJson(index));
  return written;
}
