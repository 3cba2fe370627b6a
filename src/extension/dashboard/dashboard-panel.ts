/**
 * One dashboard webview panel: the HTML, the handshake (nothing is posted before the webview's
 * `initialized`; each `initialized` gets `init`), validated messages up, one `response` per request,
 * exports through a save dialog, and the live feed of its runs (event lines from the manager, and a
 * follower per run for runs no trainer of this window writes). Disposing the panel disposes all of it.
 */

import * as path from 'node:path';
import * as vscode from 'vscode';
import { RUN_FILES } from '../../run-folder/layout';
import type { MetricLine } from '../../shared/run-events';
import type {
  DashboardMode,
  DashboardRequest,
  DashboardRun,
  ExportPayload,
  ToWebview,
} from '../../shared/webview-contract';
import { parseToExtension } from '../../shared/webview-guard';
import type { Logger } from '../logger';
import { errorMessage } from '../logger';
import { dashboardHtml } from './dashboard-html';
import { EXPORT_FILTERS, exportBytes, exportFileName } from './export-file';
import { MetricWatermark } from './live-metrics';
import { readMetricsFile } from './metrics-file';
import { resolveInside } from './path-guard';
import { answerRequest, shownRun } from './request-router';
import { RunFollower } from './run-follower';

/** What a panel needs from the manager. */
export interface PanelHost {
  readonly logger: Logger;
  readonly extensionUri: vscode.Uri;
  /** The run's summary with the queue's live state over it. */
  runFor(runDir: string): DashboardRun;
  /** Whether a trainer of this window writes the run now (its lines then come as events). */
  isQueueLive(runDir: string): boolean;
  openRun(runDir: string): void;
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [
      vscode.Uri.joinPath(extensionUri, 'dist', 'webview'),
      vscode.Uri.joinPath(extensionUri, 'media'),
    ],
  };
}

