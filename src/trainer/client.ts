/**
 * The one client of trainer processes (the extension's runs, `spt demo`, `spt sweep`): dist/trainer.js
 * started with one job over either transport of src/shared/trainer-contract.ts (IPC: forked, the job
 * as the first message; JSON lines: spawned with the job as argv[2], events on stdout, control messages
 * on stdin), its events parsed by the contract's guards and re-emitted as typed events, a heartbeat
 * watched, stop sent as a control message; stdout, stderr and log events go to a per-run log file
 * (when one is given) and a callback. A crash, a kill, an out-of-memory exit, a trainer that cannot start or a silent one
 * (no event and no heartbeat for `heartbeatMs`) ends as `failed` with the error line and the log
 * file; the host keeps working. A trainer that floods its output cannot make the host use
 * unbounded memory: the pipes are paused while the log file catches up, the log file is rotated at
 * `maxLogBytes` (one older file, `<log>.1`, is kept), and the `onLog` callback gets at most
 * `maxLogLinesPerSecond` lines. Pure Node: no `vscode`.
 */

import { type ChildProcess, fork, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RUN_STATUS } from '../run-folder/status';
import type { RunEvent, RunSummaryFile } from '../shared/run-events';
import {
  DEFAULT_HEARTBEAT_MS,
  parseTrainerEvent,
  parseTrainResult,
  type TrainerControl,
  type TrainerJob,
} from '../shared/trainer-contract';

export type TrainerProcessEvent =
  | { type: 'started'; runDir: string }
  | { type: 'run'; event: RunEvent }
  | { type: 'log'; level: 'info' | 'warn' | 'debug' | 'stdout' | 'stderr'; message: string }
  | { type: 'finished'; summary?: RunSummaryFile; runDir?: string; data: unknown }
  /** `summary`: the run's, when the trainer reported one (a run that failed while training). */
  | { type: 'failed'; message: string; logFile?: string; runDir?: string; summary?: RunSummaryFile }
  | { type: 'stopped'; summary?: RunSummaryFile; runDir?: string };

/** How a trainer process ended: its last event. */
export type TrainerOutcome = Extract<TrainerProcessEvent, { type: 'finished' | 'failed' | 'stopped' }>;

export interface TrainerProcessOptions {
  /** dist/trainer.js. */
  trainerPath: string;
  job: TrainerJob;
  /** `ipc` (default): forked with an IPC channel; `jsonl`: events as JSON lines on stdout, control on stdin. */
  transport?: 'ipc' | 'jsonl';
  /** Where stdout, stderr and log events are appended (its folder is created); none: not kept. */
  logFile?: string;
  /** The Node.js executable; default the one running this code (Electron runs as Node). */
  nodePath?: string;
  /** Base environment (default process.env). SPT_BACKEND_DIRS in it passes through. */
  env?: NodeJS.ProcessEnv;
  /** Extra folders the trainer loads backends from (prepended to SPT_BACKEND_DIRS). */
  backendDirs?: string[];
  /** V8 heap budget in MB (`--max-old-space-size`). */
  memoryMb?: number;
  cwd?: string;
  /**
   * No IPC message (event or heartbeat) for this long while running: the trainer is killed and the
   * run failed (default 300 s; 0: never). The trainer is told to send heartbeats well within it.
   */
  heartbeatMs?: number;
  /** The log file is rotated to `<logFile>.1` when it would grow past this (default 50 MB). */
  maxLogBytes?: number;
  /** At most this many lines a second go to `onLog`; the rest are counted (default 200). */
  maxLogLinesPerSecond?: number;
  /** After stop(): how long the trainer may take to save and exit before SIGTERM. */
  stopGraceMs?: number;
  /** After SIGTERM: how long before SIGKILL. */
  killGraceMs?: number;
  /** Every log line (stdout, stderr, log events), e.g. for the output channel. */
  onLog?: (level: string, message: string) => void;
}

export type TrainerProcessState = 'idle' | 'running' | 'stopping' | 'finished' | 'failed' | 'stopped';

