/**
 * The one message contract between the extension and the dashboard webview. Both sides compile
 * against this file; no `vscode`, no DOM, no Node here.
 *
 * Handshake: the webview posts `initialized` once its script runs; only then does the extension post
 * (`init` first). On every `initialized` (a reload, a restored panel) the extension sends `init` again.
 *
 * Up (webview -> extension): a discriminated union on `type`. Data requests carry a `requestId`
 * and get exactly one `response` with the same id. The webview never names a file outside the run
 * folder: artifacts are asked for by kind (and epoch/layer), and the extension resolves the path
 * inside the run folder it already knows (a request for a run the panel does not show is refused).
 *
 * Down (extension -> webview): `init`, `runs` (summary updates), `metricLines` (live appends, in
 * order, never re-sent), `analysisAdded` (a new analysis epoch exists), `response`, `theme`-free:
 * the webview reads VS Code's CSS variables itself.
 *
 * Shapes in comments: P probe images, H heads, N prompts, T = g*g patches, g the patch grid side.
 */

/** The one answer to "does this method train prompts" (src/config/methods.ts), for the webview. */
export { methodHasPrompts } from '../config/methods';

import type { RecordedStatus } from '../run-folder/status';
import type {
  AnalysisIndex,
  AnalysisModelInfo,
  AttentionLayerMaps,
  DriftLayer,
  PcaLayer,
  PromptPatchLayerStats,
} from './analysis-contract';
import type { MetricLine } from './run-events';

/** `registerWebviewPanelSerializer` / `createWebviewPanel` view type. */
export const DASHBOARD_VIEW_TYPE = 'spt.dashboard';

/** A run's status (an interrupted run shows as stopped), or queued / unreadable. */
export type DashboardRunStatus = 'queued' | RecordedStatus | 'unreadable';

/** What the dashboard knows about one run without reading its artifacts. */
export interface DashboardRun {
  /** Absolute path of the run folder: the run's key in every message. */
  runDir: string;
  /** `<experiment> <timestamp>`, for legends and titles. */
  label: string;
  experiment: string;
  status: DashboardRunStatus;
  /** 'spt' | 'vpt' | 'linear' | 'full', when known. */
  method: string | null;
  /** SPT init ('random' | 'mean' | 'max' | 'kmeans') or VPT's 'xavier', when known. */
  init: string | null;
  backend: string | null;
  /** Epochs completed and planned. */
  epoch: number | null;
  epochs: number | null;
  /**
   * A live run's progress in the extension's one wording (`epoch 3/10 · step 75/250 · 41 img/s · ETA 2 min`,
   * epochs completed), as the status bar, the Runs view and the CodeLens show it; absent or null otherwise.
   */
  progress?: string | null;
  /** A live run's planned global steps (the curve's x-axis runs to it); absent or null otherwise. */
  totalSteps?: number | null;
  bestEpoch: number | null;
  bestValAcc: number | null;
  testAcc: number | null;
  trainableParams: number | null;
  totalParams: number | null;
  imagesPerSec: number | null;
  wallSeconds: number | null;
  seed: number | null;
  /** The last error message (failed runs), if any. */
  error: string | null;
  /** config.yaml flattened to `a.b.c -> value` (values as compact strings), for compare tables. */
  config: Record<string, string>;
  /** config.yaml as written. */
  configText: string | null;
}

/** One split's metric lines as columns (index i of every array is one metrics.jsonl line). */
export interface MetricColumns {
  step: number[];
  epoch: number[];
  loss: number[];
  acc: number[];
  lr: number[];
  /** Seconds since the Unix epoch. */
  t: number[];
  /** Images per second of the step (train) or evaluation (val, test); NaN where the line lacks it. */
  ips: number[];
  /** Resident set of the trainer process, MiB; NaN where the line lacks it (runs older than the system panel). */
  rss_mb: number[];
  /** Bytes held by TensorFlow.js tensors on the backend, MiB; NaN where the line lacks it. */
  tensor_mb: number[];
  /** Bytes of the fused step engine's buffers, MiB; NaN where the steps ran as TensorFlow.js ops. */
  engine_mb: number[];
}

export interface RunMetrics {
  runDir: string;
  train: MetricColumns;
  val: MetricColumns;
  test: MetricColumns;
  /** Lines of metrics.jsonl that could not be parsed (a torn last line, for example). */
  skippedLines: number;
}

/** A layer of the prototype map at one analysis epoch (arrays as plain numbers on the wire). */
export interface PrototypeMapData {
  runDir: string;
  epoch: number;
  layer: number;
  model: AnalysisModelInfo;
  pca: PcaLayer<number[]>;
  /** Class of each probe image (length P); patch point j belongs to image floor(j / T). */
  probeLabels: number[];
  /** Class names by label index, when the data folder names them; else null. */
  classNames: string[] | null;
  /** Patches per image (T). */
  tokensPerImage: number;
  /** Prompt <-> patch statistics of this layer at this epoch, when the run has prompts. */
  stats: PromptPatchLayerStats | null;
  drift: DriftLayer | null;
}

