/** What every dashboard view gets, and what it answers to. */
import type { DashboardRun, ToExtension } from '../../../src/shared/webview-contract';
import { h } from '../dom';
import type { PersistedState } from '../state';
import type { Store, StoreEvent } from '../store';
import type { Palette } from '../theme';

export interface ViewContext {
  store: Store;
  state: PersistedState;
  /** Persists `state` (call after changing it). */
  saveState(): void;
  palette(): Palette;
  post(m: ToExtension): void;
  log(level: 'info' | 'warn' | 'error', message: string): void;
  /** A short toast-like status line at the bottom of the panel. */
  flash(message: string): void;
  /** The colour of a run in compare mode (its index in the panel's runs). */
  runColour(runDir: string): string;
  /** A short, unique name of a run for legends. */
  runName(run: DashboardRun): string;
  /** Switches to a tab (as a click on it), then scrolls `selector` inside it into view, if given. */
  showTab(tab: PersistedState['tab'], selector?: string): void;
}

export interface View {
  readonly root: HTMLElement;
  /** The tab became visible (first time: build and load). */
  show(): void;
  hide(): void;
  /** Colours or fonts changed. */
  refreshTheme(): void;
  onStoreEvent(e: StoreEvent): void;
}

/** A card: title, optional subtitle and actions, then the body. */
export function card(
  title: string,
  body: Node | Node[],
  opts: { subtitle?: string; actions?: Node | null; className?: string } = {},
): HTMLElement {
  return h(
    'section',
    { className: `card ${opts.className ?? ''}`.trim(), 'aria-label': title },
    h(
      'header',
      { className: 'card-header' },
      h(
        'div',
        { className: 'card-titles' },
        h('h2', { className: 'card-title' }, title),
        opts.subtitle ? h('span', { className: 'card-subtitle' }, opts.subtitle) : null,
      ),
      opts.actions ?? null,
    ),
    h('div', { className: 'card-body' }, ...(Array.isArray(body) ? body : [body])),
  );
}

/** Runs whose analysis views apply, in panel order; the state's choice first when it is one of them. */
export function pickRun(ctx: ViewContext, wanted: string | null): DashboardRun | undefined {
  return ctx.store.run(wanted) ?? ctx.store.runs[0];
}

/** A <select> of the panel's runs (compare mode), or nothing for one run. */
export function runOptions(ctx: ViewContext): { value: string; label: string }[] {
  return ctx.store.runs.map((r) => ({ value: r.runDir, label: ctx.runName(r) }));
}

export function isLive(run: DashboardRun | undefined): boolean {
  return !!run && (run.status === 'running' || run.status === 'created' || run.status === 'queued');
}
