/**
 * The Runs tree as plain data: experiments (newest first), their runs (newest first) with a status
 * icon, a one-line description, a markdown tooltip and a contextValue for `when` clauses, and under
 * each run its key metrics and artifacts. Live state (the queue's entries) is merged over what was
 * read from disk. The TreeDataProvider only maps these nodes to TreeItems. No `vscode` here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RUN_FILES } from '../../run-folder/layout';
import { hasLastCheckpoint } from '../../run-folder/run-resume';
import { RUN_STATUS } from '../../run-folder/status';
import { type RunNote, readRunNote, readRunSeed } from './run-annotations';
import type { RunRecord, RunRecordStatus } from './run-discovery';
import { etaSeconds, formatProgress, progressRows, type RunProgress } from './run-progress';
import type { QueueEntry } from './run-queue';

export type RunNodeStatus = RunRecordStatus | 'queued';

export interface RunTreeNode {
  /** Stable id (for TreeItem.id). */
  id: string;
  kind: 'experiment' | 'run' | 'metric' | 'artifact' | 'sweep' | 'task';
  label: string;
  description?: string;
  /** A codicon id (`pass`, `loading~spin`, ...). */
  icon?: string;
  /** Markdown. */
  tooltip?: string;
  /**
   * Space-separated tags: `experiment`, `run run.<status>` (+ `run.resumable`, `run.live`),
   * `run.metric`, `run.artifact`, `sweep` (+ `sweep.results`), `sweep.task`, `sweep.run.pending`.
   * Match with `viewItem =~ /\brun\.resumable\b/`.
   */
  contextValue: string;
  children?: RunTreeNode[];
  /** The file an artifact opens. */
  resourcePath?: string;
  runDir?: string;
  /** The queue id of a live run. */
  queueId?: string;
  status?: RunNodeStatus;
}

/** A run as the tree shows it: disk state with live state merged over it. */
export interface RunView {
  experiment: string;
  runDir?: string;
  queueId?: string;
  status: RunNodeStatus;
  startedAt: number | null;
  epoch: number | null;
  epochs: number | null;
  bestValAcc: number | null;
  /** The epoch of bestValAcc, counted from 1 (as summary.json's best_epoch). */
  bestEpoch: number | null;
  testAcc: number | null;
  elapsedSeconds: number | null;
  loss: number | null;
  /** Live only (null from disk): global steps taken and planned, throughput, seconds left. */
  step: number | null;
  totalSteps: number | null;
  imagesPerSec: number | null;
  etaSeconds: number | null;
  lastError: string | null;
  resumable: boolean;
  live: boolean;
  method: string | null;
  backend: string | null;
  logFile?: string;
  unreadable?: string;
  /** From the run folder (run-annotations.ts), filled in by runNode: the seed, the user's note and tags. */
  seed?: number | null;
  note?: string | null;
  tags?: string[];
}

/** How the Runs view orders runs: newest first, or best val accuracy first. */
export type RunSort = 'time' | 'valAcc';

export interface BuildTreeOptions {
  /** Now, in ms (elapsed time of live runs). */
  now?: number;
  /** The log file of a run folder, when the extension kept one. */
  logFileFor?: (runDir: string) => string | undefined;
  /** Whether a file exists (artifacts that are missing are left out). */
  exists?: (file: string) => boolean;
  /** The live entry of a sweep's run while this window's sweep trains it (sweeps/sweep-live.ts). */
  sweepLive?: (sweepDir: string, run: string) => QueueEntry | undefined;
  /** A run folder's seed and note (default: read from the folder, run-annotations.ts). */
  annotate?: (runDir: string) => { seed: number | null; note: RunNote | null };
  /** Order of runs and experiments (default `time`). */
  sort?: RunSort;
  /** Only runs whose name, seed, status, method, backend, note, tags or description contain every word. */
  filter?: string;
}

const readAnnotations = (runDir: string) => ({ seed: readRunSeed(runDir), note: readRunNote(runDir) });

