/**
 * Every run found on disk, over a changing set of runs folders: each folder is scanned with
 * discoverRuns and discoverSweeps and watched with watchRuns; `onDidChange` fires (debounced by the
 * watchers) when a folder's content changes or the set of folders does. Pure Node: no `vscode`.
 */
import * as path from 'node:path';
import { discoverSweeps, type SweepRecord } from '../sweeps/sweep-discovery';
import {
  type DiscoverOptions,
  type Disposable,
  discoverRuns,
  type RunRecord,
  watchRuns,
} from './run-discovery';

export class RunsIndex implements Disposable {
  private readonly folders = new Map<
    string,
    { watcher: Disposable; runs: RunRecord[]; sweeps: SweepRecord[] }
  >();
  private readonly listeners = new Set<() => void>();
  private disposed = false;

  constructor(private readonly options: DiscoverOptions & { debounceMs?: number } = {}) {}

  onDidChange(listener: () => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  get runsFolders(): string[] {
    return [...this.folders.keys()];
  }

  /** Replaces the watched folders (unchanged ones keep their watcher). */
  setFolders(dirs: string[]): void {
    const wanted = new Set(dirs.map((d) => path.resolve(d)));
    let changed = false;
    for (const [dir, f] of this.folders) {
      if (!wanted.has(dir)) {
        f.watcher.dispose();
        this.folders.delete(dir);
        changed = true;
      }
    }
    for (const dir of wanted) changed = this.add(dir) || changed;
    if (changed) this.fire();
  }

  /** Adds one folder (e.g. the output dir of a run just started); true when it is new. */
  addFolder(dir: string): boolean {
    const added = this.add(path.resolve(dir));
    if (added) this.fire();
    return added;
  }

  private add(dir: string): boolean {
    if (this.disposed || this.folders.has(dir)) return false;
    const entry = {
      runs: discoverRuns(dir, this.options),
      sweeps: discoverSweeps(dir, this.options),
      watcher: watchRuns(
        dir,
        () => {
          entry.runs = discoverRuns(dir, this.options);
          entry.sweeps = discoverSweeps(dir, this.options);
          this.fire();
        },
        { debounceMs: this.options.debounceMs ?? 300 },
      ),
    };
    this.folders.set(dir, entry);
    return true;
  }

  /** Scans every folder again now (after a run started or ended, or Delete Run). */
  rescan(): void {
    for (const [dir, f] of this.folders) {
      f.runs = discoverRuns(dir, this.options);
      f.sweeps = discoverSweeps(dir, this.options);
    }
    this.fire();
  }

  /** Every run, newest first. */
  records(): RunRecord[] {
    return [...this.folders.values()]
      .flatMap((f) => f.runs)
      .sort((a, b) => (b.startedAt?.getTime() ?? 0) - (a.startedAt?.getTime() ?? 0));
  }

  /** Every sweep (`<runs folder>/sweeps/<name>/sweep.json`), newest first. */
  sweeps(): SweepRecord[] {
    return [...this.folders.values()]
      .flatMap((f) => f.sweeps)
      .sort((a, b) => b.updated.localeCompare(a.updated));
  }

  find(runDir: string): RunRecord | undefined {
    const want = path.resolve(runDir);
    return this.records().find((r) => path.resolve(r.runDir) === want);
  }

  private fire(): void {
    for (const l of [...this.listeners]) {
      try {
        l();
      } catch {
        // a listener must not break the index
      }
    }
  }

  dispose(): void {
    this.disposed = true;
    for (const f of this.folders.values()) f.watcher.dispose();
    this.folders.clear();
    this.listeners.clear();
  }
}
