/**
 * A sweep as runs: settings (grid points crossed with the list's override sets, the seed split out),
 * their stable readable names (`lr=0.01,wd=0.0001`), and per task the search runs and, once a setting
 * is chosen, the final runs. A run is (task, setting, seed): a final run with the search seed is the
 * search run itself. Pure: no files.
 */
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';

/** One override: a config key path and its value. */
export type Override = readonly [key: string, value: unknown];

export interface SweepSpecCore {
  grid: { key: string; values: unknown[] }[];
  list: Override[][];
  finalSeeds: number[];
}

export interface Setting {
  /** The folder name, e.g. `lr=0.01,length=10`; `base` when nothing varies. */
  id: string;
  /** The overrides that make it (the seed left out). */
  overrides: Override[];
  /** Seeds given by the grid or the list (null: the task's seed). */
  seeds: number[] | null;
}

export interface SweepTask {
  name: string;
  overrides: Override[];
  /** The experiment's seed with this task's overrides (used when the setting gives none). */
  seed: number;
}

export interface PlannedRun {
  /** `<task>/<setting>/seed=<n>`. */
  name: string;
  task: string;
  setting: string;
  seed: number;
  /** Task, then setting, then seed overrides as `key=value` (the later wins on the same key). */
  overrides: string[];
}

/** YAML text of a value that `--set` parses back to the same value. */
export function valueText(v: unknown): string {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return stringify(v, { collectionStyle: 'flow', lineWidth: 0 }).trimEnd();
}

export const overrideText = ([key, value]: Override): string => `${key}=${valueText(value)}`;

const shortHash = (v: unknown, n = 6) =>
  createHash('sha256').update(JSON.stringify(v)).digest('hex').slice(0, n);

const KEY_ALIASES: Record<string, string> = { 'train.weight_decay': 'wd' };

/** Short names of the keys: the last part of the path (weight_decay: wd); the whole path where two collide. */
export function keyLabels(keys: readonly string[]): Map<string, string> {
  const short = (k: string) => KEY_ALIASES[k] ?? k.split('.').pop() ?? k;
  const counts = new Map<string, number>();
  for (const k of new Set(keys)) counts.set(short(k), (counts.get(short(k)) ?? 0) + 1);
  return new Map(keys.map((k) => [k, (counts.get(short(k)) ?? 0) > 1 ? k : short(k)]));
}

/** A folder-safe label of a value: numbers as JavaScript writes them, paths by their last part. */
export function valueLabel(v: unknown): string {
  let s: string;
  if (typeof v === 'string') s = v.includes('/') ? (v.replace(/\/+$/, '').split('/').pop() ?? v) : v;
  else if (v !== null && typeof v === 'object') s = JSON.stringify(v);
  else s = String(v);
  s = s.replace(/[^A-Za-z0-9._+-]+/g, '_').replace(/^[._]+/, '') || '_';
  return s.length > 40 ? `${s.slice(0, 32)}~${shortHash(v)}` : s;
}

/** Every combination of the grid (the first key varies slowest), each crossed with every list entry. */
export function combinations(spec: Pick<SweepSpecCore, 'grid' | 'list'>): Override[][] {
  let points: Override[][] = [[]];
  for (const { key, values } of spec.grid)
    points = points.flatMap((p) => values.map((v): Override[] => [...p, [key, v]]));
  const entries = spec.list.length ? spec.list : [[]];
  return points.flatMap((p) => entries.map((e) => [...p, ...e]));
}

const isSeed = (key: string) => key === 'seed';

/** The settings of a sweep in order of first appearance, seeds collected per setting. */
export function settingsOf(spec: Pick<SweepSpecCore, 'grid' | 'list'>): Setting[] {
  const combos = combinations(spec);
  const labels = keyLabels(
    combos
      .flat()
      .map(([k]) => k)
      .filter((k) => !isSeed(k)),
  );
  const byKey = new Map<string, Setting>();
  for (const combo of combos) {
    const rest = combo.filter(([k]) => !isSeed(k));
    const seed = combo.find(([k]) => isSeed(k));
    const identity = JSON.stringify(rest);
    let s = byKey.get(identity);
    if (!s) {
      const id = rest.map(([k, v]) => `${labels.get(k)}=${valueLabel(v)}`).join(',') || 'base';
      s = { id, overrides: rest, seeds: null };
      byKey.set(identity, s);
    }
    if (seed && typeof seed[1] === 'number') {
      s.seeds ??= [];
      if (!s.seeds.includes(seed[1])) s.seeds.push(seed[1]);
    }
  }
  const settings = [...byKey.values()];
  // Different settings whose labels coincide (values that differ only in unsafe characters) get a hash.
  const idCount = new Map<string, number>();
  for (const s of settings) idCount.set(s.id, (idCount.get(s.id) ?? 0) + 1);
  for (const s of settings) {
    if ((idCount.get(s.id) ?? 0) > 1) s.id = `${s.id}~${shortHash(s.overrides)}`;
    if (s.id.length > 150) s.id = `${s.id.slice(0, 140)}~${shortHash(s.overrides)}`;
  }
  return settings;
}

export function runName(task: string, setting: string, seed: number): string {
  return `${task}/${setting}/seed=${seed}`;
}

function plan(task: SweepTask, setting: Setting, seed: number): PlannedRun {
  return {
    name: runName(task.name, setting.id, seed),
    task: task.name,
    setting: setting.id,
    seed,
    overrides: [...task.overrides, ...setting.overrides, ['seed', seed] as const].map(overrideText),
  };
}

/** The search runs: every task x setting x the setting's seeds (the task's seed when it gives none). */
export function searchRuns(tasks: readonly SweepTask[], settings: readonly Setting[]): PlannedRun[] {
  return tasks.flatMap((t) => settings.flatMap((s) => (s.seeds ?? [t.seed]).map((seed) => plan(t, s, seed))));
}

/** The final runs of a task's chosen setting (one per final seed). */
export function finalRuns(task: SweepTask, setting: Setting, seeds: readonly number[]): PlannedRun[] {
  return seeds.map((seed) => plan(task, setting, seed));
}
