/**
 * What a sweep run's folder says: the config hash of a resolved experiment (so an edited config is
 * run again), and the state of the newest run folder with that hash under the run's name
 * (`<sweep>/<task>/<setting>/seed=<n>/<experiment>/<timestamp>/`): finished (skip it), resumable (an
 * interrupted or stopped run: continue it exactly; see src/run-folder/run-resume.ts), running (another
 * process holds its lock),
 * failed (run it again, in a new folder) or missing. Pure Node: no TensorFlow.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadExperiment, type ResolvedExperiment } from '../config/load-config';
import type { RunSummaryFile } from '../shared/run-events';
import { isRunTimestamp, runFile, runTimestampSortKey } from './layout';
import { lastStatusEvent, readSummaryOrNull } from './run-files';
import { runLockHolder } from './run-lock';
import { isResumable, runResumeState } from './run-resume';
import { RUN_STATUS } from './status';

/** Keys sorted at every level, so that equal configs give equal text. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  return v;
}

/**
 * The hash of what a run computes: the resolved config (defaults applied, the checkpoint and data
 * root as absolute paths) without name, output, device, analysis and debug, which change where and
 * how a run is written or computed, not its numbers.
 */
export function configHash(exp: ResolvedExperiment): string {
  const { name, output, device, analysis, debug, ...rest } = exp.config;
  const config = {
    ...rest,
    backbone: { ...rest.backbone, checkpoint: exp.paths.checkpoint },
    data: { ...rest.data, root: exp.paths.dataRoot },
  };
  return createHash('sha256')
    .update(JSON.stringify(canonical(config)))
    .digest('hex')
    .slice(0, 16);
}

/** The hash of a run folder's saved config.yaml (null: missing or no longer valid). */
export function runFolderHash(runDir: string): string | null {
  try {
    return configHash(loadExperiment(runFile(runDir, 'config')));
  } catch {
    return null;
  }
}

export type RunFolderState =
  | { state: 'finished'; runDir: string; summary: RunSummaryFile }
  | { state: 'resumable'; runDir: string }
  | { state: 'running'; runDir: string }
  | { state: 'failed'; runDir: string; error: string }
  | { state: 'missing' };

/** Run folders under a run name's folder, newest first. */
export function runFoldersUnder(nameDir: string): string[] {
  const dirs: string[] = [];
  const list = (d: string) => {
    try {
      return fs
        .readdirSync(d, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name);
    } catch {
      return [];
    }
  };
  for (const exp of list(nameDir))
    for (const stamp of list(path.join(nameDir, exp)))
      if (isRunTimestamp(stamp)) dirs.push(path.join(nameDir, exp, stamp));
  const key = (d: string) => runTimestampSortKey(path.basename(d));
  return dirs.sort((a, b) => key(b).localeCompare(key(a)));
}

/** The state of the run `nameDir` stands for, given the config hash it must have. */
export function runFolderState(nameDir: string, hash: string): RunFolderState {
  const matching = runFoldersUnder(nameDir).filter((d) => runFolderHash(d) === hash);
  for (const d of matching) {
    const s = readSummaryOrNull(d);
    if (s?.status === RUN_STATUS.finished) return { state: 'finished', runDir: d, summary: s };
  }
  const newest = matching[0];
  if (!newest) return { state: 'missing' };
  if (runLockHolder(newest)) return { state: 'running', runDir: newest };
  const s = readSummaryOrNull(newest);
  // A killed trainer leaves `running` (or `created`) behind: interrupted, continued in place
  // (from its last checkpoint, or from the start when it had none). A failed run is run again.
  const r = runResumeState(newest, s?.status ?? lastStatusEvent(newest));
  if (isResumable(r) && r.status !== RUN_STATUS.failed) return { state: 'resumable', runDir: newest };
  return {
    state: 'failed',
    runDir: newest,
    error: s?.error ?? (s ? `the run ${s.status}` : 'the run ended before its first checkpoint'),
  };
}