const DEFAULT_HEARTBEAT_TIMEOUT_MS = 300_000;
/** Longest message passed to onLog (a flood of one huge line stays readable). */
const MAX_FORWARDED_CHARS = 4000;
/** IPC log lines are dropped while this much log output waits for the disk. */
const MAX_PENDING_LOG_BYTES = 8 << 20;

const seconds = (ms: number) => (ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`);

/**
 * The line of a crashed Node process's stderr that says what went wrong: the last `...Error: ...`
 * line, else the last line that is not part of a stack trace or Node's version footer.
 */
export function errorLineOf(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !/^at\s/.test(l) && !/^Node\.js v\d/.test(l) && !/^\^+$/.test(l) && l !== '...');
  for (let i = lines.length - 1; i >= 0; i--)
    if (/^(\w+\.)*\w*(Error|Exception)\b.*?:\s?\S/.test(lines[i]) || /^Uncaught\b/.test(lines[i]))
      return lines[i];
  return lines.at(-1) ?? '';
}

const OOM_HINT =
  'the trainer probably ran out of memory: lower train.batch_size or raise the trainer memory budget';

export interface Disposable {
  dispose(): void;
}

export class TrainerClient {
  private child: ChildProcess | undefined;
  private readonly listeners = new Set<(e: TrainerProcessEvent) => void>();
  private log: fs.WriteStream | undefined;
  private logBytes = 0;
  private pausedForLog = false;
  private droppedIpcLines = 0;
  private forwardWindow = { start: 0, lines: 0, dropped: 0 };
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
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
  get logFile(): string | undefined {
    return this.options.logFile;
  }

  /** `; log: <file>` for messages, when there is a log file. */
  private logNote(): string {
    return this.options.logFile ? `; log: ${this.options.logFile}` : '';
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
    if (level === 'stdout' || level === 'stderr') this.writeRaw(text);
    else this.writeRaw(`[${new Date().toISOString()}] [${level}] ${text}`);
    this.forward(level, message.replace(/\n$/, ''));
  }

  /** onLog, at most maxLogLinesPerSecond lines a second (the rest counted, then reported once). */
  private forward(level: string, message: string): void {
    const onLog = this.options.onLog;
    if (!onLog) return;
    const w = this.forwardWindow;
    const now = Date.now();
    if (now - w.start >= 1000) {
      if (w.dropped) {
        try {
          onLog(
            'warn',
            `[${w.dropped} more line(s) of trainer output not shown here${this.options.logFile ? `; see ${this.options.logFile}` : ''}]`,
          );
        } catch {
          // the callback's problem
        }
      }
      this.forwardWindow = { start: now, lines: 0, dropped: 0 };
    }
    const cur = this.forwardWindow;
    if (cur.lines >= (this.options.maxLogLinesPerSecond ?? 200)) {
      cur.dropped++;
      return;
    }
    cur.lines++;
    try {
      onLog(
        level,
        message.length > MAX_FORWARDED_CHARS ? `${message.slice(0, MAX_FORWARDED_CHARS)} [...]` : message,
      );
    } catch {
      // a callback's error must not break the log
    }
  }

  /** Appends to the log file, rotating it at maxLogBytes; pauses the pipes while the file catches up. */
  private writeRaw(text: string): void {
    if (!this.log) return;
    const bytes = Buffer.byteLength(text);
    const max = this.options.maxLogBytes ?? 50 << 20;
    if (this.logBytes + bytes > max && this.logBytes > 0) this.rotate();
    this.logBytes += bytes;
    if (!this.log.write(text) && !this.pausedForLog && this.child) {
      this.pausedForLog = true;
      this.child.stdout?.pause();
      this.child.stderr?.pause();
      this.log.once('drain', this.resumePipes);
    }
  }

  private readonly resumePipes = (): void => {
    if (!this.pausedForLog) return;
    this.pausedForLog = false;
    this.log?.off('drain', this.resumePipes);
    this.child?.stdout?.resume();
    this.child?.stderr?.resume();
  };

  private rotate(): void {
    const file = this.options.logFile;
    if (!file) return;
    const old = this.log;
    try {
      fs.renameSync(file, `${file}.1`); // the open stream goes on writing into <log>.1
    } catch {
      // cannot rename (Windows keeps open files in place): start over in the same file
    }
    this.resumePipes();
    old?.end();
    this.log = fs.createWriteStream(file, { flags: 'w' });
    this.log.on('error', () => {});
    this.logBytes = 0;
    const note = `[${new Date().toISOString()}] [info] log rotated: earlier output is in ${file}.1\n`;
    this.logBytes += Buffer.byteLength(note);
    this.log.write(note);
  }

  start(): void {
    if (this._state !== 'idle') throw new Error('the trainer process has already been started');
    const o = this.options;
    if (o.logFile) {
      fs.mkdirSync(path.dirname(o.logFile), { recursive: true });
      try {
        this.logBytes = fs.statSync(o.logFile).size;
      } catch {
        this.logBytes = 0;
      }
      this.log = fs.createWriteStream(o.logFile, { flags: 'a' });
      this.log.on('error', () => {}); // a log that cannot be written must not crash the host
    }
    const env: NodeJS.ProcessEnv = { ...(o.env ?? process.env) };
    const timeout = o.heartbeatMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS;
    if (timeout > 0 && env.SPT_HEARTBEAT_MS === undefined)
      env.SPT_HEARTBEAT_MS = String(Math.max(20, Math.min(DEFAULT_HEARTBEAT_MS, Math.floor(timeout / 4))));
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
    const jsonl = o.transport === 'jsonl';
    let child: ChildProcess;
    try {
      child = jsonl
        ? spawn(o.nodePath || process.execPath, [...execArgv, o.trainerPath, JSON.stringify(o.job)], {
            env,
            cwd: o.cwd,
            stdio: ['pipe', 'pipe', 'pipe'],
          })
        : fork(o.trainerPath, [], {
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
    child.stdin?.on('error', () => {}); // the trainer may exit before a control message is written
    if (jsonl) {
      // Events are JSON lines; any other line (a library printing) is logged as stdout.
      let partial = '';
      child.stdout?.setEncoding('utf8').on('data', (s: string) => {
        const lines = (partial + s).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) this.onLine(line);
      });
      child.stdout?.on('end', () => {
        if (partial) this.onLine(partial);
        partial = '';
      });
    } else child.stdout?.setEncoding('utf8').on('data', (s: string) => this.writeLog('stdout', s));
    child.stderr?.setEncoding('utf8').on('data', (s: string) => {
      this.writeLog('stderr', s);
      this.stderrTail = (this.stderrTail + s).slice(-8192);
    });
    child.on('message', (m) => this.onMessage(m));
    child.on('error', (err) => {
      this.writeLog('warn', `trainer process error: ${err.message}`);
      if (!child.pid && !this.outcome) {
        // The process never started (a wrong spt.nodePath): Node emits no 'exit' for it.
        if (this.heartbeat) clearTimeout(this.heartbeat);
        this.end({
          type: 'failed',
          message: `cannot start the trainer with ${o.nodePath || process.execPath}: ${err.message}${o.nodePath ? ' (check the setting spt.nodePath)' : ''}${this.logNote()}`,
          logFile: o.logFile,
        });
      }
    });
    // 'exit' can come before the last output has been read: wait for 'close' (all pipes drained),
    // but not forever (a grandchild could keep a pipe open).
    child.on('exit', (code, signal) => {
      this.exitInfo = { code, signal };
      if (this.heartbeat) clearTimeout(this.heartbeat);
      this.later(2000, () => this.onExit(code, signal));
    });
    child.on('close', () => {
      if (this.exitInfo) this.onExit(this.exitInfo.code, this.exitInfo.signal);
    });
    this.touch();
    if (!jsonl)
      child.send(o.job, (err) => {
        if (err) this.writeLog('warn', `could not send the job: ${err.message}`);
      });
  }

  /** One line of a JSON-lines trainer's stdout: an event, or output to log. */
  private onLine(line: string): void {
    if (!line.trim()) return;
    const event = parseTrainerEvent(line);
    if (event) this.onMessage(event);
    else this.writeLog('stdout', line);
  }

  private touch(): void {
    if (this.heartbeat) clearTimeout(this.heartbeat);
    const ms = this.options.heartbeatMs ?? 300_000;
    if (!ms || this.outcome || this._state === 'stopping') return;
    this.heartbeat = setTimeout(() => {
      this.killedFor = `the trainer stopped responding (no heartbeat and no event for ${seconds(ms)}) and was killed${this.logNote()}`;
      this.writeLog('warn', this.killedFor);
      this.child?.kill('SIGKILL');
    }, ms);
  }

  private onMessage(raw: unknown): void {
    const m = parseTrainerEvent(raw);
    if (!m) {
      if (raw && typeof raw === 'object')
        this.writeLog('warn', `not a trainer event: ${JSON.stringify(raw).slice(0, 200)}`);
      return;
    }
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
      case 'heartbeat':
        break;
      case 'log':
        // An IPC flood cannot be paused: drop lines while the log file is far behind.
        if ((this.log?.writableLength ?? 0) > MAX_PENDING_LOG_BYTES) {
          this.droppedIpcLines++;
          break;
        }
        if (this.droppedIpcLines) {
          this.writeLog('warn', `[${this.droppedIpcLines} log line(s) dropped while the log file caught up]`);
          this.droppedIpcLines = 0;
        }
        this.writeLog(m.level, m.message);
        this.emit({ type: 'log', level: m.level, message: m.message });
        break;
      case 'result': {
        const train = this.options.job.kind === 'train' ? parseTrainResult(m.data) : null;
        if (this.options.job.kind === 'train' && !train)
          this.writeLog('warn', "the trainer's result names no run folder and summary");
        const summary = train?.summary;
        const runDir = train?.runDir ?? this._runDir;
        if (summary?.status === RUN_STATUS.stopped)
          this.pending = { type: RUN_STATUS.stopped, summary, runDir };
        else if (summary?.status === RUN_STATUS.failed)
          this.pending = {
            type: 'failed',
            message: summary.error || this.lastErrorLine || 'the run failed',
            logFile: this.options.logFile,
            runDir,
            summary,
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
    if (this.outcome) return;
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
    const errorLine = this.lastErrorLine || errorLineOf(this.stderrTail);
    // A heap message is certain; a bare SIGKILL may be the kernel's OOM killer, or a person or tool.
    const oom = /heap out of memory|allocation failed|ENOMEM/i.test(this.stderrTail)
      ? `; ${OOM_HINT}`
      : signal === 'SIGKILL'
        ? `; if nobody killed it, ${OOM_HINT.replace('the trainer probably ran', 'it probably ran')}`
        : '';
    const message = this.killedFor
      ? this.killedFor
      : `the trainer ${how} without a result${errorLine ? `: ${errorLine}` : ''}${oom}${this.logNote()}`;
    this.end({ type: 'failed', message, logFile: this.options.logFile, runDir: this._runDir });
  }

  private end(outcome: TrainerOutcome): void {
    if (this.outcome) return;
    if (this.droppedIpcLines) {
      this.writeLog('warn', `[${this.droppedIpcLines} log line(s) dropped while the log file caught up]`);
      this.droppedIpcLines = 0;
    }
    this.outcome = outcome;
    this._state = outcome.type;
    if (outcome.type === 'failed') this.writeLog('warn', `run failed: ${outcome.message}`);
    this.emit(outcome);
    this.resumePipes();
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
   * Asks the trainer to stop with a resumable checkpoint (the `stop` control message, over IPC or as
   * a JSON line on stdin), then SIGTERM
   * after `stopGraceMs`, then SIGKILL after `killGraceMs`. Resolves when the process has exited.
   */
  stop(): Promise<TrainerOutcome> {
    const child = this.child;
    if (!child || this.outcome || this.stopRequested) return this.done;
    this.stopRequested = true;
    this._state = 'stopping';
    if (this.heartbeat) clearTimeout(this.heartbeat);
    this.writeLog('info', 'stop requested');
    const stop: TrainerControl = { control: 'stop' };
    if (child.connected) child.send(stop, () => {});
    else if (this.options.transport === 'jsonl' && child.stdin?.writable)
      child.stdin.write(`${JSON.stringify(stop)}\n`);
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
