/**
 * The dashboard panels: one per run (keyed by its folder) and one per set of compared runs (keyed by
 * the sorted folders); opening one again reveals it. Panels survive a reload through the webview
 * panel serializer (the webview's state names the mode and runs). The trainer processes' events of
 * the runs on show are forwarded live: metric lines (batched), new analysis epochs, and summaries.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunEvent } from '../../shared/run-events';
import { DASHBOARD_VIEW_TYPE, type DashboardMode, type DashboardRun } from '../../shared/webview-contract';
import type { TrainerProcessEvent } from '../../trainer/client';
import { errorMessage, type Logger } from '../logger';
import type { RunQueue } from '../runs/run-queue';
import { DashboardPanel, type PanelHost, webviewOptions } from './dashboard-panel';
import { LineBatcher, type LiveRunState, linesOfEvent } from './live-metrics';
import { distinctRunDirs, panelKey, restoredRuns } from './panel-keys';
import { readDashboardRun } from './run-summary';

const SUMMARY_EVENTS: ReadonlySet<RunEvent['type']> = new Set(['status', 'epoch', 'summary']);
/** A live run's progress line (steps, throughput, ETA) is re-sent at most this often. */
const PROGRESS_MS = 1000;

/** What the dashboards need of the extension (SptContext has it): its folder, its log and the run queue. */
export interface DashboardDeps {
  readonly logger: Logger;
  readonly extension: { readonly extensionUri: vscode.Uri };
  readonly queue: Pick<RunQueue, 'byRunDir' | 'get' | 'onProcessEvent'>;
}

export class DashboardManager implements vscode.Disposable, PanelHost {
  private readonly panels = new Map<string, DashboardPanel>();
  private readonly live = new Map<string, LiveRunState>();
  private readonly runDirOfId = new Map<string, string>();
  private readonly summaryTimers = new Map<string, { timer: NodeJS.Timeout; at: number }>();
  private readonly batcher = new LineBatcher((runDir, lines) => {
    for (const p of this.panelsShowing(runDir)) p.postLines(p.shows(runDir) ?? runDir, lines);
  });
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly ctx: DashboardDeps) {
    this.subscriptions.push(ctx.queue.onProcessEvent((id, e) => this.onProcessEvent(id, e)));
  }

  get logger() {
    return this.ctx.logger;
  }

  get extensionUri(): vscode.Uri {
    return this.ctx.extension.extensionUri;
  }

  runFor(runDir: string): DashboardRun {
    return readDashboardRun(runDir, this.ctx.queue.byRunDir(runDir));
  }

  isQueueLive(runDir: string): boolean {
    return this.ctx.queue.byRunDir(runDir)?.state === 'running';
  }

  openRun(runDir: string): void {
    this.show('run', [runDir]);
  }

  openCompare(runDirs: readonly string[]): void {
    this.show('compare', runDirs);
  }

  /** The open panels (for the extension's API and tests). */
  open(): { key: string; mode: DashboardMode; runDirs: string[]; visible: boolean }[] {
    return [...this.panels.values()].map((p) => ({
      key: p.key,
      mode: p.mode,
      runDirs: [...p.runDirs],
      visible: p.panel.visible,
    }));
  }

  registerSerializer(): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => {
        const restored = restoredRuns(state);
        if (!restored) {
          this.logger.info('dashboard: a restored dashboard named no runs; closing it');
          panel.dispose();
          return;
        }
        const key = panelKey(restored.mode, restored.runDirs);
        const existing = this.panels.get(key);
        if (existing) {
          panel.dispose();
          existing.reveal();
          return;
        }
        this.adopt(panel, key, restored.mode, distinctRunDirs(restored.runDirs));
      },
    });
  }

  private title(mode: DashboardMode, runDirs: readonly string[]): string {
    if (mode === 'compare') return `SPT: Compare ${runDirs.length} Runs`;
    const dir = runDirs[0];
    return `SPT: ${path.basename(path.dirname(dir))} ${path.basename(dir)}`;
  }

  private show(mode: DashboardMode, runDirs: readonly string[]): void {
    const dirs = distinctRunDirs(runDirs);
    const key = panelKey(mode, dirs);
    const existing = this.panels.get(key);
    if (existing) {
      existing.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      DASHBOARD_VIEW_TYPE,
      this.title(mode, dirs),
      { viewColumn: vscode.ViewColumn.Active, preserveFocus: false },
      { ...webviewOptions(this.extensionUri), retainContextWhenHidden: false },
    );
    this.adopt(panel, key, mode, dirs);
  }

  private adopt(panel: vscode.WebviewPanel, key: string, mode: DashboardMode, runDirs: string[]): void {
    panel.title = this.title(mode, runDirs);
    const p = new DashboardPanel(panel, key, mode, runDirs, this);
    this.panels.set(key, p);
    p.onDidDispose(() => {
      if (this.panels.get(key) === p) this.panels.delete(key);
    });
    this.logger.debug(`dashboard: opened ${key.replace(/\n/g, ', ')}`);
  }

  private panelsShowing(runDir: string): DashboardPanel[] {
    return [...this.panels.values()].filter((p) => p.shows(runDir));
  }

  private onProcessEvent(id: string, e: TrainerProcessEvent): void {
    try {
      if (e.type === 'started') this.runDirOfId.set(id, e.runDir);
      const runDir = this.runDirOfId.get(id) ?? this.ctx.queue.get(id)?.runDir;
      if (!runDir) return;
      if (e.type === 'run') this.onRunEvent(runDir, e.event);
      else if (e.type === 'finished' || e.type === 'failed' || e.type === 'stopped') {
        this.batcher.flushNow(runDir);
        this.summarySoon(runDir);
        this.runDirOfId.delete(id);
        this.live.delete(runDir);
      }
    } catch (err) {
      this.logger.warn(`dashboard: live update failed: ${errorMessage(err)}`);
    }
  }

  private onRunEvent(runDir: string, e: RunEvent): void {
    const state = this.live.get(runDir) ?? { lastStep: 0 };
    this.live.set(runDir, state);
    const lines = linesOfEvent(e, state);
    if (!this.panelsShowing(runDir).length) return;
    this.batcher.push(runDir, lines);
    if (e.type === 'analysis') {
      this.batcher.flushNow(runDir);
      for (const p of this.panelsShowing(runDir)) p.postAnalysis(p.shows(runDir) ?? runDir, e.epoch);
    }
    if (SUMMARY_EVENTS.has(e.type)) {
      if (e.type === 'summary') this.batcher.flushNow(runDir);
      this.summarySoon(runDir);
    } else if (e.type === 'step') this.summarySoon(runDir, PROGRESS_MS);
  }

  /** A `runs` update once the queue has taken the event in (it updates its entry after its listeners). */
  private summarySoon(runDir: string, delayMs = 50): void {
    const at = Date.now() + delayMs;
    const pending = this.summaryTimers.get(runDir);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.summaryTimers.delete(runDir);
      for (const p of this.panelsShowing(runDir)) p.postRuns([runDir]);
    }, delayMs);
    this.summaryTimers.set(runDir, { timer, at });
  }

  dispose(): void {
    for (const s of this.subscriptions.splice(0)) s.dispose();
    for (const t of this.summaryTimers.values()) clearTimeout(t.timer);
    this.summaryTimers.clear();
    this.batcher.dispose();
    for (const p of [...this.panels.values()]) p.dispose();
    this.panels.clear();
  }
}
