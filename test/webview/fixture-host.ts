/**
 * A stand-in for the extension's side of the dashboard contract, for the browser preview harness: it
 * answers the webview's requests from run folders on disk (and from in-memory synthetic runs). Only the
 * harness uses it; the extension has its own implementation.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  type AnalysisEpochFile,
  type AnalysisIndex,
  analysisEpochFileName,
  readF32Ref,
} from '../../src/shared/analysis-contract';
import { appendMetricLines, emptyMetrics } from '../../src/shared/metric-columns';
import type { MetricLine, RunSummaryFile } from '../../src/shared/run-events';
import type {
  AttentionData,
  DashboardRun,
  ImageData64,
  PromptSourceData,
  PrototypeMapData,
  RequestKind,
  RequestParams,
  RequestResult,
  RunMetrics,
} from '../../src/shared/webview-contract';

export interface VirtualRun {
  run: DashboardRun;
  metrics: RunMetrics;
}

function flatten(value: unknown, prefix: string, out: Record<string, string>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out[prefix] = Array.isArray(value) ? JSON.stringify(value) : String(value);
  }
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

/** The columns as the extension builds them (src/shared/metric-columns.ts). */
export function columnsFromLines(runDir: string, lines: MetricLine[], skipped = 0): RunMetrics {
  const m = emptyMetrics(runDir);
  m.skippedLines = skipped;
  appendMetricLines(m, lines);
  return m;
}

export function readMetricLines(runDir: string): { lines: MetricLine[]; skipped: number } {
  const file = path.join(runDir, 'metrics.jsonl');
  if (!fs.existsSync(file)) return { lines: [], skipped: 0 };
  const lines: MetricLine[] = [];
  let skipped = 0;
  for (const text of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!text.trim()) continue;
    try {
      lines.push(JSON.parse(text) as MetricLine);
    } catch {
      skipped++;
    }
  }
  return { lines, skipped };
}

function pngDataUrl(file: string): string {
  const ext = path.extname(file).toLowerCase();
  const mime = ext === '.jpg' || ext === '.jpeg' ? 'image/jpeg' : 'image/png';
  return `data:${mime};base64,${fs.readFileSync(file).toString('base64')}`;
}

export class FixtureHost {
  private readonly virtual = new Map<string, VirtualRun>();
  /** Requests answered so far, by kind (the harness checks laziness with it). */
  readonly asked: Record<string, number> = {};
  /** When set, every request fails with this message (error states). */
  failWith: string | null = null;
  /** When set, the analysis index lists only epochs up to this one (a run still analysing). */
  maxAnalysisEpoch: number | null = null;

  constructor(private readonly runDirs: string[]) {}

  addVirtual(v: VirtualRun): void {
    this.virtual.set(v.run.runDir, v);
  }

  runs(): DashboardRun[] {
    return this.runDirs.map((d) => this.virtual.get(d)?.run ?? this.describe(d));
  }

  /** A DashboardRun from summary.json, config.yaml and prototypes.json, as the extension builds it. */
  describe(runDir: string): DashboardRun {
    const experiment = path.basename(path.dirname(runDir));
    const stamp = path.basename(runDir);
    const summaryFile = path.join(runDir, 'summary.json');
    const summary = fs.existsSync(summaryFile) ? readJson<RunSummaryFile>(summaryFile) : null;
    const configFile = path.join(runDir, 'config.yaml');
    const configText = fs.existsSync(configFile) ? fs.readFileSync(configFile, 'utf8') : null;
    const config: Record<string, string> = {};
    const parsed = configText ? (parseYaml(configText) as Record<string, unknown>) : {};
    flatten(parsed, '', config);
    const protoFile = path.join(runDir, 'prototypes.json');
    const proto = fs.existsSync(protoFile) ? readJson<{ init: string | null }>(protoFile) : null;
    return {
      runDir,
      label: `${experiment} ${stamp}`,
      experiment,
      status: summary?.status ?? 'unreadable',
      method: summary?.method ?? config['prompt.method'] ?? null,
      init: proto?.init ?? config['prompt.init'] ?? null,
      backend: summary?.backend ?? null,
      epoch: summary?.epochs_completed ?? null,
      epochs: config['train.epochs'] ? Number(config['train.epochs']) : null,
      bestEpoch: summary?.best_epoch ?? null,
      bestValAcc: summary?.val_acc ?? null,
      testAcc: summary?.test_acc ?? null,
      trainableParams: summary?.trainable_params ?? null,
      totalParams: summary?.total_params ?? null,
      imagesPerSec: summary?.images_per_sec ?? null,
      wallSeconds: summary?.wall_seconds ?? null,
      seed: summary?.seed ?? null,
      error: summary?.error ?? null,
      config,
      configText,
    };
  }

