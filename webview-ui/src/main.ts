/**
 * The dashboard webview: a tab per view (curves, prototype map, attention, prompt-patch analysis,
 * summary), fed by the extension through the typed contract in src/shared/webview-contract.ts.
 * Posts `initialized` once; everything else follows `init`. Loaded as a file under a nonce CSP: no
 * inline script or style, no network.
 */
import type { DashboardRun, ToExtension } from '../../src/shared/webview-contract';
import { chartLabelBoxes, chartSummaries } from './charts';
import { h, notice } from './dom';
import { asToWebview, errorMessage, RequestClient, type VsCodeApi } from './host';
import { methodLabel } from './lib/compare';
import { type PersistedState, restoreState, TABS, type Tab } from './state';
import { Store } from './store';
import { onThemeChange, type Palette, readPalette } from './theme';
import { AnalysisView } from './views/analysis';
import { AttentionView } from './views/attention';
import { CurvesView } from './views/curves';
import { PrototypesView } from './views/prototypes';
import { SummaryView, statusBadge } from './views/summary';
import { SystemView } from './views/system';
import type { View, ViewContext } from './views/view';

declare function acquireVsCodeApi(): VsCodeApi<PersistedState>;

const TAB_LABELS: Record<Tab, string> = {
  curves: 'Curves',
  system: 'System',
  prototypes: 'Prototype map',
  attention: 'Attention',
  analysis: 'Prompt–patch',
  summary: 'Summary',
};

