/**
 * Prompt-patch analysis: how close the prompts sit to the patch tokens, per layer over training (NMI, AMI,
 * inertia ratio, nearest cosine, attention to prompts, drift), from each run's analysis index. Runs side by side in compare
 * mode, on shared y ranges: SPT prompts start among the tokens, VPT prompts elsewhere.
 */
import type { AnalysisIndex } from '../../../src/shared/analysis-contract';
import { type DashboardRun, methodHasPrompts } from '../../../src/shared/webview-contract';
import { baseOption, ChartHost, legend, tooltip, tooltipContent, valueAxis } from '../charts';
import { h, notice, select } from '../dom';
import { exportButtons } from '../export';
import {
  hasPromptStats,
  type IndexMetric,
  indexSeries,
  layerMean,
  METRIC_ORIGIN,
  niceRange,
  originNote,
  originTag,
  tokenSpaceLines,
} from '../lib/analysis';
import { toCsv } from '../lib/csv';
import { fmtNumber } from '../lib/format';
import type { StoreEvent } from '../store';
import { noAnalysisNotice } from './analysis-common';
import { card, type View, type ViewContext } from './view';

interface MetricDef {
  key: IndexMetric;
  title: string;
  help: string;
}

const BASE_METRICS: MetricDef[] = [
  {
    key: 'nmi',
    title: 'NMI',
    help: 'Nearest-prompt assignment of the patch tokens vs k-means with as many clusters (1 = the same partition).',
  },
  {
    key: 'ami',
    title: 'AMI',
    help: 'The NMI corrected for chance (adjusted mutual information): 0 for a partition unrelated to k-means, whatever the number of tokens and clusters; NMI has a chance floor above 0.',
  },
  {
    key: 'inertiaRatio',
    title: 'Inertia ratio',
    help: 'Squared distance of the tokens to their nearest prompt over the k-means inertia (1 = prompts as good as cluster centres).',
  },
  {
    key: 'nearestCosine',
    title: 'Nearest cosine',
    help: 'Mean over prompts of the cosine similarity with the most similar patch token.',
  },
  {
    key: 'clsPromptMass',
    title: 'CLS → prompts',
    help: "Share of the CLS token's attention on the prompts (head and probe mean); epoch 0 is at initialisation. Prompts far from the token manifold receive little attention: the mechanism the paper names.",
  },
  {
    key: 'patchPromptMass',
    title: 'Patches → prompts',
    help: "Share of the patch tokens' attention on the prompts (mean over patch queries, heads and probe images); epoch 0 is at initialisation.",
  },
  {
    key: 'driftL2',
    title: 'Drift ‖p − p₀‖',
    help: 'Mean distance of the prompts from their initial values.',
  },
];

/** Each title says whose measure it is (the paper's or this project's addition), and so does its help. */
const METRICS: MetricDef[] = BASE_METRICS.map((m) => ({
  ...m,
  title: `${m.title} · ${originTag(METRIC_ORIGIN[m.key])}`,
  help: `${m.help} ${originNote(METRIC_ORIGIN[m.key])}`,
}));

type Loaded = { ok: true; index: AnalysisIndex | null } | { ok: false; error: string };

export class AnalysisView implements View {
  readonly root = h('div', { className: 'view view-analysis' });
  private readonly toolbar = h('div', {
    className: 'toolbar',
    role: 'toolbar',
    'aria-label': 'Prompt-patch analysis options',
  });
  private readonly status = h('div', { className: 'view-status' });
  private readonly summary = h('div', { className: 'analysis-summary' });
  private readonly grid = h('div', { className: 'multiples' });
  private readonly loaded = new Map<string, Loaded>();
  private charts: ChartHost[] = [];
  private token = 0;
  private visible = false;
  private built = false;

  constructor(private readonly ctx: ViewContext) {}

  show(): void {
    if (!this.built) {
      this.built = true;
      this.root.append(this.toolbar, this.status, this.summary, this.grid);
    }
    this.visible = true;
    void this.refresh();
  }

  hide(): void {
    this.visible = false;
  }

  refreshTheme(): void {
    if (this.visible) this.render();
  }

  onStoreEvent(e: StoreEvent): void {
    if (e.type === 'analysis') this.loaded.delete(e.runDir);
    if (this.visible && (e.type === 'analysis' || e.type === 'runs')) void this.refresh();
  }

