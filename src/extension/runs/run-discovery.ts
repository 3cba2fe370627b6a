/**
 * Runs found on disk: `<runsDir>/<experiment>/<YYYYMMDD-HHMMSS>/` folders read into `RunRecord`s
 * (summary.json when the run ended, events.jsonl while it runs or after it died), and a debounced
 * watcher over the runs folder. Pure Node: no `vscode`, no TensorFlow. One bad run never breaks the
 * scan: it comes back as `unreadable` with the reason.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { isRunTimestamp, parseRunTimestamp, RUN_FILES, runFile } from '../../run-folder/layout';
import { readRunConfigText, readRunEvents, readSummary } from '../../run-folder/run-files';
import { isResumable, runResumeState } from '../../run-folder/run-resume';
import { type RecordedStatus, RUN_STATUS, type RunStatus } from '../../run-folder/status';
import type { RunEvent, RunSummaryFile } from '../../shared/run-events';

/** A run's status as the extension shows it: `interrupted` ran but has no live process. */
export type RunRecordStatus = RunStatus | 'unreadable';

export interface RunRecord {
  runDir: string;
  /** The experiment name (the folder above the run folder). */
  experiment: string;
  /** The run folder's name (`YYYYMMDD-HHMMSS`, maybe `-1`, ...). */
  timestamp: string;
  startedAt: Date | null;
  status: RunRecordStatus;
  /** Epochs completed. */
  epoch: number | null;
  /** Epochs planned (the config's train.epochs). */
  epochs: number | null;
  bestValAcc: number | null;
  bestEpoch: number | null;
  testAcc: number | null;
  elapsedSeconds: number | null;
  method: string | null;
  backend: string | null;
  /** The last error: summary.json's `error`, else the last error event of events.jsonl. */
  lastError: string | null;
  /**
   * `spt train --resume` can continue it: it stopped, was interrupted or failed and has a last
   * checkpoint, or was interrupted before its first one (it restarts from its config.yaml).
   */
  resumable: boolean;
  /** Why the run could not be read (status `unreadable`). */
  unreadable?: string;
}

export interface DiscoverOptions {
  /** Whether a run folder has a live trainer process (else a `running` run is `interrupted`). */
  isLive?: (runDir: string) => boolean;
}

function listDirs(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
}

