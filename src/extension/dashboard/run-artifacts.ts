/**
 * One handler per request kind of the dashboard contract: each reads only what its view shows, from
 * the run folder (through the path guard) and, for images, from the run's own data root. Errors are
 * Errors whose message names the file and the fix. Pure Node: no `vscode`, no TensorFlow.
 */

import * as fs from 'node:fs';
import { RUN_FILES } from '../../run-folder/layout';
import type { PrototypesFile } from '../../run-folder/run-files';
import type { AnalysisEpochFile } from '../../shared/analysis-contract';
import type {
  AttentionData,
  DashboardRequests,
  ImageData64,
  PromptSourceData,
  PrototypeMapData,
  RequestKind,
} from '../../shared/webview-contract';
import { layerEntry, readAnalysisIndex, readEpochFile, readSidecarRanges } from './analysis-files';
import { classNamesOf } from './class-names';
import { readImageData } from './image-data';
import { readMetricsFile } from './metrics-file';
import { MissingFileError, resolveInside } from './path-guard';
import { gridOf, type RunData, readRunConfig, runDataOf } from './run-config';

type Params<K extends RequestKind> = DashboardRequests[K]['params'];
type Result<K extends RequestKind> = DashboardRequests[K]['result'];

function runData(runDir: string): RunData | null {
  return runDataOf(runDir, readRunConfig(runDir).value);
}

export function metrics(p: Params<'metrics'>): Result<'metrics'> {
  return readMetricsFile(p.runDir).metrics;
}

export function analysisIndex(p: Params<'analysisIndex'>): Result<'analysisIndex'> {
  return readAnalysisIndex(p.runDir);
}

export function prototypeMap(p: Params<'prototypeMap'>): PrototypeMapData {
  const file = readEpochFile(p.runDir, p.epoch);
  const pca = layerEntry(file, file.pca, p.layer, 'prototype map (PCA)');
  const [points] = readSidecarRanges(p.runDir, file, [pca.points]);
  return {
    runDir: p.runDir,
    epoch: p.epoch,
    layer: p.layer,
    model: file.model,
    pca: { ...pca, points },
    probeLabels: file.probe.labels,
    classNames: classNamesOf(runData(p.runDir)),
    tokensPerImage: file.model.grid * file.model.grid,
    stats: (file.promptPatch ?? []).find((s) => s.layer === p.layer) ?? null,
    drift: file.drift?.find((d) => d.layer === p.layer) ?? null,
  };
}

export function attention(p: Params<'attention'>): AttentionData {
  const file = readEpochFile(p.runDir, p.epoch);
  const a = layerEntry(file, file.attention, p.layer, 'attention maps');
  const refs = a.promptToPatch ? [a.clsToPatch, a.promptToPatch] : [a.clsToPatch];
  const [clsToPatch, promptToPatch] = readSidecarRanges(p.runDir, file, refs);
  const maps: AttentionData['maps'] = { ...a, clsToPatch, promptToPatch };
  if (!promptToPatch) delete maps.promptToPatch;
  return {
    runDir: p.runDir,
    epoch: p.epoch,
    layer: p.layer,
    model: file.model,
    maps,
    probe: { labels: file.probe.labels, ids: file.probe.ids },
    classNames: classNamesOf(runData(p.runDir)),
  };
}

export function probeImages(p: Params<'probeImages'>): ImageData64[] {
  const file = readEpochFile(p.runDir, p.epoch);
  const data = runData(p.runDir);
  return (file.probe.ids ?? []).map((id) =>
    typeof id === 'string'
      ? readImageData(data, 'val', id)
      : { id: String(id), dataUrl: null, error: 'not an image id' },
  );
}

function readPrototypes(runDir: string): Partial<Record<keyof PrototypesFile, unknown>> | null {
  let file: string;
  try {
    file = resolveInside(runDir, RUN_FILES.prototypes);
  } catch (err) {
    if (err instanceof MissingFileError) return null;
    throw err;
  }
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    return v && typeof v === 'object' ? (v as Partial<Record<keyof PrototypesFile, unknown>>) : null;
  } catch (err) {
    throw new Error(
      `prototypes.json cannot be read (${(err as Error).message}): the file is damaged; the prompts' origins cannot be shown`,
    );
  }
}

type Provenance = NonNullable<PromptSourceData['provenance']>;

function provenanceOf(v: unknown): Provenance | null {
  if (!v || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  if (typeof o.kind !== 'string' || typeof o.layer !== 'number') return null;
  const out: Provenance = { kind: o.kind, layer: o.layer };
  if (Number.isInteger(o.image)) out.image = o.image as number;
  if (Number.isInteger(o.patch)) out.patch = o.patch as number;
  const w = o.window;
  if (Array.isArray(w) && w.length === 2 && w.every(Number.isInteger)) out.window = [w[0], w[1]];
  if (typeof o.clusterSize === 'number') out.clusterSize = o.clusterSize;
  return out;
}

/** Epoch files in index order (or, without an index, none): each read for this prompt's drift. */
function driftSeries(runDir: string, set: number, index: number): PromptSourceData['drift'] {
  const out: PromptSourceData['drift'] = { epoch: [], l2: [], cosine: [] };
  const entries = readAnalysisIndex(runDir)?.epochs ?? [];
  for (const e of [...entries].sort((a, b) => a.epoch - b.epoch)) {
    let file: AnalysisEpochFile;
    try {
      file = readEpochFile(runDir, e.epoch);
    } catch {
      continue; // an epoch file that went missing leaves a gap, not an error
    }
    const d = file.drift?.find((x) => x.layer === set);
    if (!d || typeof d.l2?.[index] !== 'number') continue;
    out.epoch.push(e.epoch);
    out.l2.push(d.l2[index]);
    out.cosine.push(d.cosine[index]);
  }
  return out;
}

export function promptSource(p: Params<'promptSource'>): PromptSourceData {
  const { runDir, set, index } = p;
  const config = readRunConfig(runDir).value;
  const data = runDataOf(runDir, config);
  const model = readAnalysisIndex(runDir)?.model;
  const grid = model ? { grid: model.grid, imageSize: model.imageSize } : gridOf(config);
  const protos = readPrototypes(runDir);
  const record = Array.isArray(protos?.prompts)
    ? (protos.prompts as Record<string, unknown>[]).find((r) => r?.set === set && r?.index === index)
    : undefined;
  const provenance = provenanceOf(record);
  let image: ImageData64 | null = null;
  if (provenance?.image !== undefined) {
    const images = Array.isArray(protos?.images) ? protos.images : [];
    const id = images[provenance.image];
    image =
      typeof id === 'string'
        ? readImageData(data, 'train', id)
        : {
            id: `#${provenance.image}`,
            dataUrl: null,
            error: `prototypes.json names no image ${provenance.image}: the file is incomplete`,
          };
  }
  return {
    runDir,
    set,
    index,
    provenance,
    image,
    grid: grid?.grid ?? 0,
    imageSize: grid?.imageSize ?? 0,
    drift: driftSeries(runDir, set, index),
  };
}

/** Every request kind's handler, by kind. */
export const HANDLERS: { [K in RequestKind]: (p: Params<K>) => Result<K> } = {
  metrics,
  analysisIndex,
  prototypeMap,
  attention,
  probeImages,
  promptSource,
};