  private async refresh(): Promise<void> {
    const token = ++this.token;
    const runs = this.ctx.store.runs;
    if (runs.length === 0) {
      this.status.replaceChildren(notice('empty', 'No run to show.', 'Open a run from the SPT Runs view.'));
      return;
    }
    const missing = runs.filter((r) => !this.loaded.has(r.runDir));
    if (missing.length) {
      if (missing.length === runs.length)
        this.status.replaceChildren(notice('loading', 'Loading the analysis indexes…'));
      await Promise.all(
        missing.map((r) =>
          this.ctx.store.analysisIndex(r.runDir).then(
            (index) => this.loaded.set(r.runDir, { ok: true, index }),
            (e: unknown) =>
              this.loaded.set(r.runDir, { ok: false, error: e instanceof Error ? e.message : String(e) }),
          ),
        ),
      );
    }
    if (token !== this.token || !this.visible) return;
    this.render();
  }

  private render(): void {
    const runs = this.ctx.store.runs;
    const withStats = runs.filter((r) => {
      const l = this.loaded.get(r.runDir);
      return l?.ok && l.index && hasPromptStats(l.index);
    });
    this.buildToolbar();
    for (const c of this.charts) c.dispose();
    this.charts = [];
    this.grid.replaceChildren();
    this.summary.replaceChildren();
    if (withStats.length === 0) {
      const r = runs[0];
      const l = this.loaded.get(r.runDir);
      let n: HTMLElement;
      if (l && !l.ok) {
        n = notice(
          'error',
          'Could not read the analysis.',
          `${l.error} Retry once the run has written its analysis.`,
          {
            label: 'Retry',
            run: () => this.retry(),
          },
        );
      } else if (l?.ok && l.index && !hasPromptStats(l.index)) {
        n = notice(
          'empty',
          'No prompt-patch statistics.',
          runs.length > 1
            ? 'None of these runs has prompts (linear probes): compare SPT and VPT runs to see how their prompts relate to the patch tokens.'
            : 'This run has no prompts (a linear probe). Open an SPT or VPT run to see how its prompts relate to the patch tokens.',
        );
      } else {
        n = noAnalysisNotice(r);
      }
      this.status.replaceChildren(n);
      return;
    }
    this.status.replaceChildren();
    this.renderSummary(withStats);
    const layerChoice = this.ctx.state.analysis.layer;
    const left = runs.filter((r) => !withStats.includes(r));
    if (left.length) {
      this.summary.append(
        h(
          'p',
          { className: 'hint' },
          `Not shown: ${left.map((r) => `${this.ctx.runName(r)} (${this.whyNoStats(r)})`).join('; ')}.`,
        ),
      );
    }
    const shownRuns = withStats;
    const columns = shownRuns.length;
    this.grid.classList.toggle('multiples-single', columns === 1);
    this.grid.style.setProperty('--columns', String(columns === 1 ? 2 : columns));
    if (columns > 1) {
      for (const r of shownRuns) {
        const head = h('div', { className: 'multiples-head' });
        const chip = h('span', { className: 'run-dot' });
        chip.style.backgroundColor = this.ctx.runColour(r.runDir);
        head.append(chip, h('span', null, this.ctx.runName(r)));
        this.grid.append(head);
      }
    }
    for (const metric of METRICS) {
      const yRange = this.sharedRange(shownRuns, metric.key, layerChoice);
      for (const r of shownRuns) this.grid.append(this.cell(r, metric, yRange, layerChoice, columns > 1));
    }
  }