export const STATUS_ICONS: Record<RunNodeStatus, string> = {
  queued: 'clock',
  created: 'loading~spin',
  running: 'loading~spin',
  finished: 'pass',
  failed: 'error',
  stopped: 'debug-pause',
  interrupted: 'debug-pause',
  unreadable: 'warning',
};

/** `4m 12s`, `1h 03m`, `12s`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

export const pct = (acc: number): string => `${(100 * acc).toFixed(1)}%`;

function formatDate(ms: number | null): string {
  if (ms === null) return 'unknown time';
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function fromRecord(r: RunRecord): RunView {
  return {
    experiment: r.experiment,
    runDir: r.runDir,
    status: r.status,
    startedAt: r.startedAt?.getTime() ?? null,
    epoch: r.epoch,
    epochs: r.epochs,
    bestValAcc: r.bestValAcc,
    bestEpoch: r.bestEpoch,
    testAcc: r.testAcc,
    elapsedSeconds: r.elapsedSeconds,
    loss: null,
    step: null,
    totalSteps: null,
    imagesPerSec: null,
    etaSeconds: null,
    lastError: r.lastError,
    resumable: r.resumable,
    live: false,
    method: r.method,
    backend: r.backend,
    unreadable: r.unreadable,
  };
}

/** Live queue state over disk state (or a run that has no folder yet). */
export function mergeRun(disk: RunRecord | undefined, live: QueueEntry | undefined, now: number): RunView {
  const base: RunView = disk
    ? fromRecord(disk)
    : {
        experiment: live?.experiment ?? 'unknown',
        runDir: live?.runDir,
        status: 'queued',
        startedAt: null,
        epoch: null,
        epochs: null,
        bestValAcc: null,
        bestEpoch: null,
        testAcc: null,
        elapsedSeconds: null,
        loss: null,
        step: null,
        totalSteps: null,
        imagesPerSec: null,
        etaSeconds: null,
        lastError: null,
        resumable: false,
        live: false,
        method: null,
        backend: null,
      };
  if (!live || live.state === 'cancelled') return base;
  const v: RunView = { ...base, queueId: live.id, logFile: live.logFile, runDir: base.runDir ?? live.runDir };
  v.experiment = disk?.experiment ?? live.experiment;
  v.live = live.state === 'queued' || live.state === 'running';
  v.status =
    live.state === 'running' ? (live.step || live.epoch ? 'running' : RUN_STATUS.created) : live.state;
  v.startedAt = base.startedAt ?? live.startedAt ?? live.enqueuedAt;
  v.epoch = live.epoch ?? base.epoch;
  v.epochs = live.epochs ?? base.epochs;
  v.bestValAcc = live.bestValAcc ?? base.bestValAcc;
  v.bestEpoch = live.bestEpoch ?? base.bestEpoch;
  v.testAcc = live.testAcc ?? base.testAcc;
  v.loss = live.loss ?? null;
  if (live.state === 'running') {
    v.step = live.step ?? null;
    v.totalSteps = live.totalSteps ?? null;
    v.imagesPerSec = live.clock?.ips ?? null;
    v.etaSeconds = etaSeconds(live.clock, live.totalSteps ?? null, now);
  }
  if (live.state === 'running' && live.startedAt) v.elapsedSeconds = (now - live.startedAt) / 1000;
  if (live.state === 'failed') v.lastError = live.message ?? base.lastError;
  v.resumable =
    !v.live &&
    (v.status === RUN_STATUS.stopped || v.status === RUN_STATUS.failed) &&
    !!v.runDir &&
    hasLastCheckpoint(v.runDir);
  v.unreadable = undefined;
  return v;
}

/** The numbers of the one progress wording (./run-progress.ts). */
export function progressOf(v: RunView): RunProgress {
  return {
    epoch: v.epoch,
    epochs: v.epochs,
    step: v.step,
    totalSteps: v.totalSteps,
    imagesPerSec: v.imagesPerSec,
    etaSeconds: v.etaSeconds,
  };
}

