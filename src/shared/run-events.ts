/**
 * What a training run reports, live (IPC or JSON lines on stdout) and in its run folder
 * (`events.jsonl`, `metrics.jsonl`, `summary.json`). Imported by the engine, the trainer process,
 * the extension and the dashboard: no TensorFlow, no `vscode`.
 */

export type RunStatus = 'initialising' | 'running' | 'finished' | 'failed' | 'stopped';

/** One line of metrics.jsonl. */
export interface MetricLine {
  /** Seconds since the Unix epoch. */
  t: number;
  /** 0-based epoch; for train lines the epoch the step belongs to. */
  epoch: number;
  /** Global optimizer step (1-based count of steps taken so far). */
  step: number;
  split: 'train' | 'val' | 'test';
  loss: number;
  acc: number;
  lr: number;
  /** Images per second of this step (train) or evaluation (val/test). */
  ips?: number;
}

export type RunEvent =
  | { type: 'status'; t: number; status: RunStatus; runDir: string; message?: string }
  | {
      type: 'step';
      t: number;
      epoch: number;
      step: number;
      totalSteps: number;
      loss: number;
      lr: number;
      ips: number;
      /** The batch accuracy: with `t`, `loss`, `lr` and `ips` this is the step's train line of metrics.jsonl. */
      acc?: number;
    }
  | {
      type: 'epoch';
      t: number;
      epoch: number;
      epochs: number;
      train: { loss: number; acc: number };
      val: { loss: number; acc: number };
      best: { epoch: number; acc: number };
      /** The val line this epoch wrote to metrics.jsonl (for live dashboards; older runs lack it). */
      valLine?: MetricLine;
    }
  | { type: 'checkpoint'; t: number; kind: 'last' | 'best'; path: string; epoch: number; step: number }
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
  status: RunStatus;
  name: string;
  method: string;
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
