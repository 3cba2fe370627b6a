/**
 * Follows a run folder that no trainer of this window writes (a CLI run, another window's): on a
 * change of the folder (fs.watch, throttled; a 2 s poll where watching fails) it reads only the bytes
 * appended to metrics.jsonl, notices new analysis epochs (index.json, by modification time) and
 * changes of events.jsonl or summary.json (the run's status). Pure Node: no `vscode`.
 */

import * as fs from 'node:fs';
import { analysisIndexFile, runFile } from '../../run-folder/layout';
import type { MetricLine } from '../../shared/run-events';
import { readAnalysisIndex } from './analysis-files';
import { readAppended } from './metrics-file';

export interface FollowHandlers {
  /** Complete lines appended to metrics.jsonl since the offset given to `metricsFrom`. */
  lines(lines: MetricLine[]): void;
  /** An analysis epoch that was not there when following began. */
  analysis(epoch: number): void;
  /** events.jsonl or summary.json changed: re-read the run's summary. */
  changed(): void;
}

export interface FollowOptions {
  /** Least time between two reads (ms). */
  intervalMs?: number;
  /** Poll period where fs.watch is unavailable (ms). */
  pollMs?: number;
}

function mtime(file: string): number {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}

export class RunFollower {
  private tail: { offset: number } | null = null;
  private readonly epochs = new Set<number>();
  private indexTime: number;
  private stateTime: string;
  private watcher: fs.FSWatcher | undefined;
  private poller: NodeJS.Timeout | undefined;
  private timer: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(
    readonly runDir: string,
    private readonly handlers: FollowHandlers,
    private readonly options: FollowOptions = {},
  ) {
    this.indexTime = mtime(analysisIndexFile(this.runDir));
    for (const e of this.safeIndexEpochs()) this.epochs.add(e);
    this.stateTime = this.stateStamp();
    try {
      this.watcher = fs.watch(runDir, { persistent: false }, () => this.soon());
      this.watcher.on('error', () => this.startPolling());
    } catch {
      this.startPolling();
    }
  }

  private safeIndexEpochs(): number[] {
    try {
      return (readAnalysisIndex(this.runDir)?.epochs ?? []).map((e) => e.epoch);
    } catch {
      return [];
    }
  }

  private stateStamp(): string {
    return `${mtime(runFile(this.runDir, 'events'))}:${mtime(runFile(this.runDir, 'summary'))}`;
  }

  private startPolling(): void {
    this.watcher?.close();
    this.watcher = undefined;
    if (this.poller || this.disposed) return;
    this.poller = setInterval(() => this.poll(), this.options.pollMs ?? 2000);
    this.poller.unref?.();
  }

  /** An analysis epoch the panel heard of some other way (a live event): not announced again. */
  noteAnalysis(epoch: number): void {
    this.epochs.add(epoch);
  }

  /** Lines are followed from this byte offset of metrics.jsonl on (where a `metrics` read ended). */
  metricsFrom(offset: number): void {
    this.tail = { offset };
  }

  private soon(): void {
    if (this.timer || this.disposed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.poll();
    }, this.options.intervalMs ?? 200);
  }

  /** Reads what changed since the last poll and tells the handlers. */
  poll(): void {
    if (this.disposed) return;
    if (this.tail) {
      const lines = readAppended(this.runDir, this.tail);
      if (lines.length) this.handlers.lines(lines);
    }
    const t = mtime(analysisIndexFile(this.runDir));
    if (t !== this.indexTime) {
      this.indexTime = t;
      for (const e of this.safeIndexEpochs())
        if (!this.epochs.has(e)) {
          this.epochs.add(e);
          this.handlers.analysis(e);
        }
    }
    const stamp = this.stateStamp();
    if (stamp !== this.stateTime) {
      this.stateTime = stamp;
      this.handlers.changed();
    }
  }

  dispose(): void {
    this.disposed = true;
    this.watcher?.close();
    if (this.poller) clearInterval(this.poller);
    if (this.timer) clearTimeout(this.timer);
  }
}
