/**
 * What a training run reports, live (IPC or JSON lines on stdout) and in its run folder
 * (`events.jsonl`, `metrics.jsonl`, `summary.json`). Imported by the engine, the trainer process,
 * the extension and the dashboard: no TensorFlow, no `vscode`.
 *
 * Epochs are counted from 1 everywhere (files, events, terminal, Runs view, dashboard): epoch k is the
 * k-th pass over the training set, and a state "at epoch k" (a val line, the best epoch, a checkpoint,
 * an analysis) is the one after k epochs; 0 is the state before training (analysis at initialisation).
 */

import type { RecordedStatus } from '../run-folder/status';

/** One line of metrics.jsonl. */
export interface MetricLine {
  /** Seconds since the Unix epoch. */
  t: number;
  /** Epoch, counted from 1: for train lines the epoch the step belongs to, for val lines the epoch that
   * ended, for the test line the epoch chosen on val. */
  epoch: number;
  /** Global optimizer step (1-based count of steps taken so far). */
  step: number;
  split: 'train' | 'val' | 'test';
  loss: number;
  acc: number;
  lr: number;
  /** Images per second of this step (train) or evaluation (val/test). */
  ips?: number;
  /** Resident set size of the trainer process when the line was written, MiB (older runs lack it). */
  rss_mb?: number;
  /** Bytes held by TensorFlow.js tensors on the backend (device memory on GPU backends), MiB. */
  tensor_mb?: number;
  /** Bytes of the fused step engine's buffers (WebGPU device memory, host memory for the native engine),
   * MiB; absent when the steps run as TensorFlow.js ops. */
  engine_mb?: number;
}

/** The fields of a metric line that measure the machine, not the model: two runs of one seed agree on the rest. */
export const MEASURED_FIELDS = ['t', 'ips', 'rss_mb', 'tensor_mb', 'engine_mb'] as const;

/** A metric line without its measurements (what must be identical across backends, threads and resumes). */
export function withoutMeasurements(line: Record<string, unknown>): Record<string, unknown> {
  const out = { ...line };
  for (const f of MEASURED_FIELDS) delete out[f];
  return out;
}

export type RunEvent =
  | { type: 'status'; t: number; status: RecordedStatus; runDir: string; message?: string }
  /**
   * One optimizer step: `line` is the very train line it wrote to metrics.jsonl (loss, batch accuracy,
   * learning rate, images per second, memory); `t` is the line's. Not persisted in events.jsonl.
   */
  | { type: 'step'; t: number; line: MetricLine; totalSteps: number }
  | {
      type: 'epoch';
      t: number;
      epoch: number;
      epochs: number;
      train: { loss: number; acc: number };
      val: { loss: number; acc: number };
      best: { epoch: number; acc: number };
      /** The val line this epoch wrote to metrics.jsonl (every run writes it; events.jsonl of runs
       * recorded before it existed lack it). */
      valLine?: MetricLine;
    }
  /** `epoch`: epochs completed when it was saved (after epoch k: k). */
  | { type: 'checkpoint'; t: number; kind: 'last' | 'best'; path: string; epoch: number; step: number }
  /** `epoch`: epochs completed (0: at initialisation). */
  | { type: 'analysis'; t: number; epoch: number; path: string }
  | { type: 'warning'; t: number; message: string }
  | { type: 'error'; t: number; message: string; hint?: string }
  | {
      type: 'summary';
      t: number;
      summary: RunSummaryFile;
      /** The test line written to metrics.jsonl, when the run was tested (for live dashboards). */
      testLine?: MetricLine;
    };

/** summary.json. */
export interface RunSummaryFile {
  status: RecordedStatus;
  name: string;
  method: string;
  /** The epoch (counted from 1) with the best val accuracy: the best checkpoint, and the test line's epoch. */
  best_epoch: number | null;
  val_acc: number | null;
  test_acc: number | null;
  trainable_params: number;
  total_params: number;
  backend: string;
  images_per_sec: number;
  wall_seconds: number;
  seed: number;
  epochs_completed: number;
  /** Unreadable images skipped (each named once in events.jsonl). */
  skipped_images: number;
  error?: string;
}

/** Events that also go to events.jsonl (steps are in metrics.jsonl). */
export const PERSISTED_EVENTS: ReadonlySet<RunEvent['type']> = new Set([
  'status',
  'epoch',
  'checkpoint',
  'analysis',
  'warning',
  'error',
  'summary',
]);
