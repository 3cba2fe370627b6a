/**
 * Writing a run folder (its names: ./layout.ts): creating it under a unique time stamp, whole-line
 * JSONL appends that survive a crash, and `RunFolder`, the trainer's handle on its files. The
 * extension, the dashboard and the benchmarks read what it writes (./run-files.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MetricLine, RunEvent } from '../shared/run-events';
import { writeError, writeFileAtomic } from './atomic-write';
import { faultPoint } from './fault';
import { checkpointFile, formatRunTimestamp, RUN_FILES, type RunFileKey, runFile } from './layout';

/** A new, unique run folder under `outputDir/name/`. */
export function createRunDir(outputDir: string, name: string, now = new Date()): string {
  const base = path.join(outputDir, name);
  fs.mkdirSync(base, { recursive: true });
  for (let i = 0; ; i++) {
    const dir = path.join(base, i ? `${formatRunTimestamp(now)}-${i}` : formatRunTimestamp(now));
    try {
      fs.mkdirSync(dir);
      fs.mkdirSync(path.join(dir, RUN_FILES.checkpoints));
      return dir;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/**
 * Appends whole lines (one write each), so a crash can cut only the last line. A torn last line
 * left by a crash (no newline at the end) is cut off before the first append, so new lines never
 * glue onto it. A failed write (a full disk) throws a WriteError naming the file.
 */
export class JsonlWriter<T> {
  private repaired = false;
  constructor(readonly file: string) {}

  append(value: T): void {
    const line = `${JSON.stringify(value)}\n`;
    try {
      if (!this.repaired) {
        repairJsonlTail(this.file);
        this.repaired = true;
      }
      faultPoint(`append:${this.file}`, () => fs.appendFileSync(this.file, line.slice(0, line.length >> 1)));
      fs.appendFileSync(this.file, line);
    } catch (err) {
      throw writeError(this.file, err);
    }
  }
}

/**
 * Cuts a torn last line (bytes after the last newline) off a JSONL file; returns how many bytes
 * were cut. A missing file is left alone.
 */
export function repairJsonlTail(file: string): number {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r+');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size === 0) return 0;
    // Read backwards in blocks until a newline is found.
    const block = Buffer.alloc(Math.min(size, 64 * 1024));
    let end = size;
    while (end > 0) {
      const start = Math.max(0, end - block.length);
      const n = fs.readSync(fd, block, 0, end - start, start);
      const nl = block.subarray(0, n).lastIndexOf(0x0a);
      if (nl >= 0) {
        const keep = start + nl + 1;
        if (keep < size) fs.ftruncateSync(fd, keep);
        return size - keep;
      }
      end = start;
    }
    fs.ftruncateSync(fd, 0);
    return size;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The complete lines of a JSONL file that parse. A torn last line (no newline) is ignored, and so is
 * a line that does not parse (garbage from a damaged disk), so one bad line never hides the rest.
 */
export function readJsonl<T>(file: string): T[] {
  if (!fs.existsSync(file)) return [];
  const text = fs.readFileSync(file, 'utf8');
  const end = text.lastIndexOf('\n');
  if (end < 0) return [];
  const out: T[] = [];
  for (const l of text.slice(0, end).split('\n')) {
    if (!l.trim()) continue;
    try {
      out.push(JSON.parse(l) as T);
    } catch {
      // a damaged line: skipped
    }
  }
  return out;
}

/** Keeps the first `count` complete lines (resume: drop what came after the checkpoint). */
export function truncateJsonl(file: string, count: number): void {
  const lines = readJsonl<unknown>(file).slice(0, count);
  writeFileAtomic(file, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
}

/**
 * Removes temporary files a killed writer left behind (`.<name>.<pid>.<time>.tmp`, see
 * writeFileAtomic) in the run folder, checkpoints/ and analysis/. Returns the names removed.
 */
export function removeStaleTemps(runDir: string): string[] {
  const removed: string[] = [];
  for (const dir of [
    runDir,
    path.join(runDir, RUN_FILES.checkpoints),
    path.join(runDir, RUN_FILES.analysis),
  ]) {
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names) {
      if (!/^\..+\.tmp$/.test(n)) continue;
      fs.rmSync(path.join(dir, n), { force: true });
      removed.push(path.relative(runDir, path.join(dir, n)));
    }
  }
  return removed;
}

export class RunFolder {
  readonly metrics: JsonlWriter<MetricLine>;
  readonly events: JsonlWriter<RunEvent>;

  constructor(readonly dir: string) {
    this.metrics = new JsonlWriter(path.join(dir, RUN_FILES.metrics));
    this.events = new JsonlWriter(path.join(dir, RUN_FILES.events));
  }

  file(name: RunFileKey): string {
    return runFile(this.dir, name);
  }

  checkpoint(name: string): string {
    return checkpointFile(this.dir, name);
  }

  writeJson(name: RunFileKey, value: unknown): void {
    writeFileAtomic(this.file(name), `${JSON.stringify(value, null, 2)}\n`);
  }
}