/** `epoch 3/10 · step 75/250 · 41 img/s · ETA 2 min` for a live run, `epoch 3/10` otherwise. */
export const progressText = (v: RunView): string => formatProgress(progressOf(v));

/** The run's key metric: `test 68.0%` when tested, else `val 71.2%` (best so far), else null. */
export function keyMetric(v: RunView): string | null {
  if (v.testAcc !== null) return `test ${pct(v.testAcc)}`;
  if (v.bestValAcc !== null) return `val ${pct(v.bestValAcc)}`;
  return null;
}

/** The row's description: key metric first, then the state (progress while it trains). */
export function describeRun(v: RunView): string {
  const parts: string[] = [];
  const key = keyMetric(v);
  const epochs = v.epoch !== null && v.epochs ? `epoch ${v.epoch}/${v.epochs}` : null;
  switch (v.status) {
    case 'queued':
      return 'queued';
    case RUN_STATUS.created:
    case 'running':
      if (key) parts.push(key);
      if (v.status === RUN_STATUS.created && !v.epoch && !v.step) parts.push(RUN_STATUS.created);
      else if (progressText(v)) parts.push(progressText(v));
      return parts.join(' · ');
    case 'finished':
      if (key) parts.push(key);
      parts.push('finished');
      return parts.join(' · ');
    case 'failed':
      if (key) parts.push(key);
      parts.push('failed');
      if (v.lastError) parts.push(v.lastError.length > 60 ? `${v.lastError.slice(0, 57)}...` : v.lastError);
      return parts.join(' · ');
    case 'stopped':
    case 'interrupted':
      if (key) parts.push(key);
      parts.push(v.status);
      if (epochs) parts.push(epochs);
      break;
    case 'unreadable':
      return `unreadable${v.unreadable ? ` · ${v.unreadable}` : ''}`;
  }
  if (v.elapsedSeconds !== null) parts.push(formatDuration(v.elapsedSeconds));
  return parts.join(' · ');
}

/** `ui-run · seed 3` (the experiment alone while the seed is unknown). */
export function runLabel(v: RunView): string {
  return typeof v.seed === 'number' ? `${v.experiment} · seed ${v.seed}` : v.experiment;
}

