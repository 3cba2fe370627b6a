/**
 * Live metrics for open dashboards: the very lines the trainer writes to metrics.jsonl, as its run
 * events carry them (a `step` its train line, an `epoch` its val line, the `summary` its test line),
 * a watermark per panel and run so that no line reaches a webview twice (what `metrics` returned, then
 * only newer lines), and a batcher that posts at most every 200 ms per run.
 * Pure: no `vscode`, no file access.
 */
import type { MetricLine, RunEvent } from '../../shared/run-events';
import type { RunMetrics } from '../../shared/webview-contract';

/** Per run: what earlier events told (a trainer that sends no val line gets its step from here). */
export interface LiveRunState {
  lastStep: number;
}

/** The metrics.jsonl lines an event stands for (none for most events). */
export function linesOfEvent(e: RunEvent, state: LiveRunState = { lastStep: 0 }): MetricLine[] {
  switch (e.type) {
    case 'step':
      state.lastStep = e.line.step;
      return [e.line];
    case 'epoch':
      // An epoch event from before `valLine` existed: the val line without its learning rate and throughput.
      return [
        e.valLine ?? {
          t: e.t,
          epoch: e.epoch,
          step: state.lastStep,
          split: 'val',
          loss: e.val.loss,
          acc: e.val.acc,
          lr: Number.NaN,
        },
      ];
    case 'summary':
      return e.testLine ? [e.testLine] : [];
    default:
      return [];
  }
}

/** Which lines a webview already has for one run: train lines by step, val lines by epoch, one test line. */
export class MetricWatermark {
  private train = Number.NEGATIVE_INFINITY;
  private val = Number.NEGATIVE_INFINITY;
  private test = false;

  /** Records what a `metrics` response held. */
  seen(m: RunMetrics): void {
    for (const s of m.train.step) this.train = Math.max(this.train, s);
    for (const e of m.val.epoch) this.val = Math.max(this.val, e);
    if (m.test.step.length) this.test = true;
  }

  /** The lines the webview does not have yet, in order; they count as delivered from now on. */
  fresh(lines: MetricLine[]): MetricLine[] {
    const out: MetricLine[] = [];
    for (const l of lines) {
      if (l.split === 'train') {
        if (!(l.step > this.train)) continue;
        this.train = l.step;
      } else if (l.split === 'val') {
        if (!(l.epoch > this.val)) continue;
        this.val = l.epoch;
      } else {
        if (this.test) continue;
        this.test = true;
      }
      out.push(l);
    }
    return out;
  }
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Collects lines per run and hands them on at most every `intervalMs` (in order, per run). */
export class LineBatcher {
  private readonly pending = new Map<string, MetricLine[]>();
  private timer: unknown;

  constructor(
    private readonly flush: (runDir: string, lines: MetricLine[]) => void,
    private readonly intervalMs = 200,
    private readonly timers: Timers = realTimers,
  ) {}

  push(runDir: string, lines: MetricLine[]): void {
    if (!lines.length) return;
    const list = this.pending.get(runDir);
    if (list) list.push(...lines);
    else this.pending.set(runDir, [...lines]);
    this.timer ??= this.timers.setTimeout(() => {
      this.timer = undefined;
      this.flushNow();
    }, this.intervalMs);
  }

  /** Hands on what is pending now (of one run, or of all). */
  flushNow(runDir?: string): void {
    const dirs = runDir === undefined ? [...this.pending.keys()] : [runDir];
    for (const d of dirs) {
      const lines = this.pending.get(d);
      this.pending.delete(d);
      if (lines?.length) this.flush(d, lines);
    }
    if (!this.pending.size && this.timer !== undefined) {
      this.timers.clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  dispose(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }
}
