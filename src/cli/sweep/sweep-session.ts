/**
 * A sweep's state while `spt sweep` works on it: the planned runs with their config hashes, what their
 * folders say (finished runs with the same hash are skipped, interrupted ones resumed, failed and
 * missing ones run), the selection per task, the final runs, and `sweep.json` plus the results table,
 * rewritten atomically as things change. Local and Slurm sweeps share all of it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadExperiment } from '../../config/load-config';
import { finalRuns, type PlannedRun, searchRuns, valueText } from '../../config/sweep/expand';
import type { LoadedSweep } from '../../config/sweep/sweep-file';
import { writeFileAtomic } from '../../run-folder/atomic-write';
import { configHash, type RunFolderState, runFolderState } from '../../run-folder/sweep-run-state';
import {
  SWEEP_STATE_FILE,
  type SweepRunState,
  type SweepState,
  type SweepTaskResult,
} from '../../shared/sweep-state';
import type { TrainerJob } from '../../shared/trainer-contract';
import { resultsCsv, resultsMarkdown, type Selection, selectSetting, taskResult } from './results';

export type RunAction =
  | { action: 'skip'; runDir: string }
  | { action: 'busy'; runDir: string }
  | { action: 'run'; job: Extract<TrainerJob, { kind: 'train' }>; resume: string | null };

/**
 * What to do for a run: skip it (finished with this config), leave it (another process trains it),
 * resume its interrupted folder, or start it in a new folder under `nameDir`.
 */
export function runAction(
  nameDir: string,
  hash: string,
  experimentFile: string,
  overrides: string[],
): RunAction {
  const s = runFolderState(nameDir, hash);
  if (s.state === 'finished') return { action: 'skip', runDir: s.runDir };
  if (s.state === 'running') return { action: 'busy', runDir: s.runDir };
  if (s.state === 'resumable')
    return { action: 'run', job: { kind: 'train', resume: s.runDir }, resume: s.runDir };
  return {
    action: 'run',
    job: {
      kind: 'train',
      file: experimentFile,
      overrides: [...overrides, `output.dir=${valueText(nameDir)}`],
    },
    resume: null,
  };
}

export class SweepSession {
  readonly state: SweepState;
  private readonly hashes = new Map<string, string>();
  /** The runs of the last sweep.json (their Slurm jobs are kept when the config is unchanged). */
  private readonly previous: Map<string, SweepRunState>;

  constructor(
    readonly loaded: LoadedSweep,
    mode: 'local' | 'slurm',
  ) {
    const previous = readSweepState(loaded.dir);
    this.state = {
      version: 1,
      name: loaded.spec.name,
      file: loaded.spec.file,
      experiment: loaded.spec.experimentFile,
      dir: loaded.dir,
      mode,
      phase: 'search',
      select: loaded.spec.select,
      final_seeds: loaded.spec.finalSeeds,
      total: 0,
      runs: [],
      tasks: [],
      slurm_jobs: previous?.slurm_jobs ?? [],
      updated: new Date().toISOString(),
    };
    this.previous = new Map((previous?.runs ?? []).map((r) => [r.name, r]));
  }

  get dir(): string {
    return this.loaded.dir;
  }

  nameDir(run: Pick<SweepRunState, 'name'>): string {
    return path.join(this.loaded.dir, ...run.name.split('/'));
  }

  private hashOf(p: PlannedRun): string {
    const key = JSON.stringify(p.overrides);
    let h = this.hashes.get(key);
    if (!h) {
      h = configHash(loadExperiment(this.loaded.spec.experimentFile, p.overrides));
      this.hashes.set(key, h);
    }
    return h;
  }

  /** Adds planned runs (a run already planned gains the phase) and reads their folders. */
  add(planned: readonly PlannedRun[], phase: 'search' | 'final'): SweepRunState[] {
    const out: SweepRunState[] = [];
    for (const p of planned) {
      let run = this.state.runs.find((r) => r.name === p.name);
      if (!run) {
        const prev = this.previous.get(p.name);
        const hash = this.hashOf(p);
        run = {
          name: p.name,
          task: p.task,
          setting: p.setting,
          seed: p.seed,
          phases: [],
          overrides: p.overrides,
          config_hash: hash,
          status: 'pending',
          val_acc: null,
          test_acc: null,
          run_dir: null,
          ...(prev?.slurm && prev.config_hash === hash ? { slurm: prev.slurm } : {}),
        };
        this.state.runs.push(run);
        const s = this.refresh(run);
        if (s.state === 'finished') run.skipped = true;
      }
      if (!run.phases.includes(phase)) run.phases.push(phase);
      out.push(run);
    }
    this.updateTotal();
    return out;
  }