/** `12-06 13:04`: the start time, short, for the end of the row. */
function shortDate(ms: number | null): string | null {
  if (ms === null) return null;
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** The note as the row shows it: its tags, or its first words. */
function noteBit(v: RunView): string | null {
  if (v.tags?.length) return v.tags.map((t) => `#${t}`).join(' ');
  if (!v.note) return null;
  const line = v.note.split('\n')[0];
  return `“${line.length > 32 ? `${line.slice(0, 31)}…` : line}”`;
}

/** Whether a run (its row's texts and annotations) matches every word of the filter. */
export function matchesFilter(v: RunView, description: string, filter: string | undefined): boolean {
  const words = (filter ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return true;
  const hay = [
    runLabel(v),
    description,
    v.status,
    v.method ?? '',
    v.backend ?? '',
    v.note ?? '',
    ...(v.tags ?? []).map((t) => `#${t}`),
  ]
    .join(' ')
    .toLowerCase();
  return words.every((w) => hay.includes(w));
}

/** `71.2% (epoch 3)`: the best val accuracy and its epoch, counted from 1 as everywhere. */
function bestVal(v: RunView): string {
  const acc = v.bestValAcc === null ? '-' : pct(v.bestValAcc);
  return v.bestEpoch === null ? acc : `${acc} (epoch ${v.bestEpoch})`;
}

export function contextValueOf(v: RunView): string {
  const tags = ['run', `run.${v.status}`];
  if (v.live) tags.push('run.live');
  if (v.resumable) tags.push('run.resumable');
  return tags.join(' ');
}

const esc = (s: string) => s.replace(/([\\`*_[\]|<>])/g, '\\$1');

export function tooltipOf(v: RunView): string {
  const rows: [string, string][] = [['status', v.status], ...progressRows(progressOf(v))];
  if (v.bestValAcc !== null) rows.push(['best val acc', bestVal(v)]);
  if (v.testAcc !== null) rows.push(['test acc', pct(v.testAcc)]);
  if (v.loss !== null) rows.push(['train loss', v.loss.toFixed(4)]);
  if (v.elapsedSeconds !== null) rows.push(['elapsed', formatDuration(v.elapsedSeconds)]);
  if (v.method) rows.push(['method', v.method]);
  if (v.backend) rows.push(['backend', v.backend]);
  if (v.resumable) rows.push(['resumable', 'yes']);
  if (typeof v.seed === 'number') rows.push(['seed', String(v.seed)]);
  if (v.tags?.length) rows.push(['tags', v.tags.map((t) => `#${t}`).join(' ')]);
  const lines = [`**${esc(v.experiment)}** · started ${formatDate(v.startedAt)}`, '', '| | |', '|---|---|'];
  for (const [k, val] of rows) lines.push(`| ${k} | ${esc(val)} |`);
  if (v.note) lines.push('', `**Note:** ${esc(v.note)}`);
  if (v.lastError) lines.push('', `**Error:** ${esc(v.lastError)}`);
  if (v.unreadable) lines.push('', `**Unreadable:** ${esc(v.unreadable)}`);
  if (v.runDir) lines.push('', `\`${v.runDir.replace(/`/g, "'")}\``);
  return lines.join('\n');
}

function childrenOf(v: RunView, id: string, opts: BuildTreeOptions): RunTreeNode[] {
  const exists = opts.exists ?? fs.existsSync;
  const metric = (key: string, label: string, description: string): RunTreeNode => ({
    id: `${id}/metric/${key}`,
    kind: 'metric',
    label,
    description,
    contextValue: 'run.metric',
    runDir: v.runDir,
  });
  const out: RunTreeNode[] = [];
  if (v.bestValAcc !== null) out.push(metric('val', 'best val acc', bestVal(v)));
  if (v.testAcc !== null) out.push(metric('test', 'test acc', pct(v.testAcc)));
  if (v.epoch !== null)
    out.push(metric('epochs', 'epochs completed', v.epochs ? `${v.epoch}/${v.epochs}` : String(v.epoch)));
  if (v.loss !== null) out.push(metric('loss', 'train loss', v.loss.toFixed(4)));
  if (v.elapsedSeconds !== null) out.push(metric('elapsed', 'elapsed', formatDuration(v.elapsedSeconds)));
  if (v.backend) out.push(metric('backend', 'backend', v.backend));
  if (v.note) out.push({ ...metric('note', 'note', v.note), icon: 'note' });
  if (v.lastError) out.push({ ...metric('error', 'error', v.lastError), icon: 'error' });
  const artifact = (key: string, label: string, file: string | undefined, icon: string) => {
    if (!file || !exists(file)) return;
    out.push({
      id: `${id}/artifact/${key}`,
      kind: 'artifact',
      label,
      icon,
      contextValue: 'run.artifact',
      resourcePath: file,
      runDir: v.runDir,
      tooltip: `\`${file}\``,
    });
  };
  if (v.runDir) {
    artifact('config', RUN_FILES.config, path.join(v.runDir, RUN_FILES.config), 'settings-gear');
  }
  artifact('log', 'log', v.logFile ?? (v.runDir ? opts.logFileFor?.(v.runDir) : undefined), 'output');
  return out;
}

/** The view with the folder's seed and note (once per tree build). */
export function annotateRun(v: RunView, opts: BuildTreeOptions): RunView {
  if (!v.runDir || v.seed !== undefined) return v;
  const a = (opts.annotate ?? readAnnotations)(v.runDir);
  return { ...v, seed: a.seed, note: a.note?.note || null, tags: a.note?.tags ?? [] };
}

/** The row's description: `describeRun`, then the note or tags, then the start time. */
export function rowDescription(v: RunView): string {
  return [describeRun(v), noteBit(v), v.status === 'queued' ? null : shortDate(v.startedAt)]
    .filter(Boolean)
    .join(' · ');
}

export function runNode(view: RunView, opts: BuildTreeOptions): RunTreeNode {
  const v = annotateRun(view, opts);
  const id = v.runDir ? `run:${path.resolve(v.runDir)}` : `queue:${v.queueId}`;
  return {
    id,
    kind: 'run',
    label: runLabel(v),
    description: rowDescription(v),
    icon: STATUS_ICONS[v.status],
    tooltip: tooltipOf(v),
    contextValue: contextValueOf(v),
    children: childrenOf(v, id, opts),
    runDir: v.runDir,
    queueId: v.queueId,
    status: v.status,
  };
}

/** Merges live entries over disk records into `RunView`s (queued and folder-less runs included). */
export function mergeRuns(disk: RunRecord[], live: QueueEntry[], now = Date.now()): RunView[] {
  const byDir = new Map<string, QueueEntry>();
  const loose: QueueEntry[] = [];
  // The newest entry for a folder wins (a resumed run has an older stopped entry too).
  for (const e of [...live].sort((a, b) => a.enqueuedAt - b.enqueuedAt)) {
    if (e.state === 'cancelled') continue;
    if (e.runDir) byDir.set(path.resolve(e.runDir), e);
    else loose.push(e);
  }
  const views: RunView[] = [];
  const seen = new Set<string>();
  for (const r of disk) {
    const key = path.resolve(r.runDir);
    seen.add(key);
    views.push(mergeRun(r, byDir.get(key), now));
  }
  for (const [key, e] of byDir) if (!seen.has(key)) views.push(mergeRun(undefined, e, now));
  for (const e of loose) views.push(mergeRun(undefined, e, now));
  return views;
}

const timeKey = (v: RunView) => (v.status === 'queued' ? Number.MAX_SAFE_INTEGER : (v.startedAt ?? 0));
/** Best val accuracy (queued runs on top, runs without one at the bottom), ties by time. */
const accKey = (v: RunView) => (v.status === 'queued' ? 2 : (v.bestValAcc ?? -1));

function compareRuns(sort: RunSort): (a: RunView, b: RunView) => number {
  return sort === 'valAcc'
    ? (a, b) => accKey(b) - accKey(a) || timeKey(b) - timeKey(a)
    : (a, b) => timeKey(b) - timeKey(a);
}

/**
 * The Runs tree: experiments, each with its runs, newest first (or best val accuracy first); with a
 * filter only the runs that match it (and the experiments that keep one).
 */
export function buildRunTree(
  disk: RunRecord[],
  live: QueueEntry[] = [],
  opts: BuildTreeOptions = {},
): RunTreeNode[] {
  const sort = opts.sort ?? 'time';
  const byRun = compareRuns(sort);
  const views = mergeRuns(disk, live, opts.now ?? Date.now())
    .map((v) => annotateRun(v, opts))
    .filter((v) => matchesFilter(v, rowDescription(v), opts.filter));
  const groups = new Map<string, RunView[]>();
  for (const v of views) {
    const g = groups.get(v.experiment) ?? [];
    g.push(v);
    groups.set(v.experiment, g);
  }
  const sorted = [...groups.entries()].map(([name, runs]) => {
    runs.sort(byRun);
    return { name, runs, first: runs[0] };
  });
  sorted.sort((a, b) => byRun(a.first, b.first) || a.name.localeCompare(b.name));
  return sorted.map(({ name, runs }) => {
    const running = runs.filter(
      (r) => r.status === RUN_STATUS.running || r.status === RUN_STATUS.created,
    ).length;
    const queued = runs.filter((r) => r.status === 'queued').length;
    const extra = [running ? `${running} running` : '', queued ? `${queued} queued` : ''].filter(Boolean);
    return {
      id: `experiment:${name}`,
      kind: 'experiment',
      label: name,
      description: `${runs.length} run${runs.length === 1 ? '' : 's'}${extra.length ? ` · ${extra.join(', ')}` : ''}`,
      icon: 'beaker',
      contextValue: 'experiment',
      children: runs.map((v) => runNode(v, opts)),
    };
  });
}
