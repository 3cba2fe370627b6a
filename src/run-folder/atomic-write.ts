import * as fs from 'node:fs';
import * as path from 'node:path';
import { faultPoint } from './fault';

/** Error codes that mean "the disk cannot take this write", with what to tell the user. */
const DISK_PROBLEMS: Record<string, string> = {
  ENOSPC: 'the disk is full (ENOSPC)',
  EDQUOT: 'the disk quota is exceeded (EDQUOT)',
  EFBIG: 'the file is larger than the file system allows (EFBIG)',
  EROFS: 'the file system is read-only (EROFS)',
  EIO: 'the disk reported an I/O error (EIO)',
  EACCES: 'permission denied (EACCES)',
  EPERM: 'permission denied (EPERM)',
};

/** A write that failed: names the file and what the disk said; `code` is the system error code. */
export class WriteError extends Error {
  override name = 'WriteError';
  constructor(
    readonly file: string,
    readonly code: string | undefined,
    readonly reason: string,
  ) {
    super(`cannot write ${file}: ${reason}`);
  }
}

/** True for errors that mean the disk is full or not writable (so a run can say so clearly). */
export function isDiskError(err: unknown): err is { code: string; message: string } {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code in DISK_PROBLEMS;
}

/** A WriteError for `file` from a file system error. */
export function writeError(file: string, err: unknown): WriteError {
  if (err instanceof WriteError) return err;
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const reason = (code && DISK_PROBLEMS[code]) || (err as Error)?.message || String(err);
  return new WriteError(file, code, reason);
}

let counter = 0;

/**
 * Writes a file atomically: the bytes go to a temporary file in the same folder, are flushed to disk,
 * and the temporary file is renamed over the target (then the folder is synced where the platform
 * allows), so a crash leaves either the old file or the new one, never half of one. A failure (a full
 * disk) throws a WriteError naming the file, removes the temporary file and leaves the old file as
 * it was.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array | readonly Uint8Array[]): void {
  const chunks =
    typeof data === 'string' ? [Buffer.from(data, 'utf8')] : data instanceof Uint8Array ? [data] : data;
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(
    dir,
    `.${path.basename(file)}.${process.pid}.${Date.now().toString(36)}${(counter++).toString(36)}.tmp`,
  );
  const site = `write:${file}`;
  let fd: number | undefined;
  try {
    fs.mkdirSync(dir, { recursive: true });
    faultPoint(`${site}:open`);
    fd = fs.openSync(tmp, 'wx');
    // The fault point halfway through the bytes: a kill leaves a torn temporary file behind, an
    // injected full disk fails in the middle of the write.
    const half = Math.max(1, Math.floor(chunks.reduce((n, c) => n + c.length, 0) / 2));
    let written = 0;
    let halfway = false;
    for (const chunk of chunks) {
      let done = 0;
      while (done < chunk.length) {
        const n = halfway ? chunk.length - done : Math.min(chunk.length - done, half - written);
        const w = fs.writeSync(fd, chunk, done, n);
        done += w;
        written += w;
        if (!halfway && written >= half) {
          halfway = true;
          faultPoint(`${site}:data`);
        }
      }
    }
    faultPoint(`${site}:fsync`);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    faultPoint(`${site}:rename`);
    fs.renameSync(tmp, file);
  } catch (err) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw writeError(file, err);
  }
  faultPoint(`${site}:renamed`);
  try {
    const dfd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  } catch {
    // syncing a folder is not supported everywhere (Windows); the data itself is flushed
  }
}
