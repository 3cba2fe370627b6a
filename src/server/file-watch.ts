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

  track(uri: string, files: string[]): void {
    this.filesOf.set(uri, files);
    this.sync();
  }

  untrack(uri: string): void {
    this.filesOf.delete(uri);
    this.sync();
  }

  dispose(): void {
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
    this.filesOf.clear();
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

  private sync(): void {
    const wanted = new Map<string, string>();
    for (const files of this.filesOf.values()) for (const f of files) wanted.set(FileWatcher.target(f), f);
    for (const [target, w] of this.watchers) {
      if (!wanted.has(target)) {
        w.close();
        this.watchers.delete(target);
      }
    }
    for (const [target, file] of wanted) {
      if (this.watchers.has(target) || this.watchers.size >= MAX_WATCHERS) continue;
      try {
        const w = fs.watch(target, { persistent: false }, () =>
          this.changed(file === target ? file : target),
        );
        w.on('error', () => {
          w.close();
          this.watchers.delete(target);
        });
        this.watchers.set(target, w);
      } catch {
        // Unwatchable (permissions, too many watchers): the client's notifications still count.
      }
    }
  }
}
