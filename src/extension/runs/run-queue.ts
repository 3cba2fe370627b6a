/**
 * The run queue: jobs wait until fewer than `maxConcurrent` trainer processes run, then start.
 * Each entry carries the live state the Runs tree shows (epoch, accuracy, loss, run folder).
 * Processes come from an injectable factory (tests pass fakes). Pure Node: no `vscode`.
 */

import * as path from 'node:path';
import type { EndedStatus } from '../../run-folder/status';
import type { RunEvent } from '../../shared/run-events';
import type { TrainerJob } from '../../shared/trainer-contract';
import type { Disposable, TrainerOutcome, TrainerProcessEvent } from '../../trainer/client';
import { type StepClock, tickClock } from './run-progress';

/** An entry's state: queued, the run's own status while a trainer of this window runs it, or cancelled. */
export type QueueState = 'queued' | 'running' | EndedStatus | 'cancelled';

/** What the queue needs from a trainer process (TrainerClient has it). */
export interface RunProcess {
  onEvent(listener: (e: TrainerProcessEvent) => void): Disposable;
  start(): void;
  stop(): Promise<TrainerOutcome>;
  readonly done: Promise<TrainerOutcome>;
}

export interface QueueEntry {
  id: string;
  job: TrainerJob;
  /** The experiment name the tree groups it under. */
  experiment: string;
  state: QueueState;
  enqueuedAt: number;
  startedAt?: number;
  endedAt?: number;
  runDir?: string;
  logFile?: string;
  /** Epochs completed, planned, best val accuracy, last train loss (from run events). */
  epoch?: number;
  epochs?: number;
  bestValAcc?: number;
  /** The epoch of bestValAcc (counted from 1). */
  bestEpoch?: number;
  valAcc?: number;
  loss?: number;
  step?: number;
  totalSteps?: number;
  testAcc?: number;
  message?: string;
  /** This trainer process's steps (throughput, ETA): ./run-progress.ts. */
  clock?: StepClock;
}

export type ProcessFactory = (entry: Readonly<QueueEntry>) => RunProcess & { logFile?: string };

export interface RunQueueOptions {
  createProcess: ProcessFactory;
  /** Trainer processes at once (default 1). */
  maxConcurrent?: number;
}

/**
 * Puts what a run event says into a live entry (epochs, accuracy, loss, step); false when the event
 * carries nothing the tree shows. The run queue's trainers and a sweep's runs (sweeps/sweep-live.ts)
 * are followed the same way.
 */
export function applyRunEvent(e: QueueEntry, r: RunEvent, now = Date.now()): boolean {
  if (r.type === 'epoch') {
    e.epoch = r.epoch; // epochs completed (the epoch that ended, counted from 1)
    e.epochs = r.epochs;
    e.valAcc = r.val.acc;
    e.bestValAcc = r.best.acc;
    e.bestEpoch = r.best.epoch;
  } else if (r.type === 'step') {
    e.loss = r.line.loss;
    e.step = r.line.step;
    e.totalSteps = r.totalSteps;
    e.clock = tickClock(e.clock, r.line.step, r.line.ips, now);
  } else if (r.type === 'status' && r.message) e.message = r.message;
  else if (r.type === 'summary') e.testAcc = r.summary.test_acc ?? undefined;
  else return false;
  return true;
}

/** The experiment name of a job: the file's name without `.spt.yaml`, or the resumed run's parent. */
export function experimentNameOf(job: TrainerJob): string {
  if (job.kind !== 'train') return job.kind;
  if (job.resume) return path.basename(path.dirname(path.resolve(job.resume)));
  return path.basename(job.file ?? 'experiment').replace(/(\.spt)?\.ya?ml$/, '');
}

export class RunQueue {
  private readonly entries = new Map<string, QueueEntry>();
  private readonly processes = new Map<string, RunProcess>();
  private readonly listeners = new Set<(e: QueueEntry) => void>();
  private readonly eventListeners = new Set<(id: string, e: TrainerProcessEvent) => void>();
  private seq = 0;
  private disposed = false;
  private _maxConcurrent: number;

  constructor(private readonly options: RunQueueOptions) {
    this._maxConcurrent = Math.max(1, options.maxConcurrent ?? 1);
  }

  get maxConcurrent(): number {
    return this._maxConcurrent;
  }
  set maxConcurrent(n: number) {
    this._maxConcurrent = Math.max(1, Math.floor(n) || 1);
    this.pump();
  }

