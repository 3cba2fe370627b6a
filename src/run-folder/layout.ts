/**
 * What a run is on disk, by name: `runs/<name>/<YYYYMMDD-HHMMSS>[-n]/` with config.yaml, metrics.jsonl,
 * events.jsonl, checkpoints/ (`last.json`, `best.json` sidecars and their `.prev.json` generations),
 * prompts_init.safetensors, prototypes.json, analysis/ (`index.json`), summary.json, run.lock and the
 * user's note.json. Every
 * layer (engine, CLI, sweeps, extension, dashboard) names these files through this module only
 * (test/unit/run-folder/one-home.test.ts greps for the names elsewhere). Pure: no Node imports beyond
 * `path`, so every bundle can use it.
 */
import * as path from 'node:path';

export const RUN_FILES = {
  config: 'config.yaml',
  metrics: 'metrics.jsonl',
  events: 'events.jsonl',
  checkpoints: 'checkpoints',
  promptsInit: 'prompts_init.safetensors',
  prototypes: 'prototypes.json',
  analysis: 'analysis',
  summary: 'summary.json',
  lock: 'run.lock',
  /** The user's note and tags (the Runs view's Set Run Note). */
  note: 'note.json',
} as const;

export type RunFileKey = keyof typeof RUN_FILES;

/** The checkpoint sidecars under checkpoints/: the latest and the best on validation. */
export type CheckpointKind = 'last' | 'best';

/** `checkpoints/<kind>.json` (`<kind>.prev.json`: the generation a damaged sidecar falls back to). */
export function checkpointSidecarName(kind: CheckpointKind, previous = false): string {
  return previous ? `${kind}.prev.json` : `${kind}.json`;
}

/** The analysis folder's index of epochs. */
export const ANALYSIS_INDEX = 'index.json';

/** `<runDir>/<file>` for one of the run's files. */
export function runFile(runDir: string, key: RunFileKey): string {
  return path.join(runDir, RUN_FILES[key]);
}

/** `<runDir>/checkpoints/<name>`. */
export function checkpointFile(runDir: string, name: string): string {
  return path.join(runDir, RUN_FILES.checkpoints, name);
}

/** `<runDir>/checkpoints/<kind>.json` (or its previous generation). */
export function checkpointSidecar(runDir: string, kind: CheckpointKind, previous = false): string {
  return checkpointFile(runDir, checkpointSidecarName(kind, previous));
}

/** `<runDir>/analysis/<name>` (no name: the folder). */
export function analysisFile(runDir: string, name?: string): string {
  return name ? path.join(runDir, RUN_FILES.analysis, name) : path.join(runDir, RUN_FILES.analysis);
}

/** `<runDir>/analysis/index.json`. */
export function analysisIndexFile(runDir: string): string {
  return analysisFile(runDir, ANALYSIS_INDEX);
}

// ---------------------------------------------------------------------------------- the time stamp

/** A run folder's own name: its start time, `-<n>` when two runs started in the same second. */
export const RUN_TIMESTAMP = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})(?:-(\d+))?$/;

/** The folder name of a run started at `d` (local time). */
export function formatRunTimestamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** Whether a folder name is a run's time stamp. */
export function isRunTimestamp(name: string): boolean {
  return RUN_TIMESTAMP.test(name);
}

/** `20261127-020337` -> that local time; null for any other name. */
export function parseRunTimestamp(name: string): Date | null {
  const m = RUN_TIMESTAMP.exec(name);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  const date = new Date(y, mo - 1, d, h, mi, s);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** A key that sorts run folder names by start time, then by their `-<n>` suffix. */
export function runTimestampSortKey(name: string): string {
  const m = RUN_TIMESTAMP.exec(name);
  if (!m) return name;
  return `${m.slice(1, 7).join('')}${(m[7] ?? '0').padStart(6, '0')}`;
}
