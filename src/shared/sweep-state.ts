/**
 * `sweep.json`, the state of a sweep (`spt sweep`), written atomically by the CLI whenever a run
 * starts or ends and read by the extension's Runs view. No TensorFlow, no `vscode`.
 */

import type { RecordedStatus } from '../run-folder/status';

export const SWEEP_STATE_FILE = 'sweep.json';

/** pending: not started (or not yet known); running: a process trains it now (or Slurm has it). */
export type SweepRunStatus = 'pending' | Exclude<RecordedStatus, 'created'>;

export interface SweepRunState {
  /** `<task>/<setting>/seed=<n>`: the run's folder under the sweep folder, and its stable name. */
  name: string;
  task: string;
  /** The setting's name, e.g. `lr=0.01,wd=0.0001` (`base` when nothing varies). */
  setting: string;
  seed: number;
  /** search: part of the grid; final: a re-run of the task's chosen setting (a run may be both). */
  phases: ('search' | 'final')[];
  /** `key=value` overrides of the experiment file, as `spt train --set` takes them. */
  overrides: string[];
  /** Hash of the resolved config (paths absolute; name, output, device, analysis, debug left out). */
  config_hash: string;
  status: SweepRunStatus;
  /** This invocation found it finished with the same config hash and did not run it again. */
  skipped?: boolean;
  val_acc: number | null;
  test_acc: number | null;
  /** The run folder (`<sweep>/<name>/<experiment>/<timestamp>/`), once it exists. */
  run_dir: string | null;
  error?: string;
  /** Slurm: the array job and task that ran it last. */
  slurm?: { job_id: string; array_index: number; state?: string };
}

export interface SweepTaskResult {
  task: string;
  /** The chosen setting (null until every search run of the task has ended, or when none finished). */
  setting: string | null;
  overrides: string[];
  /** Mean val accuracy of the chosen setting over its search seeds. */
  val_acc: number | null;
  /** Test accuracy over the final seeds (the search seeds when there are no final seeds). */
  test_mean: number | null;
  test_std: number | null;
  seeds: number[];
  /** Settings left out of the selection because one of their runs failed. */
  excluded: string[];
}

export interface SweepState {
  version: 1;
  name: string;
  /** The sweep file and the experiment it varies (absolute). */
  file: string;
  experiment: string;
  /** The sweep folder (absolute): `<experiment output.dir>/sweeps/<name>`. */
  dir: string;
  mode: 'local' | 'slurm';
  /** search: the grid runs; final: the chosen settings' seeds; done: the table is written. */
  phase: 'search' | 'final' | 'done';
  select: { metric: string; mode: 'max' | 'min' };
  final_seeds: number[];
  /** Runs planned so far plus the final runs not yet known (tasks x final seeds before selection). */
  total: number;
  runs: SweepRunState[];
  tasks: SweepTaskResult[];
  /** Slurm array jobs submitted, oldest first. */
  slurm_jobs?: { phase: 'search' | 'final'; job_id: string; script: string; runs: string[] }[];
  updated: string;
}
