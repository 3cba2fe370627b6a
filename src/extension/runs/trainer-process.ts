/**
 * One trainer process: dist/trainer.js forked with an IPC channel, sent one job, its events parsed
 * and re-emitted as typed events; stdout, stderr and log events go to a per-run log file and a
 * callback. A crash, a kill, an out-of-memory exit or a silent trainer (no heartbeat) ends as
 * `failed` with the last error line; the host keeps working. Pure Node: no `vscode`.
 */
import { type ChildProcess, fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunEvent, RunSummaryFile } from '../../shared/run-events';
import type { TrainerEvent, TrainerJob } from '../../shared/trainer-contract';

export type TrainerProcessEvent =
  | { type: 'started'; runDir: string }
  | { type: 'run'; event: RunEvent }
  | { type: 'log'; level: 'info' | 'warn' | 'debug' | 'stdout' | 'stderr'; message: string }
  | { type: 'finished'; summary?: RunSummaryFile; runDir?: string; data: unknown }
  | { type: 'failed'; message: string; logFile: string; runDir?: string }
  | { type: 'stopped'; summary?: RunSummaryFile; runDir?: string };

/** How a trainer process ended: its last event. */
export type TrainerOutcome = Extract<TrainerProcessEvent, { type: 'finished' | 'failed' | 'stopped' }>;

export interface TrainerProcessOptions {
  /** dist/trainer.js. */
  trainerPath: string;
  job: TrainerJob;
  /** Where stdout, stderr and log events are appended (its folder is created). */
  logFile: string;
  /** The Node.js executable; default the one running this code (Electron runs as Node). */
  nodePath?: string;
  /** Base environment (default process.env). SPT_BACKEND_DIRS in it passes through. */
  env?: NodeJS.ProcessEnv;
  /** Extra folders the trainer loads backends from (prepended to SPT_BACKEND_DIRS). */
  backendDirs?: string[];
  /** V8 heap budget in MB (`--max-old-space-size`). */
  memoryMb?: number;
  cwd?: string;
  /** No IPC message for this long while running: the trainer is killed and the run failed. */
  heartbeatMs?: number;
  /** After stop(): how long the trainer may take to save and exit before SIGTERM. */
  stopGraceMs?: number;
  /** After SIGTERM: how long before SIGKILL. */
  killGraceMs?: number;
  /** Every log line (stdout, stderr, log events), e.g. for the output channel. */
  onLog?: (level: string, message: string) => void;
}

export type TrainerProcessState = 'idle' | 'running' | 'stopping' | 'finished' | 'failed' | 'stopped';

const OOM_HINT =
  'the trainer probably ran out of memory: lower train.batch_size or raise the trainer memory budget';

export interface Disposable {
  dispose(): void;
}

export class TrainerProcess {
  private child: ChildProcess | undefined;
  private readonly listeners = new Set<(e: TrainerProcessEvent) => void>();
  private log: fs.WriteStream | undefined;
  private outcome: TrainerOutcome | undefined;
  private resolveDone!: (o: TrainerOutcome) => void;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private lastErrorLine = '';
  private stderrTail = '';
  private killedFor: string | undefined;
  private stopRequested = false;
  private _state: TrainerProcessState = 'idle';
  private _runDir: string | undefined;
  /** Resolves once the process has exited and the log file is closed. */
  readonly done: Promise<TrainerOutcome>;

