/**
 * The extension's one context object: it owns every disposable (tracked, disposed in reverse), the
 * run queue, the index of runs on disk and their watchers, and knows how a trainer process is
 * started (backend folders, memory budget, log file). deactivate() awaits dispose(), which stops
 * live runs with a resumable checkpoint before anything else goes away.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { RUN_FILES } from '../run-folder/layout';
import type { TrainerJob } from '../shared/trainer-contract';
import { TrainerClient } from '../trainer/client';
import type { DoctorDocuments } from './backends/doctor-view';
import { DashboardManager } from './dashboard/dashboard-manager';
import { experimentOutput } from './experiments/experiment-templates';
import type { Logger } from './logger';
import { errorMessage } from './logger';
import { experimentNameOf, type QueueEntry, RunQueue } from './runs/run-queue';
import { mergeRuns, type RunView } from './runs/run-tree-model';
import { runsFoldersOf } from './runs/runs-folders';
import { RunsIndex } from './runs/runs-index';
import { settingsOverrides } from './runs/trainer-overrides';
import { readSettings } from './settings';
import { SweepLiveRuns } from './sweeps/sweep-live';

const RUN_LOGS_KEY = 'spt.runLogs';
const MAX_REMEMBERED_LOGS = 300;

export class SptContext implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  readonly queue: RunQueue;
  readonly index: RunsIndex;
  /** The dashboard panels (webviews), fed live from the queue's trainer events. */
  readonly dashboards: DashboardManager;
  /** The runs of the sweeps this window started, followed live (Run Sweep). */
  readonly sweepLive = new SweepLiveRuns();
  private readonly sweepLiveChanged = new vscode.EventEmitter<void>();
  /** A run of a sweep this window started reported something. */
  readonly onSweepLiveChange = this.sweepLiveChanged.event;
  private disposing: Promise<void> | undefined;

  constructor(
    readonly extension: vscode.ExtensionContext,
    readonly logger: Logger,
    readonly documents: DoctorDocuments,
  ) {
    this.queue = new RunQueue({
      maxConcurrent: readSettings().maxConcurrentRuns,
      createProcess: (entry) => this.createProcess(entry),
    });
    this.index = new RunsIndex({
      isLive: (runDir) => this.queue.byRunDir(runDir)?.state === 'running',
    });
    this.track(this.index);
    this.track(
      this.queue.onProcessEvent((id, e) => {
        if (e.type !== 'started') return;
        const entry = this.queue.get(id);
        if (entry?.logFile) void this.rememberLog(e.runDir, entry.logFile);
        // <output.dir>/<name>/<timestamp>: make sure that runs folder is watched.
        this.index.addFolder(path.dirname(path.dirname(e.runDir)));
      }),
    );
    this.track(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('spt.maxConcurrentRuns'))
          this.queue.maxConcurrent = readSettings().maxConcurrentRuns;
        if (e.affectsConfiguration('spt.runsFolder')) void this.refreshRunsFolders();
      }),
    );
    this.track(vscode.workspace.onDidChangeWorkspaceFolders(() => void this.refreshRunsFolders()));
    this.dashboards = this.track(new DashboardManager(this));
    this.track(this.sweepLiveChanged);
  }
  /** Takes a stdout line of `spt sweep --events` of the sweep in `sweepDir`; true when it was an event. */
  takeSweepLine(sweepDir: string, line: string): boolean {
    if (!this.sweepLive.takeLine(sweepDir, line)) return false;
    this.sweepLiveChanged.fire();
    return true;
  }

  /** The sweep in `sweepDir` ended: its runs are followed through their folders again. */
  endSweep(sweepDir: string): void {
    this.sweepLive.endSweep(sweepDir);
    this.sweepLiveChanged.fire();
  }

  get extensionPath(): string {
    return this.extension.extensionPath;
  }

  /** package.json's optionalDependencies: the backends Install GPU Backend offers. */
  get optionalDependencies(): Readonly<Record<string, string>> {
    return (
      (this.extension.extension.packageJSON as { optionalDependencies?: Record<string, string> })
        .optionalDependencies ?? {}
    );
  }

  /** Where Install GPU Backend puts node_modules (SPT_BACKEND_DIRS for the trainer and the doctor). */
  get backendsDir(): string {
    return path.join(this.extension.globalStorageUri.fsPath, 'backends');
  }

  /** The backend folders that exist, for SPT_BACKEND_DIRS. */
  backendDirs(): string[] {
    return fs.existsSync(path.join(this.backendsDir, 'node_modules')) ? [this.backendsDir] : [];
  }

  track<T extends { dispose(): unknown }>(d: T): T {
    this.disposables.push(d as vscode.Disposable);
    return d;
  }

  /** Disk state with live state merged over it. */
  views(): RunView[] {
    return mergeRuns(this.index.records(), this.queue.list());
  }

  logFileFor(runDir: string): string | undefined {
    const live = this.queue.byRunDir(runDir)?.logFile;
    if (live) return live;
    const known = this.extension.globalState.get<Record<string, string>>(RUN_LOGS_KEY, {});
    const f = known[path.resolve(runDir)];
    return f && fs.existsSync(f) ? f : undefined;
  }

  private async rememberLog(runDir: string, logFile: string): Promise<void> {
    const known = { ...this.extension.globalState.get<Record<string, string>>(RUN_LOGS_KEY, {}) };
    known[path.resolve(runDir)] = logFile;
    const entries = Object.entries(known).slice(-MAX_REMEMBERED_LOGS);
    await this.extension.globalState.update(RUN_LOGS_KEY, Object.fromEntries(entries));
  }

  private createProcess(entry: Readonly<QueueEntry>): TrainerClient {
    const s = readSettings();
    const logFile = path.join(this.extension.globalStorageUri.fsPath, 'logs', `${entry.id}.log`);
    const job = entry.job;
    const cwd =
      job.kind === 'train' && job.file
        ? path.dirname(job.file)
        : vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const proc = new TrainerClient({
      trainerPath: path.join(this.extensionPath, 'dist', 'trainer.js'),
      job,
      logFile,
      nodePath: s.nodePath || undefined,
      backendDirs: this.backendDirs(),
      memoryMb: s.trainerMemoryMb || undefined,
      heartbeatMs: s.heartbeatTimeoutMs,
      cwd,
      onLog: (level, message) => {
        const line = `[${entry.experiment}] ${message}`;
        if (level === 'warn' || level === 'stderr') this.logger.warn(line);
        else if (level === 'debug') this.logger.debug(line);
        else this.logger.info(line);
      },
    });
    this.logger.info(`starting trainer for ${entry.experiment}: ${JSON.stringify(job)} (log ${logFile})`);
    return proc;
  }

  /** Enqueues a train job with the settings' overrides before the job's own. */
  enqueueTrain(job: Extract<TrainerJob, { kind: 'train' }>): string {
    const overrides = [...settingsOverrides(readSettings()), ...(job.overrides ?? [])];
    const full: TrainerJob = { ...job, overrides };
    let experiment = experimentNameOf(full);
    if (job.file) {
      const out = experimentOutput(job.file);
      if (out) {
        experiment = out.name ?? experiment;
        this.index.addFolder(out.dir);
      }
    }
    return this.queue.enqueue(full, experiment);
  }

  /**
   * The runs folders: `spt.runsFolder` when set, else every workspace folder's `runs/`, the folders
   * holding `<runs>/<experiment>/<timestamp>/` run folders, and the output.dir of experiment files.
   */
  async refreshRunsFolders(): Promise<void> {
    const s = readSettings();
    if (s.runsFolders.length) {
      this.index.setFolders(s.runsFolders);
      return;
    }
    const workspaceFolders = (vscode.workspace.workspaceFolders ?? [])
      .filter((f) => f.uri.scheme === 'file')
      .map((f) => f.uri.fsPath);
    let runFiles: string[] = [];
    let experimentFiles: string[] = [];
    try {
      const exclude = '**/{node_modules,.git}/**';
      const [runs, experiments] = await Promise.all([
        vscode.workspace.findFiles(`**/*/*/*/{${RUN_FILES.summary},${RUN_FILES.events}}`, exclude, 2000),
        vscode.workspace.findFiles('**/*.spt.yaml', exclude, 500),
      ]);
      runFiles = runs.map((f) => f.fsPath);
      experimentFiles = experiments.map((f) => f.fsPath);
    } catch (err) {
      this.logger.warn(`could not look for runs folders: ${errorMessage(err)}`);
    }
    this.index.setFolders(runsFoldersOf({ workspaceFolders, runFiles, experimentFiles }));
  }

  /** Stops live runs (resumable), then disposes everything in reverse order. Idempotent. */
  dispose(): Promise<void> {
    this.disposing ??= (async () => {
      try {
        await this.queue.dispose();
      } catch (err) {
        this.logger.warn(`runs did not stop cleanly: ${errorMessage(err)}`);
      }
      for (const d of this.disposables.splice(0).reverse()) {
        try {
          d.dispose();
        } catch {
          // keep disposing the rest
        }
      }
    })();
    return this.disposing;
  }
}
