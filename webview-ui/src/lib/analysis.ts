/** Choosing what an analysis view shows from a run's analysis index, and the index as series. */
import {
  type AnalysisIndex,
  type AnalysisIndexLayer,
  describeTokenSpace,
} from '../../../src/shared/analysis-contract';

export interface AnalysisChoice {
  epochs: number[];
  layers: number[];
  epoch: number;
  layer: number;
  /** True when the wanted epoch was null (follow the newest analysis). */
  latest: boolean;
}

/**
 * The epoch and layer to show: the wanted ones when the index has them, else the newest epoch and the
 * nearest layer. Null for an index without epochs.
 */
export function chooseAnalysis(
  index: AnalysisIndex,
  layer: number,
  epoch: number | null,
): AnalysisChoice | null {
  const epochs = index.epochs.map((e) => e.epoch).sort((a, b) => a - b);
  if (epochs.length === 0) return null;
  const last = index.epochs.find((e) => e.epoch === epochs[epochs.length - 1])!;
  let layers = last.layers.map((l) => l.layer);
  if (layers.length === 0) layers = Array.from({ length: index.model.depth }, (_, i) => i);
  const chosenEpoch = epoch !== null && epochs.includes(epoch) ? epoch : epochs[epochs.length - 1];
  let chosenLayer = layer;
  if (!layers.includes(layer)) {
    chosenLayer = layers.reduce(
      (best, l) => (Math.abs(l - layer) < Math.abs(best - layer) ? l : best),
      layers[0],
    );
  }
  return {
    epochs,
    layers,
    epoch: chosenEpoch,
    layer: chosenLayer,
    latest: epoch === null || !epochs.includes(epoch),
  };
}

export type IndexMetric =
  | 'nmi'
  | 'ami'
  | 'inertiaRatio'
  | 'nearestCosine'
  | 'meanCosine'
  | 'driftL2'
  | 'driftCosine'
  | 'clsPromptMass'
  | 'patchPromptMass';

/**
 * Whose measure each figure is: the paper's (Wang et al., ICML 2024, name prompt-patch mutual information:
 * the NMI) or this project's additions (the chance correction, inertia, cosine, drift, attention share).
 */
export type MetricOrigin = 'paper' | 'project';

export const METRIC_ORIGIN: Record<IndexMetric | 'clsPatchMass', MetricOrigin> = {
  nmi: 'paper',
  ami: 'project',
  inertiaRatio: 'project',
  nearestCosine: 'project',
  meanCosine: 'project',
  driftL2: 'project',
  driftCosine: 'project',
  clsPromptMass: 'project',
  patchPromptMass: 'project',
  clsPatchMass: 'project',
};

/** A short tag for a metric's title. */
export function originTag(origin: MetricOrigin): string {
  return origin === 'paper' ? 'paper' : 'added';
}

/** A sentence for a metric's help text. */
export function originNote(origin: MetricOrigin): string {
  return origin === 'paper'
    ? "The paper's measure (prompt-patch mutual information, Wang et al., ICML 2024)."
    : "This project's addition, not a figure of the paper.";
}

/** One layer's metric over the analysed epochs (epochs without the layer or value are left out). */
export function indexSeries(index: AnalysisIndex, layer: number, metric: IndexMetric): [number, number][] {
  const out: [number, number][] = [];
  for (const e of [...index.epochs].sort((a, b) => a.epoch - b.epoch)) {
    const l = e.layers.find((x) => x.layer === layer);
    const v = l?.[metric];
    if (typeof v === 'number' && Number.isFinite(v)) out.push([e.epoch, v]);
  }
  return out;
}

/** The mean over layers of a metric at one epoch (null when no layer has it). */
export function layerMean(layers: readonly AnalysisIndexLayer[], metric: IndexMetric): number | null {
  const vals = layers
    .map((l) => l[metric])
    .filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : null;
}

/** Whether an index has any prompt-patch statistics (false for linear probes). */
export function hasPromptStats(index: AnalysisIndex): boolean {
  return index.model.promptLength > 0 && index.epochs.some((e) => e.layers.some((l) => l.nmi !== null));
}

/** A y range on round numbers around [lo, hi], with about `ticks` intervals (0 kept as the floor of positive data). */
export function niceRange(lo: number, hi: number, ticks = 4): { min: number; max: number; interval: number } {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return { min: 0, max: 1, interval: 0.25 };
  if (hi < lo) [lo, hi] = [hi, lo];
  const span = hi - lo || Math.abs(hi) || 1;
  const raw = span / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  let min = Math.floor(lo / step) * step;
  let max = Math.ceil(hi / step) * step;
  if (min === lo && lo !== 0) min -= step;
  if (max === hi) max += step;
  if (lo >= 0 && min < 0) min = 0;
  const round = (v: number) => Number(v.toPrecision(12));
  return { min: round(min), max: round(max), interval: round(step) };
}

/**
 * Which patch tokens the prompts of the shown layers were compared with, as lines for the view (the
 * newest epoch's layers; `all` folds blocks >= 1 into one line).
 */
export function tokenSpaceLines(index: AnalysisIndex, layerChoice: number | 'all'): string[] {
  const last = index.epochs[index.epochs.length - 1];
  const layers = (last?.layers ?? []).filter((l) => layerChoice === 'all' || l.layer === layerChoice);
  const line = (l: AnalysisIndexLayer) => `block ${l.layer}: ${describeTokenSpace(l.layer, l.tokenSpace)}`;
  if (layerChoice !== 'all') return layers.map(line);
  const l0 = layers.find((l) => l.layer === 0);
  const lines = l0 ? [line(l0)] : [];
  const rest = layers.filter((l) => l.layer > 0);
  if (rest.length === 1) lines.push(line(rest[0]));
  else if (rest.length > 1)
    lines.push(
      `blocks ${rest[0].layer}–${rest[rest.length - 1].layer}: the patch tokens entering each block, i.e. leaving the one before (where SPT-deep samples its other sets)`,
    );
  return lines;
}
