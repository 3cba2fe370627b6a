/**
 * One writer per run folder: `run.lock` holds the pid, host and start time of the process that
 * trains into the folder (created with O_EXCL, removed when the run ends). A second `spt train
 * --resume` or the extension's Resume on a folder whose writer is alive is refused, and the Runs
 * view shows such a run as running rather than interrupted. A lock whose process is gone (killed,
 * crashed, the machine rebooted) is stale and taken over.
 *
 * Liveness: on the same host, the pid must exist and (on Linux) have the recorded start time, so a
 * reused pid does not look alive; on another host (a shared runs folder) the lock is refreshed
 * while the run trains and counts as stale after `STALE_REMOTE_MS` without a refresh.
 * Pure Node: used by the trainer, the CLI and the extension.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RUN_FILES } from './layout';

export const RUN_LOCK_FILE = RUN_FILES.lock;
/** A lock from another host that has not been refreshed for this long is stale. */
export const STALE_REMOTE_MS = 15 * 60_000;
/** How often a held lock's time stamp is refreshed (at most). */
const REFRESH_MS = 30_000;

export interface RunLockInfo {
  pid: number;
  host: string;
  /** The process start time in clock ticks since boot (/proc/<pid>/stat field 22), where known. */
  procStart: string | null;
  startedAt: string;
  /** What holds it, e.g. `spt train` or `trainer`. */
  by: string;
  nonce: string;
}

export class RunLockedError extends Error {
  override name = 'RunLockedError';
  constructor(
    readonly runDir: string,
    readonly holder: RunLockInfo,
  ) {
    super(
      `${runDir} is being written by another process (pid ${holder.pid} on ${holder.host}, ${holder.by}, since ${holder.startedAt}); ` +
        `stop that run first (or, if that process is gone, delete ${path.join(runDir, RUN_LOCK_FILE)})`,
    );
  }
}

function procStart(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) may contain spaces and parentheses: count fields after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19] ?? null; // field 22 overall
  } catch {
    return null;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseLock(text: string): RunLockInfo | null {
  try {
    const v = JSON.parse(text) as Partial<RunLockInfo>;
    if (typeof v.pid !== 'number' || typeof v.host !== 'string' || typeof v.nonce !== 'string') return null;
    return {
      pid: v.pid,
      host: v.host,
      procStart: typeof v.procStart === 'string' ? v.procStart : null,
      startedAt: typeof v.startedAt === 'string' ? v.startedAt : '?',
      by: typeof v.by === 'string' ? v.by : '?',
      nonce: v.nonce,
    };
  } catch {
    return null;
  }
}

/** Whether the process that wrote `info` is still running (see the module comment). */
export function lockHolderAlive(info: RunLockInfo, mtimeMs: number, now = Date.now()): boolean {
  if (info.host !== os.hostname()) return now - mtimeMs < STALE_REMOTE_MS;
  if (!pidAlive(info.pid)) return false;
  if (info.procStart === null) return true;
  const current = procStart(info.pid);
  return current === null || current === info.procStart;
}

/** The live process writing `runDir`, or null (no lock, a stale one, or an unreadable one). */
export function runLockHolder(runDir: string): RunLockInfo | null {
  const file = path.join(runDir, RUN_LOCK_FILE);
  try {
    const info = parseLock(fs.readFileSync(file, 'utf8'));
    if (!info) return null;
    return lockHolderAlive(info, fs.statSync(file).mtimeMs) ? info : null;
  } catch {
    return null;
  }
}

export interface RunLock {
  readonly info: RunLockInfo;
  /** Refreshes the time stamp (at most every 30 s) so other hosts see the run alive. */
  refresh(): void;
  /** Removes the lock if it is still ours. */
  release(): void;
}

/**
 * Takes the lock of `runDir` or throws RunLockedError naming the live holder. A stale lock is taken
 * over (moved aside first, so two processes that both found it stale cannot both win).
 */
export function acquireRunLock(runDir: string, by = 'spt train'): RunLock {
  const file = path.join(runDir, RUN_LOCK_FILE);
  const info: RunLockInfo = {
    pid: process.pid,
    host: os.hostname(),
    procStart: procStart(process.pid),
    startedAt: new Date().toISOString(),
    by,
    nonce: randomBytes(8).toString('hex'),
  };
  const text = `${JSON.stringify(info)}\n`;
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      fs.writeFileSync(file, text, { flag: 'wx' });
      return handle(file, info);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let existing: string;
    let mtimeMs: number;
    try {
      existing = fs.readFileSync(file, 'utf8');
      mtimeMs = fs.statSync(file).mtimeMs;
    } catch {
      continue; // released meanwhile: try again
    }
    const holder = parseLock(existing);
    // A lock being written right now can read empty: give its writer a moment.
    if (!holder && Date.now() - mtimeMs < 2000 && attempt < 10) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
      continue;
    }
    if (holder && lockHolderAlive(holder, mtimeMs)) throw new RunLockedError(runDir, holder);
    // Stale: move it aside under a private name; only the process whose rename got the stale
    // content deletes it, anyone who grabbed a fresh lock by mistake puts it back.
    const aside = `${file}.${info.nonce}.stale`;
    try {
      fs.renameSync(file, aside);
    } catch {
      continue;
    }
    const moved = fs.readFileSync(aside, 'utf8');
    if (moved === existing) fs.rmSync(aside, { force: true });
    else {
      try {
        fs.linkSync(aside, file); // put the fresh lock back (fails if yet another one appeared)
      } catch {
        // someone holds it now; they keep it
      }
      fs.rmSync(aside, { force: true });
    }
  }
  const holder = parseLock(fs.readFileSync(file, 'utf8'));
  if (holder) throw new RunLockedError(runDir, holder);
  throw new Error(`${file}: cannot take the run lock (it keeps changing)`);
}

function handle(file: string, info: RunLockInfo): RunLock {
  let refreshed = Date.now();
  const ours = () => {
    try {
      return parseLock(fs.readFileSync(file, 'utf8'))?.nonce === info.nonce;
    } catch {
      return false;
    }
  };
  return {
    info,
    refresh() {
      const now = Date.now();
      if (now - refreshed < REFRESH_MS) return;
      refreshed = now;
      try {
        fs.utimesSync(file, new Date(now), new Date(now));
      } catch {
        // best effort (a full disk does not block a time stamp change, but a removed folder does)
      }
    },
    release() {
      if (ours()) fs.rmSync(file, { force: true });
    },
  };
}