  private cell(
    run: DashboardRun,
    metric: MetricDef,
    yRange: { min: number; max: number; interval: number } | null,
    layerChoice: number | 'all',
    compare: boolean,
  ): HTMLElement {
    const l = this.loaded.get(run.runDir);
    const title = metric.title;
    if (!l?.ok || !l.index || !hasPromptStats(l.index)) {
      const why = !l
        ? 'Loading…'
        : !l.ok
          ? `Could not read the analysis: ${l.error}`
          : !l.index
            ? 'No analysis yet.'
            : 'No prompts (linear probe).';
      return card(title, h('p', { className: 'muted cell-empty' }, why), { className: 'card-small' });
    }
    const index = l.index;
    const recorded = index.epochs.some((e) => e.layers.some((x) => typeof x[metric.key] === 'number'));
    if (!recorded) {
      return card(
        title,
        h(
          'p',
          { className: 'muted cell-empty' },
          'Not in this run’s analysis: it was written before this figure was recorded. Train again to see it.',
        ),
        { className: 'card-small' },
      );
    }
    const chart = new ChartHost(
      `analysis-${metric.key}`,
      `${metric.title} per layer over epochs, ${this.ctx.runName(run)}`,
      'chart chart-cell',
    );
    this.charts.push(chart);
    const el = card(title, chart.el, {
      subtitle: compare ? undefined : metric.help,
      className: 'card-small',
      actions: exportButtons(
        this.ctx.post,
        {
          name: () => `${metric.key}-${run.experiment}`,
          chart: () => chart,
          csv: () => this.csvFor([run]),
          background: () => this.ctx.palette().background,
        },
        (m) => this.ctx.flash(m),
      ),
    });
    el.title = metric.help;
    const p = this.ctx.palette();
    const layers = index.epochs.length
      ? index.epochs[index.epochs.length - 1].layers.map((x) => x.layer)
      : [];
    const shown = layerChoice === 'all' ? layers : layers.filter((x) => x === layerChoice);
    const series = shown.map((layer, i) => ({
      name: `block ${layer}`,
      type: 'line',
      data: indexSeries(index, layer, metric.key),
      symbolSize: 5,
      lineStyle: { width: p.highContrast ? 2.5 : 1.8 },
      color:
        layerChoice === 'all'
          ? layerColour(p.series, layers.indexOf(shown[i]))
          : this.ctx.runColour(run.runDir),
    }));
    chart.apply({
      ...baseOption(p),
      legend: legend(p, {
        itemWidth: 12,
        itemHeight: 3,
        textStyle: { color: p.muted, fontSize: p.fontSize - 3 },
      }),
      grid: { top: 30, left: 8, right: 14, bottom: 8 },
      xAxis: valueAxis(p, {
        name: 'epoch',
        nameLocation: 'middle',
        nameGap: 24,
        minInterval: 1,
        splitLine: { show: false },
        max: 'dataMax',
      }),
      yAxis: valueAxis(p, {
        min: yRange?.min,
        max: yRange?.max,
        interval: yRange?.interval,
        axisLabel: { color: p.muted, formatter: (v: number) => fmtNumber(v, 2) },
      }),
      tooltip: tooltip(p, {
        trigger: 'axis',
        formatter: (params: unknown) => {
          const list = params as { seriesName: string; value: number[]; color: string }[];
          return tooltipContent(
            `${this.ctx.runName(run)} · epoch ${list[0]?.value[0]}`,
            list.map((x) => ({ colour: x.color, name: x.seriesName, value: fmtNumber(x.value[1], 4) })),
          );
        },
      }),
      series,
    });
    return el;
  }

  private whyNoStats(run: DashboardRun): string {
    const l = this.loaded.get(run.runDir);
    if (!l) return 'loading';
    if (!l.ok) return `its analysis could not be read: ${l.error}`;
    if (!methodHasPrompts(run.method ?? undefined) || l.index?.model.promptLength === 0)
      return 'a linear probe has no prompts';
    if (!l.index) return 'no analysis recorded';
    return 'no prompt statistics';
  }

