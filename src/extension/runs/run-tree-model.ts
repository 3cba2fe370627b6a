/**
 * The Runs tree as plain data: experiments (newest first), their runs (newest first) with a status
 * icon, a one-line description, a markdown tooltip and a contextValue for `when` clauses, and under
 * each run its key metrics and artifacts. Live state (the queue's entries) is merged over what was
 * read from disk. The TreeDataProvider only maps these nodes to TreeItems. No `vscode` here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkpointSidecar, checkpointSidecarName, RUN_FILES } from '../../run-folder/layout';
import { hasLastCheckpoint } from '../../run-folder/run-resume';
import { RUN_STATUS } from '../../run-folder/status';
import type { RunRecord, RunRecordStatus } from './run-discovery';
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
  lastError: string | null;
  resumable: boolean;
  live: boolean;
  method: string | null;
  backend: string | null;
  logFile?: string;
  unreadable?: string;
}

export interface BuildTreeOptions {
  /** Now, in ms (elapsed time of live runs). */
  now?: number;
  /** The log file of a run folder, when the extension kept one. */
  logFileFor?: (runDir: string) => string | undefined;
  /** Whether a file exists (artifacts that are missing are left out). */
  exists?: (file: string) => boolean;
  /** The live entry of a sweep's run while this window's sweep trains it (sweeps/sweep-live.ts). */
  sweepLive?: (sweepDir: string, run: string) => QueueEntry | undefined;
}

export const STATUS_ICONS: Record<RunNodeStatus, string> = {
  queued: 'clock',
  initialising: 'loading~spin',
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
  v.status = live.state === 'running' ? (live.step || live.epoch ? 'running' : 'initialising') : live.state;
  v.startedAt = base.startedAt ?? live.startedAt ?? live.enqueuedAt;
  v.epoch = live.epoch ?? base.epoch;
  v.epochs = live.epochs ?? base.epochs;
  v.bestValAcc = live.bestValAcc ?? base.bestValAcc;
  v.bestEpoch = live.bestEpoch ?? base.bestEpoch;
  v.testAcc = live.testAcc ?? base.testAcc;
  v.loss = live.loss ?? null;
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

export function describeRun(v: RunView): string {
  const parts: string[] = [];
  const epochs = v.epoch !== null && v.epochs ? `epoch ${v.epoch}/${v.epochs}` : null;
  switch (v.status) {
    case 'queued':
      return 'queued';
    case 'initialising':
    case 'running':
      if (v.status === RUN_STATUS.created && !v.epoch) parts.push(RUN_STATUS.created);
      else if (epochs) parts.push(epochs);
      if (v.bestValAcc !== null) parts.push(`val ${pct(v.bestValAcc)}`);
      break;
    case 'finished':
      parts.push('finished');
      if (v.testAcc !== null) parts.push(`test ${pct(v.testAcc)}`);
      else if (v.bestValAcc !== null) parts.push(`val ${pct(v.bestValAcc)}`);
      return parts.join(' · ');
    case 'failed':
      parts.push('failed');
      if (v.lastError) parts.push(v.lastError.length > 60 ? `${v.lastError.slice(0, 57)}...` : v.lastError);
      return parts.join(' · ');
    case 'stopped':
    case 'interrupted':
      parts.push(v.status);
      if (epochs) parts.push(epochs);
      if (v.bestValAcc !== null) parts.push(`val ${pct(v.bestValAcc)}`);
      break;
    case 'unreadable':
      return `unreadable${v.unreadable ? ` · ${v.unreadable}` : ''}`;
  }
  if (v.elapsedSeconds !== null) parts.push(formatDuration(v.elapsedSeconds));
  return parts.join(' · ');
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
  const rows: [string, string][] = [['status', v.status]];
  if (v.epoch !== null)
    rows.push(['epochs completed', v.epochs ? `${v.epoch}/${v.epochs}` : String(v.epoch)]);
  if (v.bestValAcc !== null) rows.push(['best val acc', bestVal(v)]);
  if (v.testAcc !== null) rows.push(['test acc', pct(v.testAcc)]);
  if (v.loss !== null) rows.push(['train loss', v.loss.toFixed(4)]);
  if (v.elapsedSeconds !== null) rows.push(['elapsed', formatDuration(v.elapsedSeconds)]);
  if (v.method) rows.push(['method', v.method]);
  if (v.backend) rows.push(['backend', v.backend]);
  if (v.resumable) rows.push(['resumable', 'yes']);
  const lines = [`**${esc(v.experiment)}** · ${formatDate(v.startedAt)}`, '', '| | |', '|---|---|'];
  for (const [k, val] of rows) lines.push(`| ${k} | ${esc(val)} |`);
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
    artifact(
      'best',
      `${RUN_FILES.checkpoints}/${checkpointSidecarName('best')}`,
      checkpointSidecar(v.runDir, 'best'),
      'database',
    );
  }
  artifact('log', 'log', v.logFile ?? (v.runDir ? opts.logFileFor?.(v.runDir) : undefined), 'output');
  return out;
}

export function runNode(v: RunView, opts: BuildTreeOptions): RunTreeNode {
  const id = v.runDir ? `run:${path.resolve(v.runDir)}` : `queue:${v.queueId}`;
  return {
    id,
    kind: 'run',
    label: v.startedAt !== null && v.status !== 'queued' ? formatDate(v.startedAt) : v.experiment,
    description: describeRun(v),
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

const sortKey = (v: RunView) => (v.status === 'queued' ? Number.MAX_SAFE_INTEGER : (v.startedAt ?? 0));

/** The Runs tree: experiments (newest run first), each with its runs newest first. */
export function buildRunTree(
  disk: RunRecord[],
  live: QueueEntry[] = [],
  opts: BuildTreeOptions = {},
): RunTreeNode[] {
  const views = mergeRuns(disk, live, opts.now ?? Date.now());
  const groups = new Map<string, RunView[]>();
  for (const v of views) {
    const g = groups.get(v.experiment) ?? [];
    g.push(v);
    groups.set(v.experiment, g);
  }
  const sorted = [...groups.entries()].map(([name, runs]) => {
    runs.sort((a, b) => sortKey(b) - sortKey(a));
    return { name, runs, newest: sortKey(runs[0]) };
  });
  sorted.sort((a, b) => b.newest - a.newest || a.name.localeCompare(b.name));
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
