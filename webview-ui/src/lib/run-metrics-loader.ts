/**
 * The metrics of each shown run, loaded once per run for a view (the curves and the system tab): which
 * runs are loaded, which are loading, and why one failed. `load` asks for the runs not loaded or loading
 * yet and calls `settled` after each answer. Pure: the request is passed in.
 */
import type { RunMetrics } from '../../../src/shared/webview-contract';

export class RunMetricsLoader {
  readonly loaded = new Map<string, RunMetrics>();
  readonly errors = new Map<string, string>();
  readonly loading = new Set<string>();

  constructor(private readonly request: (runDir: string) => Promise<RunMetrics>) {}

  load(runDirs: Iterable<string>, settled: () => void): void {
    for (const dir of runDirs) {
      if (this.loaded.has(dir) || this.loading.has(dir)) continue;
      this.loading.add(dir);
      this.errors.delete(dir);
      this.request(dir).then(
        (m) => {
          this.loading.delete(dir);
          this.loaded.set(dir, m);
          settled();
        },
        (e: unknown) => {
          this.loading.delete(dir);
          this.errors.set(dir, e instanceof Error ? e.message : String(e));
          settled();
        },
      );
    }
  }
}