  /** One y range per metric row across the runs (so side-by-side charts compare by eye). */
  private sharedRange(
    runs: DashboardRun[],
    key: IndexMetric,
    layerChoice: number | 'all',
  ): { min: number; max: number; interval: number } | null {
    let lo = Infinity;
    let hi = -Infinity;
    for (const r of runs) {
      const l = this.loaded.get(r.runDir);
      if (!l?.ok || !l.index) continue;
      for (const e of l.index.epochs) {
        for (const x of e.layers) {
          if (layerChoice !== 'all' && x.layer !== layerChoice) continue;
          const v = x[key];
          if (typeof v === 'number' && Number.isFinite(v)) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
          }
        }
      }
    }
    if (!Number.isFinite(lo)) return null;
    return niceRange(lo, hi);
  }

  private renderSummary(runs: DashboardRun[]): void {
    const layerChoice = this.ctx.state.analysis.layer;
    const head = h(
      'tr',
      null,
      h('th', { scope: 'col' }, 'Run'),
      h('th', { scope: 'col', className: 'num' }, 'Epoch'),
      ...METRICS.map((m) => h('th', { scope: 'col', className: 'num', title: m.help }, m.title)),
    );
    const rows = runs.map((r) => {
      const l = this.loaded.get(r.runDir);
      const index = l?.ok ? l.index : null;
      const last = index?.epochs[index.epochs.length - 1];
      const layers = last
        ? layerChoice === 'all'
          ? last.layers
          : last.layers.filter((x) => x.layer === layerChoice)
        : [];
      const dot = h('span', { className: 'run-dot' });
      dot.style.backgroundColor = this.ctx.runColour(r.runDir);
      return h(
        'tr',
        null,
        h('th', { scope: 'row' }, runs.length > 1 ? dot : '', this.ctx.runName(r)),
        h('td', { className: 'num' }, last ? String(last.epoch) : '—'),
        ...METRICS.map((m) => h('td', { className: 'num' }, fmtNumber(layerMean(layers, m.key), 3))),
      );
    });
    this.summary.append(
      card(
        'At the last analysed epoch',
        [
          h('table', { className: 'table' }, h('thead', null, head), h('tbody', null, ...rows)),
          this.tokenSpaceNote(runs, layerChoice),
        ],
        {
          subtitle: layerChoice === 'all' ? 'mean over layers' : `block ${layerChoice}`,
          actions: exportButtons(
            this.ctx.post,
            {
              name: () => 'prompt-patch-analysis',
              csv: () => this.csvFor(runs),
              background: () => this.ctx.palette().background,
            },
            (m) => this.ctx.flash(m),
          ),
        },
      ),
    );
  }

  /** Which patch tokens the prompts were compared with (per run when the runs differ). */
  private tokenSpaceNote(runs: DashboardRun[], layerChoice: number | 'all'): HTMLElement {
    const perRun = runs.map((r) => {
      const l = this.loaded.get(r.runDir);
      return { run: r, lines: l?.ok && l.index ? tokenSpaceLines(l.index, layerChoice) : [] };
    });
    const same = perRun.every((x) => x.lines.join('\n') === perRun[0].lines.join('\n'));
    const items = same
      ? perRun[0].lines
      : perRun.flatMap((x) => x.lines.map((line) => `${this.ctx.runName(x.run)}, ${line}`));
    return h(
      'div',
      { className: 'hint token-space' },
      h('p', null, 'Prompts compared with:'),
      h('ul', null, ...items.map((line) => h('li', null, line))),
    );
  }

  private buildToolbar(): void {
    const depth = Math.max(
      0,
      ...[...this.loaded.values()].map((l) => (l.ok && l.index ? l.index.model.depth : 0)),
    );
    const options: { value: string; label: string }[] = [{ value: 'all', label: 'all layers' }];
    for (let i = 0; i < depth; i++) options.push({ value: String(i), label: `block ${i}` });
    const cur = this.ctx.state.analysis.layer;
    this.toolbar.replaceChildren(
      select('Layers', options, String(cur), (v) => {
        this.ctx.state.analysis.layer = v === 'all' ? 'all' : Number(v);
        this.ctx.saveState();
        this.render();
      }),
      h(
        'p',
        { className: 'hint toolbar-hint' },
        'Higher NMI, AMI and nearest cosine, and an inertia ratio near 1, mean the prompts sit among the patch tokens like cluster centres.',
      ),
      h(
        'p',
        { className: 'hint toolbar-hint' },
        "“paper”: the paper's measure (prompt-patch NMI); “added”: this project's additions (AMI, the chance-corrected NMI; inertia ratio; cosine; attention to prompts; drift).",
      ),
    );
  }

  private retry(): void {
    for (const r of this.ctx.store.runs) this.ctx.store.forgetRun(r.runDir);
    this.loaded.clear();
    void this.refresh();
  }

  private csvFor(runs: DashboardRun[]): string | null {
    const rows: (string | number | null)[][] = [];
    for (const r of runs) {
      const l = this.loaded.get(r.runDir);
      if (!l?.ok || !l.index) continue;
      for (const e of l.index.epochs) {
        for (const x of e.layers) {
          rows.push([
            r.label,
            e.epoch,
            x.layer,
            x.nmi,
            x.ami ?? null,
            x.inertiaRatio,
            x.nearestCosine,
            x.meanCosine,
            x.driftL2,
            x.driftCosine,
            x.clsPromptMass,
            x.clsPatchMass,
            x.patchPromptMass ?? null,
          ]);
        }
      }
    }
    if (rows.length === 0) return null;
    return toCsv(
      [
        'run',
        'epoch',
        'layer',
        'nmi',
        'ami',
        'inertia_ratio',
        'nearest_cosine',
        'mean_cosine',
        'drift_l2',
        'drift_cosine',
        'cls_prompt_mass',
        'cls_patch_mass',
        'patch_prompt_mass',
      ],
      rows,
    );
  }
}

/** One colour per layer, the same in every run's chart. */
function layerColour(series: string[], i: number): string {
  return series[i % series.length] ?? series[0];
}