export class DashboardPanel implements vscode.Disposable {
  private ready = false;
  private disposed = false;
  private readonly watermarks = new Map<string, MetricWatermark>();
  private readonly followers = new Map<string, RunFollower>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly disposeListeners = new Set<() => void>();

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly key: string,
    readonly mode: DashboardMode,
    readonly runDirs: readonly string[],
    private readonly host: PanelHost,
  ) {
    const webview = panel.webview;
    webview.options = webviewOptions(host.extensionUri);
    panel.iconPath = vscode.Uri.joinPath(host.extensionUri, 'media', 'icons', 'spt.svg');
    webview.html = dashboardHtml({
      cspSource: webview.cspSource,
      scriptUri: webview
        .asWebviewUri(vscode.Uri.joinPath(host.extensionUri, 'dist', 'webview', 'main.js'))
        .toString(),
      styleUri: webview
        .asWebviewUri(vscode.Uri.joinPath(host.extensionUri, 'media', 'dashboard.css'))
        .toString(),
      title: panel.title,
    });
    this.subscriptions.push(
      webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      panel.onDidDispose(() => this.dispose()),
      // A hidden webview is destroyed (no retainContextWhenHidden): post nothing until it is back
      // and says `initialized` again.
      panel.onDidChangeViewState((e) => {
        if (!e.webviewPanel.visible) this.ready = false;
      }),
    );
    for (const dir of runDirs) this.follow(dir);
  }

  onDidDispose(listener: () => void): vscode.Disposable {
    this.disposeListeners.add(listener);
    return new vscode.Disposable(() => this.disposeListeners.delete(listener));
  }

  shows(runDir: string): string | undefined {
    return shownRun(this.runDirs, runDir);
  }

  reveal(): void {
    this.panel.reveal(undefined, false);
  }

  private post(message: ToWebview): void {
    if (!this.ready || this.disposed) return;
    this.panel.webview.postMessage(message).then(undefined, () => undefined);
  }

  private follow(runDir: string): void {
    try {
      const follower = new RunFollower(runDir, {
        lines: (lines) => {
          if (!this.host.isQueueLive(runDir)) this.postLines(runDir, lines);
        },
        analysis: (epoch) => {
          if (!this.host.isQueueLive(runDir)) this.postAnalysis(runDir, epoch);
        },
        changed: () => this.postRuns([runDir]),
      });
      this.followers.set(runDir, follower);
    } catch (err) {
      this.host.logger.debug(`dashboard: not following ${runDir}: ${errorMessage(err)}`);
    }
  }

  /** New lines of a run: only those the webview does not have, and only after it asked for metrics. */
  postLines(runDir: string, lines: MetricLine[]): void {
    const mark = this.watermarks.get(runDir);
    if (!mark || !this.ready) return;
    const fresh = mark.fresh(lines);
    if (fresh.length) this.post({ type: 'metricLines', payload: { runDir, lines: fresh } });
  }

  postAnalysis(runDir: string, epoch: number): void {
    this.followers.get(runDir)?.noteAnalysis(epoch);
    this.post({ type: 'analysisAdded', payload: { runDir, epoch } });
  }

  postRuns(runDirs: readonly string[] = this.runDirs): void {
    if (!this.ready) return;
    const runs = runDirs.map((d) => this.shows(d)).filter((d): d is string => !!d);
    if (runs.length) this.post({ type: 'runs', payload: runs.map((d) => this.host.runFor(d)) });
  }

  private onMessage(raw: unknown): void {
    const m = parseToExtension(raw);
    if ('error' in m) {
      this.host.logger.warn(`dashboard: ignored a message from the webview: ${m.error}`);
      const id = (raw as { type?: unknown; requestId?: unknown } | null)?.requestId;
      if ((raw as { type?: unknown } | null)?.type === 'request' && Number.isSafeInteger(id))
        this.respondError(id as number, `refused: ${m.error}`);
      return;
    }
    switch (m.type) {
      case 'initialized':
        this.ready = true;
        this.watermarks.clear(); // a fresh webview has no lines yet
        this.post({
          type: 'init',
          payload: { mode: this.mode, runs: this.runDirs.map((d) => this.host.runFor(d)) },
        });
        return;
      case 'request':
        this.onRequest(m);
        return;
      case 'export':
        void this.export(m.payload);
        return;
      case 'openRun': {
        const dir = this.shows(m.payload.runDir);
        if (dir) this.host.openRun(dir);
        else
          this.host.logger.warn(`dashboard: refused to open ${m.payload.runDir}: the panel does not show it`);
        return;
      }
      case 'openConfig':
        void this.openConfig(m.payload.runDir);
        return;
      case 'log':
        this.host.logger[m.payload.level](`dashboard: ${m.payload.message}`);
        return;
    }
  }

  private respondError(requestId: number, error: string): void {
    this.post({ type: 'response', payload: { requestId, ok: false, error } });
  }

  private onRequest(req: DashboardRequest): void {
    const runDir = this.shows(req.params.runDir);
    if (req.kind === 'metrics' && runDir) {
      try {
        const read = readMetricsFile(runDir);
        const mark = new MetricWatermark();
        mark.seen(read.metrics);
        this.watermarks.set(runDir, mark);
        if (!this.host.isQueueLive(runDir)) this.followers.get(runDir)?.metricsFrom(read.offset);
        this.post({
          type: 'response',
          payload: { requestId: req.requestId, ok: true, result: read.metrics },
        });
      } catch (err) {
        this.respondError(req.requestId, errorMessage(err));
      }
      return;
    }
    const response = answerRequest(req, this.runDirs);
    if (!response.payload.ok) this.host.logger.debug(`dashboard: ${req.kind}: ${response.payload.error}`);
    this.post(response);
  }

  private async export(p: ExportPayload): Promise<void> {
    const folder = this.runDirs.find((d) => path.isAbsolute(d)) ?? this.runDirs[0];
    const uri = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(path.join(folder, exportFileName(p))),
      filters: EXPORT_FILTERS[p.mime],
      saveLabel: 'Export',
      title: `Export ${exportFileName(p)}`,
    });
    if (!uri) return;
    try {
      await vscode.workspace.fs.writeFile(uri, exportBytes(p));
      this.host.logger.info(`dashboard: exported ${uri.fsPath}`);
      void vscode.window.showInformationMessage(`SPT: saved ${path.basename(uri.fsPath)}`);
    } catch (err) {
      void this.host.logger.showError(`SPT: could not save ${uri.fsPath}`, err);
    }
  }

  private async openConfig(runDir: string): Promise<void> {
    const dir = this.shows(runDir);
    if (!dir) {
      this.host.logger.warn(`dashboard: refused to open the config of ${runDir}: the panel does not show it`);
      return;
    }
    try {
      await vscode.window.showTextDocument(vscode.Uri.file(resolveInside(dir, RUN_FILES.config)), {
        preview: true,
      });
    } catch (err) {
      void vscode.window.showWarningMessage(`SPT: cannot open the run's config.yaml: ${errorMessage(err)}`);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const f of this.followers.values()) f.dispose();
    this.followers.clear();
    for (const s of this.subscriptions.splice(0)) s.dispose();
    this.panel.dispose();
    for (const l of [...this.disposeListeners]) l();
    this.disposeListeners.clear();
  }
}
