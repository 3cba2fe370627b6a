/**
 * Compare mode's side-by-side maps: which runs are shown (2-4), the layer and epoch every one of them has,
 * one colour scale for all the attention maps, and whether the runs analysed the same probe images. Pure.
 */
import type { AnalysisIndex } from '../../../src/shared/analysis-contract';
import { valueRange } from './attention';

export const MAX_SIDE_BY_SIDE = 4;

/** The first `max` runs (panel order) and how many more the panel holds. */
export function sideBySideRuns<T>(runs: readonly T[], max = MAX_SIDE_BY_SIDE): { shown: T[]; more: number } {
  const shown = runs.slice(0, max);
  return { shown, more: runs.length - shown.length };
}

export interface CommonChoice {
  /** Layers and epochs every run with an analysis has, ascending. */
  layers: number[];
  epochs: number[];
  layer: number;
  epoch: number;
}

/**
 * The layer and epoch to show in every run: the wanted ones when all analysed runs have them, else the
 * nearest common layer and the newest common epoch. Runs without an analysis (null) are left out; null
 * when fewer than one run has one or the runs share no layer or epoch.
 */
export function commonChoice(
  indexes: readonly (AnalysisIndex | null)[],
  layer: number,
  epoch: number | null,
): CommonChoice | null {
  const present = indexes.filter((i): i is AnalysisIndex => i !== null && i.epochs.length > 0);
  if (present.length === 0) return null;
  const intersect = (sets: number[][]) =>
    sets.reduce((acc, s) => acc.filter((v) => s.includes(v))).sort((a, b) => a - b);
  const epochs = intersect(present.map((i) => i.epochs.map((e) => e.epoch)));
  const layers = intersect(
    present.map((i) => {
      const last = i.epochs.reduce((a, b) => (b.epoch > a.epoch ? b : a));
      const ls = last.layers.map((l) => l.layer);
      return ls.length ? ls : Array.from({ length: i.model.depth }, (_, k) => k);
    }),
  );
  if (epochs.length === 0 || layers.length === 0) return null;
  const chosenLayer = layers.includes(layer)
    ? layer
    : layers.reduce((best, l) => (Math.abs(l - layer) < Math.abs(best - layer) ? l : best), layers[0]);
  const chosenEpoch = epoch !== null && epochs.includes(epoch) ? epoch : epochs[epochs.length - 1];
  return { layers, epochs, layer: chosenLayer, epoch: chosenEpoch };
}

/** One range over several maps, so the same colour means the same attention weight in every run. */
export function sharedRange(maps: readonly (ArrayLike<number> | null)[]): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const m of maps) {
    if (!m) continue;
    const r = valueRange(m);
    if (r.min === 0 && r.max === 0 && !hasFinite(m)) continue;
    min = Math.min(min, r.min);
    max = Math.max(max, r.max);
  }
  return Number.isFinite(min) ? { min, max } : { min: 0, max: 0 };
}

function hasFinite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) return true;
  return false;
}

/**
 * Whether the runs analysed the same probe images (same ids in the same order): null when they did, else
 * a sentence naming the first run (by its name) whose probe set differs.
 */
export function probeMismatch(probes: readonly { name: string; ids: readonly string[] }[]): string | null {
  if (probes.length < 2) return null;
  const first = probes[0];
  for (const p of probes.slice(1)) {
    const same = p.ids.length === first.ids.length && p.ids.every((id, i) => id === first.ids[i]);
    if (!same)
      return `${p.name} analysed other probe images than ${first.name} (${p.ids.length} vs ${first.ids.length}): the maps of a probe index show different images.`;
  }
  return null;
}