  /** Reads the run's folder into its state (the folder is the truth; Slurm only adds why). */
  refresh(run: SweepRunState): RunFolderState {
    const s = runFolderState(this.nameDir(run), run.config_hash);
    run.val_acc = null;
    run.test_acc = null;
    delete run.error;
    switch (s.state) {
      case 'finished':
        run.status = 'finished';
        run.run_dir = s.runDir;
        run.val_acc = s.summary.val_acc;
        run.test_acc = s.summary.test_acc;
        break;
      case 'running':
        run.status = 'running';
        run.run_dir = s.runDir;
        break;
      case 'resumable':
        run.status = 'stopped';
        run.run_dir = s.runDir;
        break;
      case 'failed':
        run.status = 'failed';
        run.run_dir = s.runDir;
        run.error = s.error;
        break;
      case 'missing':
        run.status = 'pending';
        run.run_dir = null;
        break;
    }
    return s;
  }

  action(run: SweepRunState): RunAction {
    return runAction(this.nameDir(run), run.config_hash, this.loaded.spec.experimentFile, run.overrides);
  }

  searchPlan(): PlannedRun[] {
    return searchRuns(this.loaded.tasks, this.loaded.spec.settings);
  }

  runsOf(task: string, phase: 'search' | 'final'): SweepRunState[] {
    return this.state.runs.filter((r) => r.task === task && r.phases.includes(phase));
  }

  selection(task: string): Selection {
    return selectSetting(
      this.loaded.spec.settings,
      this.runsOf(task, 'search'),
      this.loaded.spec.select.mode,
    );
  }

  /** The final runs of every task whose selection is made (added to the state). */
  planFinal(): SweepRunState[] {
    const out: SweepRunState[] = [];
    for (const t of this.loaded.tasks) {
      const sel = this.selection(t.name);
      if (sel.state !== 'chosen' || !this.loaded.spec.finalSeeds.length) continue;
      out.push(...this.add(finalRuns(t, sel.setting, this.loaded.spec.finalSeeds), 'final'));
    }
    return out;
  }

  private updateTotal(): void {
    const seeds = this.loaded.spec.finalSeeds.length;
    const unplanned = this.loaded.tasks.filter(
      (t) => !this.state.runs.some((r) => r.task === t.name && r.phases.includes('final')),
    );
    this.state.total =
      this.state.runs.length + (this.state.phase === 'search' ? unplanned.length * seeds : 0);
  }

  setPhase(phase: SweepState['phase']): void {
    this.state.phase = phase;
    this.updateTotal();
  }

  /** The table rows: selection per task, test over the final seeds (or the search seeds without any). */
  results(): SweepTaskResult[] {
    return this.loaded.tasks.map((t) => {
      const sel = this.selection(t.name);
      const report =
        sel.state !== 'chosen'
          ? []
          : this.loaded.spec.finalSeeds.length
            ? this.runsOf(t.name, 'final').filter((r) => r.setting === sel.setting.id)
            : this.runsOf(t.name, 'search').filter((r) => r.setting === sel.setting.id);
      return taskResult(t.name, sel, report);
    });
  }

  save(): void {
    this.state.updated = new Date().toISOString();
    fs.mkdirSync(this.loaded.dir, { recursive: true });
    writeFileAtomic(path.join(this.loaded.dir, SWEEP_STATE_FILE), `${JSON.stringify(this.state, null, 2)}\n`);
  }

  /** Computes the table, writes results.md, results.csv and sweep.json; returns the Markdown. */
  writeResults(): string {
    this.state.tasks = this.results();
    const md = resultsMarkdown(this.state);
    const header = `Sweep ${this.state.name} (${path.basename(this.state.experiment)}): setting chosen on val per task; test accuracy of the chosen setting over ${this.loaded.spec.finalSeeds.length ? `final seeds ${this.loaded.spec.finalSeeds.join(', ')}` : 'its search seeds'}.`;
    writeFileAtomic(path.join(this.loaded.dir, 'results.md'), `# ${header}\n\n${md}\n`);
    writeFileAtomic(path.join(this.loaded.dir, 'results.csv'), resultsCsv(this.state));
    this.save();
    return `${header}\n\n${md}`;
  }
}

/** A sweep folder's sweep.json (null: none or unreadable). */
export function readSweepState(dir: string): SweepState | null {
  try {
    const s = JSON.parse(fs.readFileSync(path.join(dir, SWEEP_STATE_FILE), 'utf8')) as SweepState;
    return s && Array.isArray(s.runs) ? s : null;
  } catch {
    return null;
  }
}