/** The epochs a run folder plans (its config.yaml's train.epochs), or null. */
export function plannedEpochs(runDir: string): number | null {
  try {
    const config = parseYaml(readRunConfigText(runDir)) as {
      train?: { epochs?: unknown };
    };
    const e = config?.train?.epochs;
    return typeof e === 'number' ? e : null;
  } catch {
    return null;
  }
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function blank(runDir: string): RunRecord {
  const timestamp = path.basename(runDir);
  return {
    runDir,
    experiment: path.basename(path.dirname(runDir)),
    timestamp,
    startedAt: parseRunTimestamp(timestamp),
    status: 'unreadable',
    epoch: null,
    epochs: null,
    bestValAcc: null,
    bestEpoch: null,
    testAcc: null,
    elapsedSeconds: null,
    method: null,
    backend: null,
    lastError: null,
    resumable: false,
  };
}

/** Reads one run folder. Never throws: an unreadable run has status `unreadable` and a reason. */
export function readRunRecord(runDir: string, opts: DiscoverOptions = {}): RunRecord {
  const rec = blank(runDir);
  try {
    const hasSummary = fs.existsSync(runFile(runDir, 'summary'));
    const hasEvents = fs.existsSync(runFile(runDir, 'events'));
    if (!hasSummary && !hasEvents) {
      rec.unreadable = `no ${RUN_FILES.summary} or ${RUN_FILES.events} (not a run folder, or it has just been created)`;
      if (opts.isLive?.(runDir)) rec.status = RUN_STATUS.created;
      return rec;
    }
    let summary: RunSummaryFile | null = null;
    if (hasSummary) {
      try {
        summary = readSummary(runDir);
      } catch (err) {
        rec.unreadable = (err as Error).message;
        return rec;
      }
    }
    const events = hasEvents ? readRunEvents(runDir) : [];
    let status: RecordedStatus | null = summary?.status ?? null;
    let lastEpoch: Extract<RunEvent, { type: 'epoch' }> | null = null;
    let firstT: number | null = null;
    let lastT: number | null = null;
    for (const e of events) {
      if (!e || typeof e !== 'object') continue;
      const t = num((e as { t?: unknown }).t);
      if (t !== null) {
        firstT ??= t;
        lastT = t;
      }
      if (e.type === 'status' && !summary) status = e.status;
      else if (e.type === 'epoch') lastEpoch = e;
      else if (e.type === 'error' && typeof e.message === 'string')
        rec.lastError = e.hint ? `${e.message} (${e.hint})` : e.message;
    }
    if (!status) {
      rec.unreadable = `${RUN_FILES.events} has no status event`;
      return rec;
    }
    if (summary) {
      rec.epoch = num(summary.epochs_completed);
      rec.bestValAcc = num(summary.val_acc);
      rec.bestEpoch = num(summary.best_epoch);
      rec.testAcc = num(summary.test_acc);
      rec.elapsedSeconds = num(summary.wall_seconds);
      rec.method = typeof summary.method === 'string' ? summary.method : null;
      rec.backend = typeof summary.backend === 'string' ? summary.backend : null;
      if (typeof summary.error === 'string' && summary.error) rec.lastError = summary.error;
    } else {
      if (lastEpoch) {
        rec.epoch = lastEpoch.epoch; // the epoch that ended, counted from 1 = epochs completed
        rec.bestValAcc = num(lastEpoch.best?.acc);
        rec.bestEpoch = num(lastEpoch.best?.epoch);
      } else rec.epoch = 0;
      if (firstT !== null && lastT !== null) rec.elapsedSeconds = lastT - firstT;
    }
    rec.epochs = num(lastEpoch?.epochs) ?? plannedEpochs(runDir);
    if (!rec.startedAt && firstT !== null) rec.startedAt = new Date(firstT * 1000);
    // Live: a trainer of this window, or any process that holds the run's lock (a CLI run, another
    // window): such a run is running, not interrupted, and must not be resumed a second time. The
    // rule is the sweep's and `spt train --resume`'s too (src/run-folder/run-resume.ts).
    const r = runResumeState(runDir, status, opts.isLive);
    rec.status = r.status;
    rec.resumable = isResumable(r);
    return rec;
  } catch (err) {
    rec.status = 'unreadable';
    rec.unreadable = (err as Error).message;
    return rec;
  }
}

/** Every run under `runsDir` (`<experiment>/<timestamp>/`), newest first. Never throws. */
export function discoverRuns(runsDir: string, opts: DiscoverOptions = {}): RunRecord[] {
  const runs: RunRecord[] = [];
  for (const experiment of listDirs(runsDir)) {
    for (const stamp of listDirs(path.join(runsDir, experiment))) {
      if (!isRunTimestamp(stamp)) continue;
      runs.push(readRunRecord(path.join(runsDir, experiment, stamp), opts));
    }
  }
  return runs.sort(
    (a, b) =>
      (b.startedAt?.getTime() ?? 0) - (a.startedAt?.getTime() ?? 0) || b.timestamp.localeCompare(a.timestamp),
  );
}

export interface Disposable {
  dispose(): void;
}

export interface WatchOptions {
  /** Quiet time before `onChange` fires (ms). */
  debounceMs?: number;
  /** Force per-folder watching (the fallback where recursive fs.watch is missing). */
  recursive?: boolean;
  /** How often a missing runs folder is looked for (ms). */
  pollMissingMs?: number;
}

/**
 * Calls `onChange` (debounced) when anything under `runsDir` changes. Uses a recursive fs.watch
 * where the platform has one, else watches the runs folder, each experiment folder and each run
 * folder, re-syncing the set on every change. A missing runs folder is waited for.
 */
export function watchRuns(runsDir: string, onChange: () => void, opts: WatchOptions = {}): Disposable {
  const debounceMs = opts.debounceMs ?? 300;
  const watchers = new Map<string, fs.FSWatcher>();
  let timer: NodeJS.Timeout | undefined;
  let poll: NodeJS.Timeout | undefined;
  let disposed = false;
  let recursive = opts.recursive ?? true;

  const fire = () => {
    if (disposed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      if (!disposed) onChange();
    }, debounceMs);
  };

  const watch = (dir: string, rec: boolean): boolean => {
    if (watchers.has(dir)) return true;
    try {
      const w = fs.watch(dir, { recursive: rec, persistent: false }, () => {
        if (!recursive) sync();
        fire();
      });
      w.on('error', () => {
        w.close();
        watchers.delete(dir);
        fire();
      });
      watchers.set(dir, w);
      return true;
    } catch (err) {
      if (rec && (err as NodeJS.ErrnoException).code === 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM') {
        recursive = false;
      }
      return false;
    }
  };

  const sync = () => {
    if (disposed) return;
    if (!fs.existsSync(runsDir)) {
      for (const w of watchers.values()) w.close();
      watchers.clear();
      startPolling();
      return;
    }
    if (recursive && watch(runsDir, true)) return;
    const wanted = new Set([runsDir]);
    for (const e of listDirs(runsDir)) {
      const exp = path.join(runsDir, e);
      wanted.add(exp);
      for (const r of listDirs(exp)) if (isRunTimestamp(r)) wanted.add(path.join(exp, r));
    }
    for (const [dir, w] of watchers) {
      if (!wanted.has(dir)) {
        w.close();
        watchers.delete(dir);
      }
    }
    for (const dir of wanted) watch(dir, false);
  };

  const startPolling = () => {
    if (poll || disposed) return;
    poll = setInterval(() => {
      if (!fs.existsSync(runsDir)) return;
      clearInterval(poll);
      poll = undefined;
      sync();
      fire();
    }, opts.pollMissingMs ?? 1000);
    poll.unref();
  };

  sync();
  return {
    dispose() {
      disposed = true;
      if (timer) clearTimeout(timer);
      if (poll) clearInterval(poll);
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}
