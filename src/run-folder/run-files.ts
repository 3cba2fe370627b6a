/**
 * Typed readers of a run folder's JSON files (summary.json, prototypes.json, config.yaml's text, the
 * recorded status): every layer reads them here, so a damaged file gets one wording that names it.
 * Writers: `RunFolder` (./run-folder.ts). Pure Node: no TensorFlow, no `vscode`.
 */
import * as fs from 'node:fs';
import type { RunEvent, RunSummaryFile } from '../shared/run-events';
import { RUN_FILES, runFile } from './layout';
import { readJsonl } from './run-folder';
import { type RecordedStatus, recordedStatusOf } from './status';

/** A run file that exists but cannot be used; the message starts with the file's name. */
export class RunFileError extends Error {
  override name = 'RunFileError';
}

/** One prompt's origin, as prototypes.json records it (the SPT initialisers' provenance). */
export interface PromptOrigin {
  set: number;
  index: number;
  /** The layer whose input tokens were sampled (-1: patch-embedding output). */
  layer: number;
  kind: string;
  /** Training image id (position in `images`). */
  image?: number;
  /** random: the patch index in raster order. */
  patch?: number;
  /** mean/max: the pooled window [start, end) of patch indices. */
  window?: [number, number];
  /** kmeans: how many subset tokens the centre owns. */
  clusterSize?: number;
}

/** prototypes.json: where the initial prompts came from. */
export interface PrototypesFile {
  init: string | null;
  mode: string;
  length: number;
  /** Training image paths, by id. */
  images: string[];
  prompts: PromptOrigin[];
}

function readJson(runDir: string, key: 'summary' | 'prototypes'): unknown {
  let text: string;
  try {
    text = fs.readFileSync(runFile(runDir, key), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RunFileError(`${RUN_FILES[key]}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new RunFileError(`${RUN_FILES[key]}: ${(err as Error).message}`);
  }
}

/** summary.json (null: not written yet). A damaged one, or one without a status, is a RunFileError. */
export function readSummary(runDir: string): RunSummaryFile | null {
  const v = readJson(runDir, 'summary');
  if (v === undefined) return null;
  const status = v && typeof v === 'object' ? recordedStatusOf((v as { status?: unknown }).status) : null;
  if (!status) throw new RunFileError(`${RUN_FILES.summary} has no status`);
  return { ...(v as RunSummaryFile), status };
}

/** summary.json, or null when it is missing or damaged (readers that fall back to events.jsonl). */
export function readSummaryOrNull(runDir: string): RunSummaryFile | null {
  try {
    return readSummary(runDir);
  } catch {
    return null;
  }
}

/** prototypes.json (null: the run has none, e.g. a linear probe). A damaged one is a RunFileError. */
export function readPrototypes(runDir: string): Partial<PrototypesFile> | null {
  const v = readJson(runDir, 'prototypes');
  if (v === undefined) return null;
  if (!v || typeof v !== 'object') throw new RunFileError(`${RUN_FILES.prototypes} is not an object`);
  return v as Partial<PrototypesFile>;
}

/** config.yaml's text (the resolved experiment the run was started with). Throws the read error. */
export function readRunConfigText(runDir: string): string {
  return fs.readFileSync(runFile(runDir, 'config'), 'utf8');
}

/** events.jsonl's complete, parseable lines (a legacy `initialising` status event read as `created`). */
export function readRunEvents(runDir: string): RunEvent[] {
  return readJsonl<RunEvent>(runFile(runDir, 'events')).map((e) => {
    if (e?.type !== 'status') return e;
    const status = recordedStatusOf(e.status);
    return status && status !== e.status ? { ...e, status } : e;
  });
}

/** The status of the last status event in events.jsonl (a run killed before summary.json), or null. */
export function lastStatusEvent(runDir: string): RecordedStatus | null {
  let status: RecordedStatus | null = null;
  for (const e of readRunEvents(runDir))
    if (e && e.type === 'status') status = recordedStatusOf(e.status) ?? status;
  return status;
}

/** The status the folder records: summary.json's, else the last status event's (null: neither yet). */
export function recordedStatus(runDir: string): RecordedStatus | null {
  return readSummaryOrNull(runDir)?.status ?? lastStatusEvent(runDir);
}
