/**
 * What the dashboard has loaded: run summaries (pushed by the extension), metrics (requested once per
 * run, then grown by live lines), and analysis artifacts (requested lazily per view, a few cached).
 * No DOM: views subscribe to changes.
 */
import type { AnalysisIndex } from '../../src/shared/analysis-contract';
import type { MetricLine } from '../../src/shared/run-events';
import type {
  AttentionData,
  DashboardMode,
  DashboardRun,
  ImageData64,
  PromptSourceData,
  PrototypeMapData,
  RequestKind,
  RequestParams,
  RequestResult,
  RunMetrics,
} from '../../src/shared/webview-contract';
import { appendMetricLines, normaliseMetrics } from './lib/metrics';

export type Requester = <K extends RequestKind>(
  kind: K,
  params: RequestParams<K>,
) => Promise<RequestResult<K>>;

export type StoreEvent =
  | { type: 'runs' }
  | { type: 'metrics'; runDir: string; appended: number }
  | { type: 'analysis'; runDir: string; epoch: number };

/** A small least-recently-used cache of promises (a failed request is forgotten, so a retry asks again). */
class PromiseCache<T> {
  private readonly map = new Map<string, Promise<T>>();
  constructor(private readonly capacity: number) {}

  get(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.map.get(key);
    if (hit) {
      this.map.delete(key);
      this.map.set(key, hit);
      return hit;
    }
    const p = load();
    this.map.set(key, p);
    p.catch(() => {
      if (this.map.get(key) === p) this.map.delete(key);
    });
    while (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as string);
    return p;
  }

  deleteWhere(pred: (key: string) => boolean): void {
    for (const k of [...this.map.keys()]) if (pred(k)) this.map.delete(k);
  }
}

interface MetricsEntry {
  promise: Promise<RunMetrics>;
  /** Set once loaded; live lines are appended to it. */
  data: RunMetrics | null;
  /** Lines that arrived before the response; merged (deduplicated) when it comes. */
  buffered: MetricLine[];
}

export class Store {
  mode: DashboardMode = 'run';
  runs: DashboardRun[] = [];
  /** True once `init` arrived. */
  ready = false;
  private readonly listeners = new Set<(e: StoreEvent) => void>();
  private readonly metrics = new Map<string, MetricsEntry>();
  private readonly pendingLines = new Map<string, MetricLine[]>();
  private readonly indexes = new PromiseCache<AnalysisIndex | null>(16);
  private readonly maps = new PromiseCache<PrototypeMapData>(24);
  private readonly attentions = new PromiseCache<AttentionData>(24);
  private readonly probes = new PromiseCache<ImageData64[]>(8);
  private readonly sources = new PromiseCache<PromptSourceData>(64);

  constructor(private readonly request: Requester) {}

  subscribe(fn: (e: StoreEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(e: StoreEvent): void {
    for (const fn of this.listeners) fn(e);
  }

  init(mode: DashboardMode, runs: DashboardRun[]): void {
    this.mode = mode;
    this.runs = runs.slice();
    this.ready = true;
    this.emit({ type: 'runs' });
  }

  updateRuns(runs: DashboardRun[]): void {
    for (const r of runs) {
      const i = this.runs.findIndex((x) => x.runDir === r.runDir);
      if (i >= 0) this.runs[i] = r;
    }
    this.emit({ type: 'runs' });
  }

  run(runDir: string | null | undefined): DashboardRun | undefined {
    return this.runs.find((r) => r.runDir === runDir);
  }

  /** The run's metrics: requested once, then kept current by live lines. */
  loadMetrics(runDir: string): Promise<RunMetrics> {
    const hit = this.metrics.get(runDir);
    if (hit) return hit.promise;
    const entry: MetricsEntry = { promise: Promise.resolve(null as never), data: null, buffered: [] };
    entry.buffered = this.pendingLines.get(runDir) ?? [];
    this.pendingLines.delete(runDir);
    entry.promise = this.request('metrics', { runDir }).then(
      (m) => {
        const data = normaliseMetrics(m);
        appendMetricLines(data, entry.buffered);
        entry.buffered = [];
        entry.data = data;
        return data;
      },
      (e) => {
        if (this.metrics.get(runDir) === entry) {
          this.metrics.delete(runDir);
          if (entry.buffered.length) this.pendingLines.set(runDir, entry.buffered);
        }
        throw e;
      },
    );
    this.metrics.set(runDir, entry);
    return entry.promise;
  }

  metricsIfLoaded(runDir: string): RunMetrics | null {
    return this.metrics.get(runDir)?.data ?? null;
  }

  /** Live lines: appended to loaded metrics, buffered while a request is out (or before one is made). */
  appendLines(runDir: string, lines: MetricLine[]): void {
    const entry = this.metrics.get(runDir);
    if (entry?.data) {
      const appended = appendMetricLines(entry.data, lines);
      if (appended) this.emit({ type: 'metrics', runDir, appended });
    } else if (entry) {
      entry.buffered.push(...lines);
    } else {
      const buf = this.pendingLines.get(runDir) ?? [];
      buf.push(...lines);
      // A run nobody looks at yet: keep a bounded tail (its file has the rest when it is requested).
      if (buf.length > 50_000) buf.splice(0, buf.length - 50_000);
      this.pendingLines.set(runDir, buf);
    }
  }

  analysisIndex(runDir: string): Promise<AnalysisIndex | null> {
    return this.indexes.get(runDir, () => this.request('analysisIndex', { runDir }));
  }

  prototypeMap(runDir: string, epoch: number, layer: number): Promise<PrototypeMapData> {
    return this.maps.get(`${runDir}\n${epoch}\n${layer}`, () =>
      this.request('prototypeMap', { runDir, epoch, layer }),
    );
  }

  attention(runDir: string, epoch: number, layer: number): Promise<AttentionData> {
    return this.attentions.get(`${runDir}\n${epoch}\n${layer}`, () =>
      this.request('attention', { runDir, epoch, layer }),
    );
  }

  /** The probe set is fixed per run: one request per run. */
  probeImages(runDir: string, epoch: number): Promise<ImageData64[]> {
    return this.probes.get(runDir, () => this.request('probeImages', { runDir, epoch }));
  }

  promptSource(runDir: string, set: number, index: number): Promise<PromptSourceData> {
    return this.sources.get(`${runDir}\n${set}\n${index}`, () =>
      this.request('promptSource', { runDir, set, index }),
    );
  }

  /** A new analysis epoch: forget the index and the drift curves of that run, then tell the views. */
  analysisAdded(runDir: string, epoch: number): void {
    this.indexes.deleteWhere((k) => k === runDir);
    this.sources.deleteWhere((k) => k.startsWith(`${runDir}\n`));
    // A re-analysed epoch replaces its files.
    const sameEpoch = (k: string) => k.startsWith(`${runDir}\n${epoch}\n`);
    this.maps.deleteWhere(sameEpoch);
    this.attentions.deleteWhere(sameEpoch);
    this.emit({ type: 'analysis', runDir, epoch });
  }

  /** Forget a failed or stale artifact so the next view render asks again. */
  forgetRun(runDir: string): void {
    const mine = (k: string) => k === runDir || k.startsWith(`${runDir}\n`);
    this.indexes.deleteWhere(mine);
    this.maps.deleteWhere(mine);
    this.attentions.deleteWhere(mine);
    this.probes.deleteWhere(mine);
    this.sources.deleteWhere(mine);
  }
}
