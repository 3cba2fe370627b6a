/**
 * The narrow views of the extension that the runs' commands and UI take instead of the whole context
 * (SptContext implements them all; extension.ts and commands.ts wire it). Types only.
 */
import type { TrainerJob } from '../../shared/trainer-contract';
import type { RunQueue } from './run-queue';
import type { RunView } from './run-tree-model';
import type { RunsIndex } from './runs-index';

/** The runs as shown: disk state with live state merged over it. */
export interface RunsSource {
  views(): RunView[];
}

/** Starts trainer processes: a train job with the settings' overrides; returns the queue id. */
export interface TrainerLauncher {
  enqueueTrain(job: Extract<TrainerJob, { kind: 'train' }>): string;
}

/** The live runs of this window (the run queue), as far as commands follow and stop them. */
export type LiveRuns = Pick<RunQueue, 'active' | 'byRunDir' | 'get' | 'onDidChange' | 'stop'>;

/** The runs on disk, as far as commands change them. */
export type RunsOnDisk = Pick<RunsIndex, 'addFolder' | 'rescan'>;

/** The dashboards, as far as commands open them. */
export interface DashboardOpener {
  openRun(runDir: string): void;
  openCompare(runDirs: readonly string[]): void;
}