  handle<K extends RequestKind>(kind: K, params: RequestParams<K>): RequestResult<K> {
    this.asked[kind] = (this.asked[kind] ?? 0) + 1;
    if (this.failWith) throw new Error(this.failWith);
    const runDir = (params as { runDir: string }).runDir;
    if (!this.runDirs.includes(runDir)) throw new Error(`The run ${runDir} is not shown in this panel.`);
    const v = this.virtual.get(runDir);
    switch (kind) {
      case 'metrics': {
        if (v) return v.metrics as RequestResult<K>;
        // (virtual runs answer metrics only; their analysis, if any, is read from disk)
        if (!fs.existsSync(runDir)) throw new Error(`The run folder ${runDir} does not exist.`);
        const { lines, skipped } = readMetricLines(runDir);
        return columnsFromLines(runDir, lines, skipped) as RequestResult<K>;
      }
      case 'analysisIndex': {
        const file = path.join(runDir, 'analysis', 'index.json');
        if (!fs.existsSync(file)) return null as RequestResult<K>;
        const index = readJson<AnalysisIndex>(file);
        const max = this.maxAnalysisEpoch;
        if (max !== null) index.epochs = index.epochs.filter((e) => e.epoch <= max);
        return index as RequestResult<K>;
      }
      case 'prototypeMap':
        return this.prototypeMap(params as RequestParams<'prototypeMap'>) as RequestResult<K>;
      case 'attention':
        return this.attention(params as RequestParams<'attention'>) as RequestResult<K>;
      case 'probeImages':
        return this.probeImages(params as RequestParams<'probeImages'>) as RequestResult<K>;
      case 'promptSource':
        return this.promptSource(params as RequestParams<'promptSource'>) as RequestResult<K>;
    }
    throw new Error(`unknown request ${kind}`);
  }

  private dataRoot(runDir: string): string {
    const cfg = this.describe(runDir).config;
    const root = cfg['data.root'] ?? '.';
    return path.isAbsolute(root) ? root : path.resolve(runDir, root);
  }

  private classNames(runDir: string): string[] | null {
    const file = path.join(this.dataRoot(runDir), 'dataset.json');
    return fs.existsSync(file) ? (readJson<{ classes?: string[] }>(file).classes ?? null) : null;
  }

  private epochFile(runDir: string, epoch: number): { json: AnalysisEpochFile; sidecar: Uint8Array } {
    const file = path.join(runDir, 'analysis', analysisEpochFileName(epoch));
    if (!fs.existsSync(file))
      throw new Error(`No analysis for epoch ${epoch} (${path.basename(file)} is missing).`);
    const json = readJson<AnalysisEpochFile>(file);
    const sidecar = new Uint8Array(fs.readFileSync(path.join(runDir, 'analysis', json.sidecar)));
    return { json, sidecar };
  }

