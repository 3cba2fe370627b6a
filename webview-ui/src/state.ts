/**
 * The persisted UI state (vscode.setState): defaults, and restoring whatever an earlier version (or a
 * damaged store) left behind, field by field. `mode` and `runDirs` are the extension's business (its
 * panel serializer reads them); every other field is the webview's.
 */
import type { DashboardMode, DashboardUiState } from '../../src/shared/webview-contract';

export type Tab = DashboardUiState['tab'];
export const TABS: readonly Tab[] = ['curves', 'system', 'prototypes', 'attention', 'analysis', 'summary'];

/** What this webview stores: the contract's state plus fields only the webview reads. */
export interface PersistedState extends DashboardUiState {
  version: 1;
  /** Prompt-patch view: one layer, or every layer as its own line. */
  analysis: { layer: number | 'all' };
  /** Prototype map: the prompt whose source is shown, if any. */
  selectedPrompt: number | null;
  /** Compare tab's side-by-side maps: block, epoch (null: the newest common one), probe image, head. */
  sideBySide: { layer: number; epoch: number | null; probe: number; head: number | 'mean' };
  /** System tab: throughput and memory against step or wall-clock time, and the throughput's smoothing. */
  system: { x: 'step' | 'time'; smoothing: number };
}

export function defaultState(mode: DashboardMode = 'run', runDirs: string[] = []): PersistedState {
  return {
    version: 1,
    mode,
    runDirs,
    tab: 'curves',
    curves: { x: 'step', smoothing: 0.6, logScale: false, metric: 'loss' },
    prototypes: { runDir: null, layer: 0, epoch: null },
    attention: { runDir: null, layer: 0, epoch: null, head: 'mean', probe: 0 },
    analysis: { layer: 'all' },
    selectedPrompt: null,
    sideBySide: { layer: 0, epoch: null, probe: 0, head: 'mean' },
    system: { x: 'step', smoothing: 0.6 },
  };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const oneOf = <T extends string>(v: unknown, options: readonly T[], fallback: T): T =>
  typeof v === 'string' && (options as readonly string[]).includes(v) ? (v as T) : fallback;
const int = (v: unknown, fallback: number, min = 0): number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min ? v : fallback;
const intOrNull = (v: unknown): number | null =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : null;
const strOrNull = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
const bool = (v: unknown, fallback: boolean): boolean => (typeof v === 'boolean' ? v : fallback);

/**
 * A valid state from anything getState() returns: the current shape, a partial one, or the first
 * dashboard's `{ runs: RunSummary[], selected, notice }` (its run folders become `runDirs`).
 */
export function restoreState(raw: unknown): PersistedState {
  const d = defaultState();
  if (!isObj(raw)) return d;
  let runDirs: string[] = [];
  if (Array.isArray(raw.runDirs)) runDirs = raw.runDirs.filter((r): r is string => typeof r === 'string');
  else if (Array.isArray(raw.runs)) {
    // The first dashboard stored every run's summary and the one it focused on: reopen that one.
    const dirs = raw.runs
      .map((r) => (isObj(r) ? r.runDir : undefined))
      .filter((r): r is string => typeof r === 'string');
    const selected = typeof raw.selected === 'string' ? raw.selected : undefined;
    runDirs = selected && dirs.includes(selected) ? [selected] : dirs;
  }
  const mode = oneOf(raw.mode, ['run', 'compare'] as const, runDirs.length > 1 ? 'compare' : 'run');
  const c = isObj(raw.curves) ? raw.curves : {};
  const p = isObj(raw.prototypes) ? raw.prototypes : {};
  const a = isObj(raw.attention) ? raw.attention : {};
  const an = isObj(raw.analysis) ? raw.analysis : {};
  const sb = isObj(raw.sideBySide) ? raw.sideBySide : {};
  const sy = isObj(raw.system) ? raw.system : {};
  const smoothing =
    typeof c.smoothing === 'number' && c.smoothing >= 0 && c.smoothing < 1 ? c.smoothing : d.curves.smoothing;
  const head = a.head === 'mean' ? 'mean' : int(a.head, -1) >= 0 ? (a.head as number) : d.attention.head;
  return {
    version: 1,
    mode,
    runDirs,
    tab: oneOf(raw.tab, TABS, d.tab),
    curves: {
      x: oneOf(c.x, ['step', 'epoch'] as const, d.curves.x),
      smoothing,
      logScale: bool(c.logScale, d.curves.logScale),
      metric: oneOf(c.metric, ['loss', 'acc', 'lr'] as const, d.curves.metric),
    },
    prototypes: { runDir: strOrNull(p.runDir), layer: int(p.layer, 0), epoch: intOrNull(p.epoch) },
    attention: {
      runDir: strOrNull(a.runDir),
      layer: int(a.layer, 0),
      epoch: intOrNull(a.epoch),
      head,
      probe: int(a.probe, 0),
    },
    analysis: { layer: an.layer === 'all' ? 'all' : (intOrNull(an.layer) ?? 'all') },
    selectedPrompt: intOrNull(raw.selectedPrompt),
    sideBySide: {
      layer: int(sb.layer, 0),
      epoch: intOrNull(sb.epoch),
      probe: int(sb.probe, 0),
      head: sb.head === 'mean' ? 'mean' : int(sb.head, -1) >= 0 ? (sb.head as number) : 'mean',
    },
    system: {
      x: oneOf(sy.x, ['step', 'time'] as const, d.system.x),
      smoothing:
        typeof sy.smoothing === 'number' && sy.smoothing >= 0 && sy.smoothing < 1
          ? sy.smoothing
          : d.system.smoothing,
    },
  };
}
