/**
 * Watches the files the open documents' checks depend on (checkpoints, data roots, split files),
 * so that a change on disk re-validates them even when the client does not report it (files outside
 * the workspace). A missing file is watched through its nearest existing folder, so creating it counts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const MAX_WATCHERS = 256;

export class FileWatcher {
  private readonly watchers = new Map<string, fs.FSWatcher>();
  private readonly filesOf = new Map<string, string[]>();
  /** The watched target of each file of each document (a missing file: its nearest folder). */
  private readonly targetsOf = new Map<string, Map<string, string>>();
  /** How many (document, file) pairs use each target, and one file that does. */
  private readonly uses = new Map<string, { count: number; file: string }>();

  constructor(private readonly changed: (file: string) => void) {}

  /** The documents that depend on `file` (or on something inside it). */
  usersOf(file: string): string[] {
    const out: string[] = [];
    for (const [uri, files] of this.filesOf) {
      if (files.some((f) => f === file || f.startsWith(file + path.sep) || file.startsWith(f + path.sep)))
        out.push(uri);
    }
    return out;
  }

  /**
   * The files `uri` depends on now. Costs only this document's files (thousands of open documents
   * must not make each call slower).
   */
  track(uri: string, files: string[]): void {
    const targets = new Map(files.map((f) => [f, FileWatcher.target(f)]));
    const old = this.targetsOf.get(uri);
    this.filesOf.set(uri, files);
    if (old && old.size === targets.size && [...targets].every(([f, t]) => old.get(f) === t)) return;
    this.targetsOf.set(uri, targets);
    for (const [f, t] of targets) this.use(t, f);
    if (old) for (const t of old.values()) this.release(t);
  }

  untrack(uri: string): void {
    const old = this.targetsOf.get(uri);
    this.filesOf.delete(uri);
    this.targetsOf.delete(uri);
    if (old) for (const t of old.values()) this.release(t);
  }

  dispose(): void {
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
    this.filesOf.clear();
    this.targetsOf.clear();
    this.uses.clear();
  }

  private static target(file: string): string {
    let p = file;
    while (!fs.existsSync(p)) {
      const up = path.dirname(p);
      if (up === p) break;
      p = up;
    }
    return p;
  }

  private use(target: string, file: string): void {
    const u = this.uses.get(target);
    if (u) {
      u.count++;
      return;
    }
    this.uses.set(target, { count: 1, file });
    if (this.watchers.size >= MAX_WATCHERS) return;
    try {
      const w = fs.watch(target, { persistent: false }, () => this.changed(file === target ? file : target));
      w.on('error', () => {
        w.close();
        this.watchers.delete(target);
      });
      this.watchers.set(target, w);
    } catch {
      // Unwatchable (permissions, too many watchers): the client's notifications still count.
    }
  }

  private release(target: string): void {
    const u = this.uses.get(target);
    if (!u) return;
    if (--u.count > 0) return;
    this.uses.delete(target);
    this.watchers.get(target)?.close();
    this.watchers.delete(target);
  }
}