function main(): void {
  const vscode = acquireVsCodeApi();
  const state = restoreState(vscode.getState());
  const post = (m: ToExtension) => vscode.postMessage(m);
  const client = new RequestClient(post);
  const store = new Store((kind, params) => client.request(kind, params));
  let palette: Palette | null = null;

  const app = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' }));
  const flashEl = h('div', { className: 'flash', role: 'status', 'aria-live': 'polite' });
  let flashTimer: ReturnType<typeof setTimeout> | undefined;

  const ctx: ViewContext = {
    store,
    state,
    saveState: () => vscode.setState(state),
    palette: () => {
      palette ??= readPalette();
      return palette;
    },
    post,
    log: (level, message) => post({ type: 'log', payload: { level, message } }),
    flash: (message) => {
      flashEl.textContent = message;
      flashEl.classList.add('flash-on');
      clearTimeout(flashTimer);
      flashTimer = setTimeout(() => flashEl.classList.remove('flash-on'), 4000);
    },
    runColour: (runDir) => {
      const p = ctx.palette();
      const i = Math.max(
        0,
        store.runs.findIndex((r) => r.runDir === runDir),
      );
      return p.series[i % p.series.length];
    },
    runName: (run) => runName(run, store.runs),
    showTab: (tab, selector) => {
      select(tab, true);
      tabs.get(tab)?.focus();
      if (selector) document.querySelector(selector)?.scrollIntoView({ block: 'start' });
    },
  };

  const views: Record<Tab, View> = {
    curves: new CurvesView(ctx),
    system: new SystemView(ctx),
    prototypes: new PrototypesView(ctx),
    attention: new AttentionView(ctx),
    analysis: new AnalysisView(ctx),
    summary: new SummaryView(ctx),
  };

  // Shell: title row, tabs, one panel per view.
  const title = h('h1', { className: 'title' }, 'SPT Studio');
  const meta = h('div', { className: 'meta' });
  const tablist = h('div', { className: 'tabs', role: 'tablist', 'aria-label': 'Dashboard views' });
  const panels = h('main', { className: 'panels' });
  const tabs = new Map<Tab, HTMLButtonElement>();
  const panelEls = new Map<Tab, HTMLElement>();
  for (const tab of TABS) {
    const button = h(
      'button',
      {
        type: 'button',
        role: 'tab',
        id: `tab-${tab}`,
        className: 'tab',
        'aria-controls': `panel-${tab}`,
        'aria-selected': 'false',
        tabindex: -1,
        onclick: () => select(tab, true),
      },
      TAB_LABELS[tab],
    );
    tabs.set(tab, button);
    tablist.append(button);
    const panel = h('div', {
      className: 'panel',
      role: 'tabpanel',
      id: `panel-${tab}`,
      'aria-labelledby': `tab-${tab}`,
      tabindex: 0,
    });
    panel.hidden = true;
    panel.append(views[tab].root);
    panelEls.set(tab, panel);
    panels.append(panel);
  }
  tablist.addEventListener('keydown', (e) => {
    const i = TABS.indexOf(state.tab);
    let j = -1;
    if (e.key === 'ArrowRight') j = (i + 1) % TABS.length;
    else if (e.key === 'ArrowLeft') j = (i - 1 + TABS.length) % TABS.length;
    else if (e.key === 'Home') j = 0;
    else if (e.key === 'End') j = TABS.length - 1;
    if (j < 0) return;
    e.preventDefault();
    select(TABS[j], true);
    tabs.get(TABS[j])?.focus();
  });
  const waiting = h(
    'div',
    { className: 'waiting' },
    notice(
      'loading',
      'Connecting to SPT Studio…',
      'The dashboard is waiting for the extension to send the run.',
    ),
  );
  app.replaceChildren(
    h('header', { className: 'topbar' }, h('div', { className: 'title-row' }, title, meta), tablist),
    waiting,
    panels,
    flashEl,
  );
  panels.hidden = true;

  let shown: Tab | null = null;
  function select(tab: Tab, save: boolean): void {
    state.tab = tab;
    if (save) ctx.saveState();
    for (const t of TABS) {
      const on = t === tab;
      const b = tabs.get(t)!;
      b.setAttribute('aria-selected', on ? 'true' : 'false');
      b.tabIndex = on ? 0 : -1;
      panelEls.get(t)!.hidden = !on;
    }
    if (!store.ready) return;
    if (shown && shown !== tab) views[shown].hide();
    shown = tab;
    views[tab].show();
  }

  function renderHeader(): void {
    const runs = store.runs;
    tabs.get('summary')!.textContent = runs.length > 1 ? 'Compare' : 'Summary';
    if (runs.length === 0) {
      title.textContent = 'SPT Studio';
      meta.replaceChildren(h('span', { className: 'muted' }, 'no run'));
      return;
    }
    if (runs.length === 1) {
      const r = runs[0];
      title.textContent = r.experiment || r.label;
      title.title = r.runDir;
      const bits = [methodLabel(r), r.backend, r.label.replace(r.experiment, '').trim()].filter(
        Boolean,
      ) as string[];
      meta.replaceChildren(
        statusBadge(r),
        ...(r.progress
          ? [
              h(
                'span',
                { className: 'progress', title: 'Epochs completed, steps taken, throughput, time left' },
                r.progress,
              ),
            ]
          : []),
        h('span', { className: 'muted' }, bits.join(' · ')),
      );
      document.title = `SPT: ${r.experiment}`;
      return;
    }
    title.textContent = `Comparing ${runs.length} runs`;
    title.title = '';
    meta.replaceChildren(
      ...runs.map((r) => {
        const dot = h('span', { className: 'run-dot' });
        dot.style.backgroundColor = ctx.runColour(r.runDir);
        return h(
          'span',
          { className: 'run-chip', title: r.runDir },
          dot,
          runName(r, runs),
          ' ',
          statusBadge(r),
        );
      }),
    );
  }

  store.subscribe((e) => {
    if (e.type === 'runs') renderHeader();
    for (const t of TABS) views[t].onStoreEvent(e);
  });

  onThemeChange(() => {
    palette = null;
    renderHeader();
    if (shown) views[shown].refreshTheme();
  });

  window.addEventListener('message', (event: MessageEvent) => {
    const m = asToWebview(event.data);
    if (!m) return;
    try {
      switch (m.type) {
        case 'init': {
          const first = !store.ready;
          store.init(m.payload.mode, m.payload.runs);
          state.mode = m.payload.mode;
          state.runDirs = m.payload.runs.map((r) => r.runDir);
          ctx.saveState();
          waiting.remove();
          panels.hidden = false;
          if (first) select(state.tab, false);
          break;
        }
        case 'runs':
          store.updateRuns(m.payload);
          break;
        case 'metricLines':
          store.appendLines(m.payload.runDir, m.payload.lines);
          break;
        case 'analysisAdded':
          store.analysisAdded(m.payload.runDir, m.payload.epoch);
          break;
        case 'response':
          client.handleResponse(m.payload);
          break;
      }
    } catch (e) {
      ctx.log('error', `dashboard: handling '${m.type}' failed: ${errorMessage(e)}`);
    }
  });

  window.addEventListener('error', (e) => ctx.log('error', `dashboard: ${e.message}`));
  window.addEventListener('unhandledrejection', (e) =>
    ctx.log('error', `dashboard: ${errorMessage(e.reason)}`),
  );

  // For the preview harness: what the charts hold.
  (globalThis as { sptDashboardDebug?: unknown }).sptDashboardDebug = {
    charts: chartSummaries,
    labelBoxes: chartLabelBoxes,
    state: () => JSON.parse(JSON.stringify(state)),
    curvesRenderMs: () => (views.curves as CurvesView).lastRenderMs,
    curvesFirstDataAt: () => (views.curves as CurvesView).firstDataAt,
    // The data behind the curves (not the drawn, downsampled points): rows held per split and the last step.
    metrics: () =>
      store.runs.map((r) => {
        const m = store.metricsIfLoaded(r.runDir);
        const train = m?.train.step ?? [];
        return {
          runDir: r.runDir,
          loaded: m !== null,
          train: train.length,
          val: m?.val.step.length ?? 0,
          lastStep: train.length ? train[train.length - 1] : null,
        };
      }),
  };

  select(state.tab, false);
  renderHeader();
  post({ type: 'initialized' });
}

/** The experiment name when it is unique among the panel's runs, else the full label. */
export function runName(run: DashboardRun, runs: readonly DashboardRun[]): string {
  const same = runs.filter((r) => r.experiment === run.experiment).length;
  return same > 1 || !run.experiment ? run.label : run.experiment;
}

main();
