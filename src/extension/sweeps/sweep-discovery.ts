/**
 * Sweeps found on disk: `<runsDir>/sweeps/<name>/sweep.json` (written by `spt sweep`) with each of its
 * runs read from its run folder (the folder is the truth; sweep.json says which runs belong to the
 * sweep and which have not started). Pure Node: no `vscode`, no TensorFlow. Never throws.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { RUN_STATUS } from '../../run-folder/status';
import { SWEEP_STATE_FILE, type SweepRunState, type SweepState } from '../../shared/sweep-state';
import { type DiscoverOptions, type RunRecord, readRunRecord } from '../runs/run-discovery';

export interface SweepRunRecord {
  state: SweepRunState;
  /** The run folder's record, once the run has a folder. */
  record?: RunRecord;
}

export interface SweepRecord {
  dir: string;
  name: string;
  /** The sweep file (as sweep.json names it). */
  file: string;
  mode: SweepState['mode'];
  phase: SweepState['phase'];
  /** Runs planned so far, plus the final runs not yet planned. */
  total: number;
  finished: number;
  running: number;
  failed: number;
  runs: SweepRunRecord[];
  /** The results table, once written. */
  resultsFile?: string;
  updated: string;
}

function readState(dir: string): SweepState | null {
  try {
    const s = JSON.parse(fs.readFileSync(path.join(dir, SWEEP_STATE_FILE), 'utf8')) as SweepState;
    return s && typeof s === 'object' && Array.isArray(s.runs) ? s : null;
  } catch {
    return null;
  }
}

/** One sweep folder (null: no readable sweep.json). */
export function readSweep(dir: string, opts: DiscoverOptions = {}): SweepRecord | null {
  const s = readState(dir);
  if (!s) return null;
  const runs: SweepRunRecord[] = s.runs
    .filter((r) => r && typeof r.name === 'string')
    .map((state) => {
      if (!state.run_dir || !fs.existsSync(state.run_dir)) return { state };
      const record = readRunRecord(state.run_dir, opts);
      return { state, record };
    });
  const status = (r: SweepRunRecord) => r.record?.status ?? r.state.status;
  const results = path.join(dir, 'results.md');
  return {
    dir,
    name: typeof s.name === 'string' ? s.name : path.basename(dir),
    file: typeof s.file === 'string' ? s.file : '',
    mode: s.mode === 'slurm' ? 'slurm' : 'local',
    phase: s.phase,
    total: Math.max(Number(s.total) || 0, runs.length),
    finished: runs.filter((r) => status(r) === RUN_STATUS.finished).length,
    running: runs.filter((r) => status(r) === RUN_STATUS.running || status(r) === RUN_STATUS.created).length,
    failed: runs.filter((r) => status(r) === RUN_STATUS.failed).length,
    runs,
    ...(fs.existsSync(results) ? { resultsFile: results } : {}),
    updated: typeof s.updated === 'string' ? s.updated : '',
  };
}

/** The sweeps under a runs folder (`<runsDir>/sweeps/*`), newest first. */
export function discoverSweeps(runsDir: string, opts: DiscoverOptions = {}): SweepRecord[] {
  let names: string[];
  try {
    names = fs
      .readdirSync(path.join(runsDir, 'sweeps'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
  return names
    .map((n) => readSweep(path.join(runsDir, 'sweeps', n), opts))
    .filter((s): s is SweepRecord => s !== null)
    .sort((a, b) => b.updated.localeCompare(a.updated) || a.name.localeCompare(b.name));
}

/**
 * The sweep folder a run folder belongs to (`<sweep>/<task>/<setting>/seed=<n>/<experiment>/<timestamp>`),
 * or undefined for a run of its own.
 */
export function sweepDirOf(runDir: string): string | undefined {
  let d = path.dirname(runDir);
  for (let i = 0; i < 6 && path.dirname(d) !== d; i++) {
    if (path.basename(path.dirname(d)) === 'sweeps' && fs.existsSync(path.join(d, SWEEP_STATE_FILE)))
      return d;
    d = path.dirname(d);
  }
  return undefined;
}
