/**
 * Whether and how a run folder can be continued, in one place for every reader (the sweep's planner,
 * the extension's run discovery, `spt train --resume` and the trainer):
 * - a run recorded as `running` or `created` (`initialising` in older folders) that no live process writes (SIGKILL, an OOM kill,
 *   a lost Slurm node) is `interrupted`;
 * - an interrupted, stopped or failed run with a last checkpoint continues from it (`checkpoint`);
 * - an interrupted run stopped before its first checkpoint starts again from its saved config.yaml,
 *   in the same folder (`restart`; everything is seeded, so its numbers equal an uninterrupted run's);
 * - a run whose config.yaml is missing or damaged cannot be continued: it is started again from its
 *   experiment file, and `savedRunConfig` says so and how.
 * Pure Node: no TensorFlow, no `vscode`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadExperiment, parseExperiment, type ResolvedExperiment } from '../config/load-config';
import { checkpointSidecar, RUN_FILES, runFile } from './layout';
import { RUN_LOCK_FILE, runLockHolder } from './run-lock';
import { isActiveStatus, mayResume, type RecordedStatus, RUN_STATUS, type RunStatus } from './status';

export interface RunResumeState {
  status: RunStatus;
  /** A live process writes the folder (it holds the run lock, or the caller knows it trains it). */
  live: boolean;
  /**
   * How `spt train --resume` continues it: from its last checkpoint, from the start with its saved
   * config.yaml (`restart`), or not at all (null: finished, live, or nothing to continue from).
   */
  resume: 'checkpoint' | 'restart' | null;
}

/** checkpoints/last.json (or the previous generation that loading falls back to) exists. */
export function hasLastCheckpoint(runDir: string): boolean {
  return (
    fs.existsSync(checkpointSidecar(runDir, 'last')) || fs.existsSync(checkpointSidecar(runDir, 'last', true))
  );
}

/** Why the run's saved config.yaml cannot be used (missing, torn, invalid), or null when it can. */
export function savedConfigProblem(runDir: string): string | null {
  const file = runFile(runDir, 'config');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT'
      ? 'it is missing (the run stopped before it was saved)'
      : `it cannot be read (${(err as Error).message})`;
  }
  if (!text.trim()) return 'it is empty';
  const parsed = parseExperiment(text);
  if (parsed.config) return null;
  const first = parsed.problems.find((p) => p.severity === 'error');
  return `it is damaged (line ${first?.line ?? 1}: ${first?.message ?? 'not a valid experiment'})`;
}

/**
 * The state of a run folder whose recorded status (summary.json's, else the last status event;
 * null when neither exists yet) is `recorded`. `isLive` adds what the caller knows of live
 * processes (the extension's own trainers); the run lock says the rest.
 */
export function runResumeState(
  runDir: string,
  recorded: RecordedStatus | null,
  isLive?: (runDir: string) => boolean,
): RunResumeState {
  const active = recorded === null || isActiveStatus(recorded);
  const live = (isLive?.(runDir) ?? false) || (active && runLockHolder(runDir) !== null);
  const status: RunStatus = active && !live ? RUN_STATUS.interrupted : (recorded ?? RUN_STATUS.created);
  let resume: RunResumeState['resume'] = null;
  if (!live && mayResume(status)) {
    if (hasLastCheckpoint(runDir)) resume = 'checkpoint';
    else if (status === RUN_STATUS.interrupted && savedConfigProblem(runDir) === null) resume = 'restart';
  }
  return { status, live, resume };
}

/** Whether `spt train --resume` (and the Runs view's Resume) can continue the run. */
export function isResumable(state: RunResumeState): boolean {
  return state.resume !== null;
}

/** `spt train --resume` on a folder that cannot be resumed: the message says why and what works. */
export class RunResumeError extends Error {
  override name = 'RunResumeError';
}

/** Whether `dir` looks like a run folder (something the trainer writes is there). */
function looksLikeRun(dir: string): boolean {
  return [RUN_FILES.checkpoints, RUN_FILES.events, RUN_FILES.summary, RUN_LOCK_FILE].some((f) =>
    fs.existsSync(path.join(dir, f)),
  );
}

/**
 * The experiment a run folder was started with (its config.yaml, with `overrides`), for resuming it.
 * A folder that is not a run folder, or whose config.yaml is missing or damaged, is a RunResumeError
 * that says to start the run again from its experiment file, and how. A problem caused by an
 * override is the ConfigError loading reports.
 */
export function savedRunConfig(runDir: string, overrides: string[] = []): ResolvedExperiment {
  let isDir = false;
  try {
    isDir = fs.statSync(runDir).isDirectory();
  } catch {
    // missing
  }
  const runs = 'a run folder is runs/<name>/<YYYYMMDD-HHMMSS>/, printed when the run started';
  if (!isDir) throw new RunResumeError(`${runDir}: no such run folder (${runs})`);
  const problem = savedConfigProblem(runDir);
  if (problem) {
    const file = path.join(runDir, RUN_FILES.config);
    if (!looksLikeRun(runDir) && !fs.existsSync(file))
      throw new RunResumeError(`${runDir} is not a run folder (no config.yaml; ${runs})`);
    const name = path.basename(path.dirname(path.resolve(runDir)));
    throw new RunResumeError(
      `${file}: ${problem}, so this run cannot be resumed. Start it again from its experiment file ` +
        `(the one named '${name}'): \`spt train <experiment.spt.yaml>\` with the same --set options; ` +
        `it trains into a new run folder, and ${runDir} can be deleted`,
    );
  }
  return loadExperiment(path.join(runDir, RUN_FILES.config), overrides);
}

/**
 * Readies a run that stopped before its first checkpoint for a restart in the same folder: what its
 * first attempt wrote (metrics, summary, initial prompts, analysis, any checkpoint files, temporary
 * files) is removed, so that the restart writes them again as an uninterrupted run would; config.yaml,
 * events.jsonl (the run's history) and the lock stay. Returns the names removed.
 */
export function clearForRestart(runDir: string): string[] {
  const removed: string[] = [];
  const rm = (rel: string) => {
    const p = path.join(runDir, rel);
    if (!fs.existsSync(p)) return;
    fs.rmSync(p, { recursive: true, force: true });
    removed.push(rel);
  };
  for (const f of [RUN_FILES.metrics, RUN_FILES.summary, RUN_FILES.promptsInit, RUN_FILES.prototypes]) rm(f);
  rm(RUN_FILES.analysis);
  let names: string[] = [];
  try {
    names = fs.readdirSync(path.join(runDir, RUN_FILES.checkpoints));
  } catch {
    fs.mkdirSync(path.join(runDir, RUN_FILES.checkpoints), { recursive: true });
  }
  for (const n of names) rm(path.join(RUN_FILES.checkpoints, n));
  for (const n of fs.readdirSync(runDir)) if (/^\..+\.tmp$/.test(n)) rm(n);
  return removed;
}
