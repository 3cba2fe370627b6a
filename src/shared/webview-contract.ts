/**
 * The one message contract between the extension and the dashboard webview. Both sides compile
 * against this file. Messages up are a typed `{type, payload}` union; data down is one
 * `setData(partial)`. The webview posts `initialized` before the extension may send anything.
 */

/** What the dashboard shows about one run. */
export interface RunSummary {
  /** Absolute path of the run folder (runs/<name>). */
  runDir: string;
  name: string;
  /** 'spt' | 'vpt' | 'linear' etc., as written in the experiment file. */
  method: string;
  backbone: string;
  backend: string;
  status: 'queued' | 'running' | 'finished' | 'failed' | 'cancelled';
  epoch: number;
  epochs: number;
  trainLoss?: number;
  valAccuracy?: number;
  /** ISO 8601. */
  startedAt?: string;
  finishedAt?: string;
}

export interface DashboardState {
  runs: RunSummary[];
  /** The run the dashboard is focused on (its runDir), if any. */
  selected?: string;
  /** A message to show instead of data (for example why nothing could be loaded). */
  notice?: string;
}

export type ToExtension = { type: 'initialized' } | { type: 'openRun'; payload: { runDir: string } };

export type ToWebview = { type: 'setData'; payload: Partial<DashboardState> };

export function isToExtension(value: unknown): value is ToExtension {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as { type?: unknown; payload?: { runDir?: unknown } };
  if (m.type === 'initialized') return true;
  return m.type === 'openRun' && typeof m.payload?.runDir === 'string';
}