/** One layer's attention maps at one analysis epoch. */
export interface AttentionData {
  runDir: string;
  epoch: number;
  layer: number;
  model: AnalysisModelInfo;
  /** Flattened row-major [P, H + 1, g, g]; head index H is the head mean. */
  maps: AttentionLayerMaps<number[]>;
  probe: { labels: number[]; ids: string[] };
  classNames: string[] | null;
}

/** A probe image (or a prompt's source image) as the browser can draw it. */
export interface ImageData64 {
  /** `data:image/png;base64,...` (or jpeg), or null when the file could not be read. */
  dataUrl: string | null;
  /** Why dataUrl is null. */
  error?: string;
  /** The file, relative to the data root, for captions. */
  id: string;
}

/** Where one prompt came from (SPT provenance) and how it moved during training. */
export interface PromptSourceData {
  runDir: string;
  /** Prompt set (deep: set i enters block i; shallow: 0) and index within the set. */
  set: number;
  index: number;
  /** The engine's provenance record, null for prompts without one (VPT, linear). */
  provenance: {
    kind: string;
    layer: number;
    image?: number;
    patch?: number;
    window?: [number, number];
    clusterSize?: number;
  } | null;
  /** The source training image (SPT random/mean/max), else null. */
  image: ImageData64 | null;
  /** Patch grid side g and input size, to draw the patch or window on the image. */
  grid: number;
  imageSize: number;
  /** This prompt's drift from its initial value at each analysis epoch (ascending). */
  drift: { epoch: number[]; l2: number[]; cosine: number[] };
}

/** Requests the webview may make: params up, result down. */
export interface DashboardRequests {
  /** metrics.jsonl of a run, as columns (live lines follow as `metricLines`). */
  metrics: { params: { runDir: string }; result: RunMetrics };
  /** analysis/index.json, or null when the run has no analysis yet. */
  analysisIndex: { params: { runDir: string }; result: AnalysisIndex | null };
  prototypeMap: { params: { runDir: string; epoch: number; layer: number }; result: PrototypeMapData };
  attention: { params: { runDir: string; epoch: number; layer: number }; result: AttentionData };
  /** The probe images of an analysis epoch (the probe set is fixed per run). */
  probeImages: { params: { runDir: string; epoch: number }; result: ImageData64[] };
  promptSource: { params: { runDir: string; set: number; index: number }; result: PromptSourceData };
}

export type RequestKind = keyof DashboardRequests;
export type RequestParams<K extends RequestKind> = DashboardRequests[K]['params'];
export type RequestResult<K extends RequestKind> = DashboardRequests[K]['result'];

export type DashboardRequest = {
  [K in RequestKind]: { type: 'request'; requestId: number; kind: K; params: RequestParams<K> };
}[RequestKind];

/** Files the webview hands to the extension to save (a save dialog picks the path). */
export interface ExportPayload {
  /** Suggested file name, no folders (for example `loss.png`). */
  fileName: string;
  mime: 'image/png' | 'image/svg+xml' | 'text/csv';
  /** base64 for image/png, text for the others. */
  data: string;
}

export type ToExtension =
  | { type: 'initialized' }
  | DashboardRequest
  | { type: 'export'; payload: ExportPayload }
  /** Open a run in its own dashboard panel (from a compare view). */
  | { type: 'openRun'; payload: { runDir: string } }
  /** Open the run's config.yaml in an editor. */
  | { type: 'openConfig'; payload: { runDir: string } }
  /** A webview-side error, for the output channel. */
  | { type: 'log'; payload: { level: 'info' | 'warn' | 'error'; message: string } };

export type DashboardMode = 'run' | 'compare';

export type ToWebview =
  | { type: 'init'; payload: { mode: DashboardMode; runs: DashboardRun[] } }
  /** Updated summaries (status, epoch, metrics) of some of the panel's runs. */
  | { type: 'runs'; payload: DashboardRun[] }
  /** New metric lines of a live run, in order; the webview appends them to what `metrics` returned. */
  | { type: 'metricLines'; payload: { runDir: string; lines: MetricLine[] } }
  /** A new analysis epoch was written: re-request the index if the view shows analysis. */
  | { type: 'analysisAdded'; payload: { runDir: string; epoch: number } }
  | {
      type: 'response';
      payload:
        | { requestId: number; ok: true; result: unknown }
        | { requestId: number; ok: false; error: string };
    };

/** The webview's persisted UI state (vscode.setState), restored after a reload. */
export interface DashboardUiState {
  /** Read by the extension's panel serializer to reopen the same runs after a reload. */
  mode: DashboardMode;
  runDirs: string[];
  tab: 'curves' | 'system' | 'prototypes' | 'attention' | 'analysis' | 'summary';
  curves: { x: 'step' | 'epoch'; smoothing: number; logScale: boolean; metric: 'loss' | 'acc' | 'lr' };
  prototypes: { runDir: string | null; layer: number; epoch: number | null };
  attention: {
    runDir: string | null;
    layer: number;
    epoch: number | null;
    head: number | 'mean';
    probe: number;
  };
}
