/**
 * What a training run leaves while it trains: metric lines in metrics.jsonl (each with the process's
 * memory), events in events.jsonl (the persisted kinds) and for the listener, status changes and
 * summary.json. A metric line leaves the run once: the event that announces it carries the very line
 * written (`step` its train line, `epoch` its val line, `summary` its test line).
 */
import type { RunFolder } from '../../run-folder/run-folder';
import type { RecordedStatus } from '../../run-folder/status';
import type { MetricLine, RunEvent, RunSummaryFile } from '../../shared/run-events';
import { PERSISTED_EVENTS } from '../../shared/run-events';
import { type MemorySample, sampleMemory } from './memory-sample';

/** A metric line's numbers; the recorder adds the time and the memory sample. */
export type LineFields = Omit<MetricLine, 't' | 'split' | 'rss_mb' | 'tensor_mb' | 'engine_mb'>;

/** The epoch event without what the recorder fills in (type, time, the val line). */
export type EpochFields = Omit<Extract<RunEvent, { type: 'epoch' }>, 'type' | 't' | 'valLine'>;

export interface RecorderOptions {
  onEvent?: (e: RunEvent) => void;
  /** Lines metrics.jsonl already holds (a resumed run's checkpoint count). */
  metricsLines?: number;
  /** Memory per line (given the step engine's buffer bytes, if one trains the run); default: the
   * process's resident set, TensorFlow.js's tensor bytes and the engine's buffers. */
  sampleMemory?: (engineBytes?: number) => MemorySample;
  now?: () => number;
}

export class RunRecorder {
  /** Lines in metrics.jsonl: a checkpoint records it, so that a resumed run truncates to it. */
  metricsLines: number;
  /** The fused step engine's buffer bytes, once set-up has one (each line records them as `engine_mb`). */
  engineBytes: () => number | undefined = () => undefined;
  private readonly onEvent?: (e: RunEvent) => void;
  private readonly memory: (engineBytes?: number) => MemorySample;
  readonly now: () => number;

  constructor(
    readonly run: RunFolder,
    opts: RecorderOptions = {},
  ) {
    this.onEvent = opts.onEvent;
    this.metricsLines = opts.metricsLines ?? 0;
    this.memory = opts.sampleMemory ?? sampleMemory;
    this.now = opts.now ?? (() => Date.now() / 1000);
  }

  /** Sends an event to the listener; the persisted kinds also go to events.jsonl (first). */
  emit(e: RunEvent): void {
    if (PERSISTED_EVENTS.has(e.type)) this.run.events.append(e);
    this.onEvent?.(e);
  }

  status(status: RecordedStatus, message?: string): void {
    this.emit({ type: 'status', t: this.now(), status, runDir: this.run.dir, message });
  }

  warning(message: string): void {
    this.emit({ type: 'warning', t: this.now(), message });
  }

  /** One optimizer step: writes its train line and emits the `step` event that carries it. */
  train(fields: LineFields, totalSteps: number): MetricLine {
    const line = this.line('train', fields);
    this.emit({ type: 'step', t: line.t, line, totalSteps });
    return line;
  }

  /**
   * The val line of an epoch that ended. Its `epoch` event follows once the epoch's checkpoints are
   * saved (they count this line): `epoch(fields, valLine)`.
   */
  val(fields: LineFields): MetricLine {
    return this.line('val', fields);
  }

  /** The end of an epoch, carrying the val line `val()` wrote. */
  epoch(fields: EpochFields, valLine: MetricLine): void {
    this.emit({ type: 'epoch', t: this.now(), ...fields, valLine });
  }

  /** The test line (of the epoch chosen on val); the `summary` event of `finish` carries it. */
  test(fields: LineFields): MetricLine {
    return this.line('test', fields);
  }

  /** summary.json, without an event (the run's state while it trains). */
  writeSummary(summary: RunSummaryFile): void {
    this.run.writeJson('summary', summary);
  }

  /** The run's end: summary.json, the `summary` event (with the test line, if tested), the last status. */
  finish(summary: RunSummaryFile, testLine?: MetricLine): void {
    this.writeSummary(summary);
    this.emit({ type: 'summary', t: this.now(), summary, ...(testLine ? { testLine } : {}) });
    this.status(summary.status, summary.error);
  }

  private line(split: MetricLine['split'], fields: LineFields): MetricLine {
    const { epoch, step, ...numbers } = fields; // metrics.jsonl's key order: t, epoch, step, split, loss, ...
    const line: MetricLine = {
      t: this.now(),
      epoch,
      step,
      split,
      ...numbers,
      ...this.memory(this.engineBytes()),
    };
    this.run.metrics.append(line);
    this.metricsLines++;
    return line;
  }
}