  /** Called with a copy of an entry whenever its state or live numbers change. */
  onDidChange(listener: (e: QueueEntry) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Every trainer process event, with the queue entry's id. */
  onProcessEvent(listener: (id: string, e: TrainerProcessEvent) => void): Disposable {
    this.eventListeners.add(listener);
    return { dispose: () => this.eventListeners.delete(listener) };
  }

  list(): QueueEntry[] {
    return [...this.entries.values()].map((e) => ({ ...e }));
  }

  get(id: string): QueueEntry | undefined {
    const e = this.entries.get(id);
    return e && { ...e };
  }

  /** The entry whose trainer writes `runDir`. */
  byRunDir(runDir: string): QueueEntry | undefined {
    const want = path.resolve(runDir);
    for (const e of this.entries.values()) if (e.runDir && path.resolve(e.runDir) === want) return { ...e };
    return undefined;
  }

  /** Live (queued or running) entries. */
  active(): QueueEntry[] {
    return this.list().filter((e) => e.state === 'queued' || e.state === 'running');
  }

  enqueue(job: TrainerJob, experiment = experimentNameOf(job)): string {
    if (this.disposed) throw new Error('the run queue has been disposed');
    const id = `run-${Date.now().toString(36)}-${++this.seq}`;
    const entry: QueueEntry = { id, job, experiment, state: 'queued', enqueuedAt: Date.now() };
    if (job.kind === 'train' && job.resume) entry.runDir = job.resume;
    this.entries.set(id, entry);
    this.changed(entry);
    this.pump();
    return id;
  }

  /** Removes a queued job. False when it is not queued (running ones need stop()). */
  cancel(id: string): boolean {
    const e = this.entries.get(id);
    if (e?.state !== 'queued') return false;
    e.state = 'cancelled';
    e.endedAt = Date.now();
    this.changed(e);
    return true;
  }

  /** Stops a running job (resumable) or cancels a queued one; resolves when it has ended. */
  async stop(id: string): Promise<void> {
    if (this.cancel(id)) return;
    await this.processes.get(id)?.stop();
  }

  /** Forgets finished, failed, stopped and cancelled entries. */
  clearEnded(): void {
    for (const [id, e] of this.entries)
      if (e.state !== 'queued' && e.state !== 'running') this.entries.delete(id);
  }

  /** Resolves when every running job has ended. */
  async idle(): Promise<void> {
    while (this.processes.size || [...this.entries.values()].some((e) => e.state === 'queued')) {
      await Promise.all([...this.processes.values()].map((p) => p.done));
      await new Promise((r) => setImmediate(r));
    }
  }

  /** Cancels queued jobs, stops running ones with a resumable checkpoint, resolves once they exited. */
  async dispose(): Promise<void> {
    this.disposed = true;
    for (const e of this.entries.values()) if (e.state === 'queued') this.cancel(e.id);
    await Promise.all([...this.processes.values()].map((p) => p.stop().catch(() => undefined)));
    this.listeners.clear();
    this.eventListeners.clear();
  }

  private changed(e: QueueEntry): void {
    const copy = { ...e };
    for (const l of [...this.listeners]) {
      try {
        l(copy);
      } catch {
        // listeners must not break the queue
      }
    }
  }

  private pump(): void {
    if (this.disposed) return;
    for (const e of this.entries.values()) {
      if (this.processes.size >= this._maxConcurrent) return;
      if (e.state === 'queued') this.launch(e);
    }
  }

  private launch(e: QueueEntry): void {
    e.state = 'running';
    e.startedAt = Date.now();
    e.clock = undefined;
    let proc: RunProcess & { logFile?: string };
    try {
      proc = this.options.createProcess(e);
      e.logFile = proc.logFile;
      this.processes.set(e.id, proc);
      proc.onEvent((ev) => this.onEvent(e, ev));
      proc.done.then(
        () => this.ended(e),
        () => this.ended(e),
      );
      this.changed(e);
      proc.start();
    } catch (err) {
      this.processes.delete(e.id);
      e.state = 'failed';
      e.message = `cannot start the trainer: ${(err as Error).message}`;
      e.endedAt = Date.now();
      this.changed(e);
    }
  }

  private ended(e: QueueEntry): void {
    this.processes.delete(e.id);
    if (e.state === 'running') {
      e.state = 'failed';
      e.message ??= 'the trainer ended without an outcome';
      e.endedAt = Date.now();
      this.changed(e);
    }
    this.pump();
  }

  private onEvent(e: QueueEntry, ev: TrainerProcessEvent): void {
    for (const l of [...this.eventListeners]) {
      try {
        l(e.id, ev);
      } catch {
        // ignored
      }
    }
    switch (ev.type) {
      case 'started':
        e.runDir = ev.runDir;
        break;
      case 'run':
        if (!applyRunEvent(e, ev.event)) return; // nothing the tree shows
        break;
      case 'finished':
      case 'stopped':
        e.state = ev.type;
        e.endedAt = Date.now();
        if (ev.runDir) e.runDir = ev.runDir;
        if (ev.summary) {
          e.testAcc = ev.summary.test_acc ?? undefined;
          e.bestValAcc = ev.summary.val_acc ?? e.bestValAcc;
          e.epoch = ev.summary.epochs_completed;
        }
        break;
      case 'failed':
        e.state = 'failed';
        e.endedAt = Date.now();
        e.message = ev.message;
        e.logFile = ev.logFile;
        if (ev.runDir) e.runDir = ev.runDir;
        break;
      default:
        return;
    }
    this.changed(e);
  }
}
