/**
 * Attention map shaping. A layer's maps are flattened row-major [P, H + 1, g, g]: probe image p, head h
 * (h = H is the mean over heads), patch row r, patch column c at ((p * (H + 1) + h) * g + r) * g + c.
 */
import type { AnalysisIndex, AnalysisIndexEntry, MassShare } from '../../../src/shared/analysis-contract';

export type HeadChoice = number | 'mean';

/** The head axis index: 0..H-1, or H for the head mean (also for out-of-range heads). */
export function headIndex(head: HeadChoice, numHeads: number): number {
  if (head === 'mean' || !Number.isInteger(head) || head < 0 || head >= numHeads) return numHeads;
  return head;
}

export function mapOffset(probe: number, head: number, numHeads: number, grid: number): number {
  return (probe * (numHeads + 1) + head) * grid * grid;
}

/** Checks a flattened map array against its shape; returns why it does not fit, or null. */
export function checkMaps(
  flat: ArrayLike<number>,
  probes: number,
  numHeads: number,
  grid: number,
): string | null {
  const want = probes * (numHeads + 1) * grid * grid;
  if (flat.length !== want) {
    return `expected ${probes} x ${numHeads + 1} x ${grid} x ${grid} = ${want} values, got ${flat.length}`;
  }
  return null;
}

/** One g x g map (row-major) of probe `probe` and head choice `head`. */
export function extractMap(
  flat: ArrayLike<number>,
  probe: number,
  head: HeadChoice,
  numHeads: number,
  grid: number,
): number[] {
  const start = mapOffset(probe, headIndex(head, numHeads), numHeads, grid);
  const out = new Array<number>(grid * grid);
  for (let i = 0; i < out.length; i++) out[i] = flat[start + i] ?? Number.NaN;
  return out;
}

export function valueRange(values: ArrayLike<number>): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return Number.isFinite(min) ? { min, max } : { min: 0, max: 0 };
}

/** Values scaled to [0, 1] by their range (all 0 for a flat map). */
export function normalise(values: ArrayLike<number>, range = valueRange(values)): number[] {
  const span = range.max - range.min;
  return Array.from(values, (v) => (Number.isFinite(v) && span > 0 ? (v - range.min) / span : 0));
}

/** Magma-like colour map (dark purple -> orange -> pale yellow), t in [0, 1] -> [r, g, b] 0..255. */
const STOPS: [number, number, number][] = [
  [0, 0, 4],
  [59, 15, 112],
  [140, 41, 129],
  [222, 73, 104],
  [254, 159, 109],
  [252, 253, 191],
];

export function colormap(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const a = STOPS[i];
  const b = STOPS[i + 1];
  return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * f)) as [number, number, number];
}

/** The patch cells (row, col) a prompt's provenance covers: one patch (random) or a window of patches. */
export function provenanceCells(
  prov: { patch?: number; window?: [number, number] } | null,
  grid: number,
): [number, number][] {
  if (!prov || grid <= 0) return [];
  const cells: number[] = [];
  if (prov.window) for (let i = prov.window[0]; i < prov.window[1]; i++) cells.push(i);
  else if (prov.patch !== undefined) cells.push(prov.patch);
  return cells.filter((i) => i >= 0 && i < grid * grid).map((i) => [Math.floor(i / grid), i % grid]);
}

/** Where the CLS query's attention goes, per layer of an index entry (CLS share = the rest). */
export function clsMassByLayer(entry: AnalysisIndexEntry): (MassShare & { layer: number })[] {
  return entry.layers.map((l) => {
    const prompts = Number.isFinite(l.clsPromptMass) ? l.clsPromptMass : 0;
    const patches = Number.isFinite(l.clsPatchMass) ? l.clsPatchMass : 0;
    return { layer: l.layer, cls: Math.max(0, 1 - prompts - patches), prompts, patches };
  });
}

/** One block's attention share to the prompts at the first and the last analysed epoch (null: not recorded). */
export interface PromptShareRow {
  layer: number;
  clsInit: number | null;
  clsEnd: number | null;
  patchInit: number | null;
  patchEnd: number | null;
}

export interface PromptShare {
  /** The first analysed epoch (0: the initial prompts) and the last one; null without epochs. */
  initEpoch: number | null;
  endEpoch: number | null;
  /** The share uniform attention over the 1 + N + T keys would give the N prompts. */
  uniform: number;
  rows: PromptShareRow[];
}

/**
 * The share of attention the CLS query and the patch queries give to the prompts, per block, at
 * initialisation (the first analysed epoch) and at the end (the last): the mechanism the paper names.
 */
export function promptShareByLayer(index: AnalysisIndex): PromptShare {
  const epochs = [...index.epochs].sort((a, b) => a.epoch - b.epoch);
  const N = index.model.promptLength;
  const uniform = N > 0 ? N / (1 + N + index.model.grid * index.model.grid) : 0;
  if (epochs.length === 0) return { initEpoch: null, endEpoch: null, uniform, rows: [] };
  const first = epochs[0];
  const last = epochs[epochs.length - 1];
  const num = (v: number | undefined) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const layers = [...new Set([...first.layers, ...last.layers].map((l) => l.layer))].sort((a, b) => a - b);
  const rows = layers.map((layer) => {
    const a = first.layers.find((l) => l.layer === layer);
    const b = last.layers.find((l) => l.layer === layer);
    return {
      layer,
      clsInit: num(a?.clsPromptMass),
      clsEnd: num(b?.clsPromptMass),
      patchInit: num(a?.patchPromptMass),
      patchEnd: num(b?.patchPromptMass),
    };
  });
  return { initEpoch: first.epoch, endEpoch: last.epoch, uniform, rows };
}

/** What the colour bar of an attention map measures (its name and unit). */
export const ATTENTION_UNIT = 'attention weight (share of the query’s softmax, 0–1)';

/**
 * What the probe set covers: `8 probe images, one per class: 8 of 10 classes` (the probe set holds one
 * image per class, at most `analysis.probe_images`), or, when a class repeats, how many distinct ones.
 */
export function probeCoverage(labels: readonly number[], numClasses: number | null): string {
  const distinct = new Set(labels).size;
  const images = `${labels.length} probe image${labels.length === 1 ? '' : 's'}`;
  const of = numClasses && numClasses > 0 ? ` of ${numClasses}` : '';
  if (distinct === labels.length)
    return `${images}, one per class: ${distinct}${of} class${distinct === 1 && !of ? '' : 'es'}`;
  return `${images} of ${distinct}${of} class${distinct === 1 && !of ? '' : 'es'}`;
}