  constructor(readonly options: TrainerProcessOptions) {
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  get state(): TrainerProcessState {
    return this._state;
  }
  get runDir(): string | undefined {
    return this._runDir;
  }
  get pid(): number | undefined {
    return this.child?.pid;
  }
  get logFile(): string {
    return this.options.logFile;
  }

  onEvent(listener: (e: TrainerProcessEvent) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private emit(e: TrainerProcessEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch {
        // a listener's error must not kill the process bookkeeping
      }
    }
  }

  private writeLog(level: string, message: string): void {
    const text = message.endsWith('\n') ? message : `${message}\n`;
    if (level === 'stdout' || level === 'stderr') this.log?.write(text);
    else this.log?.write(`[${new Date().toISOString()}] [${level}] ${text}`);
    this.options.onLog?.(level, message.replace(/\n$/, ''));
  }

  start(): void {
    if (this._state !== 'idle') throw new Error('the trainer process has already been started');
    const o = this.options;
    fs.mkdirSync(path.dirname(o.logFile), { recursive: true });
    this.log = fs.createWriteStream(o.logFile, { flags: 'a' });
    const env: NodeJS.ProcessEnv = { ...(o.env ?? process.env) };
    const dirs = [...(o.backendDirs ?? []), ...(env.SPT_BACKEND_DIRS ?? '').split(path.delimiter)].filter(
      Boolean,
    );
    if (dirs.length) env.SPT_BACKEND_DIRS = dirs.join(path.delimiter);
    if (!o.nodePath && process.versions.electron) env.ELECTRON_RUN_AS_NODE = '1';
    const execArgv = o.memoryMb ? [`--max-old-space-size=${Math.round(o.memoryMb)}`] : [];
    this._state = 'running';
    this.writeLog(
      'info',
      `trainer: ${JSON.stringify(o.job)} (pid pending, ${execArgv.join(' ') || 'no flags'})`,
    );
    let child: ChildProcess;
    try {
      child = fork(o.trainerPath, [], {
        execPath: o.nodePath || undefined,
        execArgv,
        env,
        cwd: o.cwd,
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      });
    } catch (err) {
      this.end({
        type: 'failed',
        message: `cannot start the trainer: ${(err as Error).message}`,
        logFile: o.logFile,
      });
      return;
    }
    this.child = child;
    child.stdout?.setEncoding('utf8').on('data', (s: string) => this.writeLog('stdout', s));
    child.stderr?.setEncoding('utf8').on('data', (s: string) => {
      this.writeLog('stderr', s);
      this.stderrTail = (this.stderrTail + s).slice(-8192);
      const lines = s.split('\n').filter((l) => l.trim());
      if (lines.length) this.lastErrorLine = lines[lines.length - 1].trim();
    });
    child.on('message', (m) => this.onMessage(m as TrainerEvent));
    child.on('error', (err) => {
      this.writeLog('warn', `trainer process error: ${err.message}`);
      if (!child.pid) this.lastErrorLine = `cannot start the trainer: ${err.message}`;
    });
    child.on('exit', (code, signal) => this.onExit(code, signal));
    this.touch();
    child.send(o.job, (err) => {
      if (err) this.writeLog('warn', `could not send the job: ${err.message}`);
    });
  }

  private touch(): void {
    if (this.heartbeat) clearTimeout(this.heartbeat);
    const ms = this.options.heartbeatMs ?? 300_000;
    if (!ms || this.outcome || this._state === 'stopping') return;
    this.heartbeat = setTimeout(() => {
      this.killedFor = `no heartbeat: the trainer sent nothing for ${Math.round(ms / 1000)} s`;
      this.writeLog('warn', this.killedFor);
      this.child?.kill('SIGKILL');
    }, ms);
  }

  private onMessage(m: TrainerEvent): void {
    if (!m || typeof m !== 'object') return;
    this.touch();
    switch (m.type) {
      case 'run': {
        const e = m.event;
        if (e.type === 'status' && !this._runDir && e.runDir) {
          this._runDir = e.runDir;
          this.emit({ type: 'started', runDir: e.runDir });
        }
        if (e.type === 'error') {
          this.lastErrorLine = e.hint ? `${e.message} (${e.hint})` : e.message;
          this.writeLog('warn', `error: ${this.lastErrorLine}`);
        } else if (e.type === 'warning') this.writeLog('warn', e.message);
        this.emit({ type: 'run', event: e });
        break;
      }
      case 'log':
        this.writeLog(m.level, m.message);
        this.emit({ type: 'log', level: m.level, message: m.message });
        break;
      case 'result': {
        const data = m.data as { runDir?: string; summary?: RunSummaryFile } | undefined;
        const summary = data?.summary;
        const runDir = data?.runDir ?? this._runDir;
        if (summary?.status === 'stopped') this.pending = { type: 'stopped', summary, runDir };
        else if (summary?.status === 'failed')
          this.pending = {
            type: 'failed',
            message: summary.error || this.lastErrorLine || 'the run failed',
            logFile: this.options.logFile,
            runDir,
          };
        else this.pending = { type: 'finished', summary, runDir, data: m.data };
        break;
      }
      case 'error':
        this.writeLog('warn', `trainer error: ${m.message}`);
        this.pending = {
          type: 'failed',
          message: m.message,
          logFile: this.options.logFile,
          runDir: this._runDir,
        };
        break;
    }
  }

  /** The outcome the trainer reported; it is emitted when the process has exited. */
  private pending: TrainerOutcome | undefined;

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.heartbeat) clearTimeout(this.heartbeat);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.writeLog('info', `trainer exited (${signal ? `signal ${signal}` : `code ${code}`})`);
    if (this.pending && !this.killedFor) {
      this.end(this.pending);
      return;
    }
    if (this.stopRequested && !this.killedFor) {
      this.end({ type: 'stopped', runDir: this._runDir });
      return;
    }
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    // A heap message is certain; a bare SIGKILL may be the kernel's OOM killer, or a person or tool.
    const oom = /heap out of memory|allocation failed|ENOMEM/i.test(this.stderrTail)
      ? `; ${OOM_HINT}`
      : signal === 'SIGKILL'
        ? `; if nobody killed it, ${OOM_HINT.replace('the trainer probably ran', 'it probably ran')}`
        : '';
    const message = this.killedFor
      ? this.killedFor
      : `the trainer ${how} without a result${this.lastErrorLine ? `: ${this.lastErrorLine}` : ''}${oom}`;
    this.end({ type: 'failed', message, logFile: this.options.logFile, runDir: this._runDir });
  }

  private end(outcome: TrainerOutcome): void {
    if (this.outcome) return;
    this.outcome = outcome;
    this._state = outcome.type;
    if (outcome.type === 'failed') this.writeLog('warn', `run failed: ${outcome.message}`);
    this.emit(outcome);
    const log = this.log;
    this.log = undefined;
    if (log) log.end(() => this.resolveDone(outcome));
    else this.resolveDone(outcome);
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  /**
   * Asks the trainer to stop with a resumable checkpoint ({kind:'stop'} over IPC), then SIGTERM
   * after `stopGraceMs`, then SIGKILL after `killGraceMs`. Resolves when the process has exited.
   */
  stop(): Promise<TrainerOutcome> {
    const child = this.child;
    if (!child || this.outcome || this.stopRequested) return this.done;
    this.stopRequested = true;
    this._state = 'stopping';
    if (this.heartbeat) clearTimeout(this.heartbeat);
    this.writeLog('info', 'stop requested');
    if (child.connected) child.send({ kind: 'stop' } satisfies TrainerJob, () => {});
    else child.kill('SIGTERM');
    this.later(this.options.stopGraceMs ?? 30_000, () => {
      this.writeLog('warn', 'the trainer did not stop in time: SIGTERM');
      child.kill('SIGTERM');
      this.later(this.options.killGraceMs ?? 10_000, () => {
        this.writeLog('warn', 'the trainer did not exit: SIGKILL');
        child.kill('SIGKILL');
      });
    });
    return this.done;
  }

  /** Kills the process at once (no checkpoint). */
  kill(): void {
    this.child?.kill('SIGKILL');
  }
}