  private prototypeMap(p: RequestParams<'prototypeMap'>): PrototypeMapData {
    const { json, sidecar } = this.epochFile(p.runDir, p.epoch);
    const pca = json.pca.find((x) => x.layer === p.layer);
    if (!pca) throw new Error(`Layer ${p.layer} was not analysed.`);
    const drift =
      json.drift?.find((d) => d.layer === p.layer) ??
      (json.model.promptMode === 'shallow' ? (json.drift?.[0] ?? null) : null);
    return {
      runDir: p.runDir,
      epoch: p.epoch,
      layer: p.layer,
      model: json.model,
      pca: { ...pca, points: Array.from(readF32Ref(sidecar, pca.points)) },
      probeLabels: json.probe.labels,
      classNames: this.classNames(p.runDir),
      tokensPerImage: json.model.grid * json.model.grid,
      stats: json.promptPatch.find((s) => s.layer === p.layer) ?? null,
      drift,
    };
  }

  private attention(p: RequestParams<'attention'>): AttentionData {
    const { json, sidecar } = this.epochFile(p.runDir, p.epoch);
    const a = json.attention.find((x) => x.layer === p.layer);
    if (!a) throw new Error(`Layer ${p.layer} was not analysed.`);
    return {
      runDir: p.runDir,
      epoch: p.epoch,
      layer: p.layer,
      model: json.model,
      maps: {
        ...a,
        clsToPatch: Array.from(readF32Ref(sidecar, a.clsToPatch)),
        promptToPatch: a.promptToPatch ? Array.from(readF32Ref(sidecar, a.promptToPatch)) : undefined,
      },
      probe: { labels: json.probe.labels, ids: json.probe.ids },
      classNames: this.classNames(p.runDir),
    };
  }

  private image(runDir: string, id: string): ImageData64 {
    const root = this.dataRoot(runDir);
    const file = path.resolve(root, id);
    if (!file.startsWith(root + path.sep)) return { id, dataUrl: null, error: 'outside the data folder' };
    if (!fs.existsSync(file)) return { id, dataUrl: null, error: 'file not found' };
    return { id, dataUrl: pngDataUrl(file) };
  }

  private probeImages(p: RequestParams<'probeImages'>): ImageData64[] {
    const { json } = this.epochFile(p.runDir, p.epoch);
    return json.probe.ids.map((id) => this.image(p.runDir, id));
  }

  private promptSource(p: RequestParams<'promptSource'>): PromptSourceData {
    const index = readJson<AnalysisIndex>(path.join(p.runDir, 'analysis', 'index.json'));
    const protoFile = path.join(p.runDir, 'prototypes.json');
    const proto = fs.existsSync(protoFile)
      ? readJson<{
          images: string[];
          prompts: ({ set: number; index: number } & NonNullable<PromptSourceData['provenance']>)[] | null;
        }>(protoFile)
      : null;
    const rec = proto?.prompts?.find((q) => q.set === p.set && q.index === p.index) ?? null;
    const provenance = rec
      ? {
          kind: rec.kind,
          layer: rec.layer,
          image: rec.image,
          patch: rec.patch,
          window: rec.window,
          clusterSize: rec.clusterSize,
        }
      : null;
    const imageId = rec?.image !== undefined ? proto?.images[rec.image] : undefined;
    const drift = { epoch: [] as number[], l2: [] as number[], cosine: [] as number[] };
    for (const e of index.epochs) {
      const { json } = this.epochFile(p.runDir, e.epoch);
      const d = json.drift?.find((x) => x.layer === p.set) ?? json.drift?.[p.set];
      if (!d || d.l2[p.index] === undefined) continue;
      drift.epoch.push(e.epoch);
      drift.l2.push(d.l2[p.index]);
      drift.cosine.push(d.cosine[p.index]);
    }
    return {
      runDir: p.runDir,
      set: p.set,
      index: p.index,
      provenance,
      image: imageId ? this.image(p.runDir, imageId) : null,
      grid: index.model.grid,
      imageSize: index.model.imageSize,
      drift,
    };
  }
}
