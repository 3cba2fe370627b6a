/**
 * Curves: loss, accuracy or learning rate against step or epoch, one line per split (and per run in
 * compare mode), with TensorBoard-style smoothing, log scale, zoom and pan. Only the visible range is
 * drawn in detail (min/max per pixel bucket), so 100,000-point runs stay smooth; the data is untouched.
 */
import type { DashboardRun } from '../../../src/shared/webview-contract';
import { baseOption, ChartHost, legend, type Option, tooltip, tooltipContent, valueAxis } from '../charts';
import { checkbox, h, notice, segmented, slider } from '../dom';
import { exportButtons } from '../export';
import { seriesToCsv } from '../lib/csv';
import { displayPoints, nearestIndex, OverviewCache, type XRange } from '../lib/downsample';
import { fmtNumber, fmtPercent } from '../lib/format';
import {
  latestValues,
  type MetricField,
  metricCount,
  metricSeries,
  type Split,
  type XKind,
} from '../lib/metrics';
import { axisName, extendToPlan, plannedEnd } from '../lib/planned-axis';
import { RunMetricsLoader } from '../lib/run-metrics-loader';
import { SmoothingCache } from '../lib/smoothing';
import { splitKeys } from '../lib/split-keys';
import type { StoreEvent } from '../store';
import { card, isLive, type View, type ViewContext } from './view';

const METRICS: { value: MetricField; label: string; title: string }[] = [
  { value: 'loss', label: 'Loss', title: 'Cross-entropy loss (train per step, val and test per evaluation)' },
  { value: 'acc', label: 'Accuracy', title: 'Top-1 accuracy (train per batch, val and test per evaluation)' },
  { value: 'lr', label: 'Learning rate', title: 'Learning rate of each optimizer step' },
];

interface ZoomEvent {
  start?: number;
  end?: number;
  batch?: { start?: number; end?: number }[];
}

interface Source {
  id: string;
  /** Legend entry: the split (one run) or the run (compare: a run's splits toggle together). */
  name: string;
  /** Tooltip and CSV name: run and split. */
  label: string;
  colour: string;
  split: Split;
  raw: boolean;
  /** A raw series drawn under its smoothed twin. */
  faint: boolean;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** The unsmoothed values (CSV and tooltips). */
  rawY: ArrayLike<number>;
}

export class CurvesView implements View {
  readonly root = h('div', { className: 'view view-curves' });
  private readonly chart = new ChartHost('curves', 'Training curves');
  private readonly toolbar = h('div', {
    className: 'toolbar',
    role: 'toolbar',
    'aria-label': 'Curve options',
  });
  private readonly readout = h('dl', { className: 'readout', 'aria-label': 'Latest values' });
  private readonly status = h('div', { className: 'view-status' });
  private readonly warnings = h('div', { className: 'view-warnings' });
  private readonly chartCard: HTMLElement;
  private readonly hint = h('p', { className: 'hint' });
  private readonly smoothingCache = new SmoothingCache();
  private readonly overviews = new OverviewCache();
  private readonly metrics = new RunMetricsLoader((dir) => this.ctx.store.loadMetrics(dir));
  private readonly loaded = this.metrics.loaded;
  private readonly errors = this.metrics.errors;
  private readonly loading = this.metrics.loading;
  private sources: Source[] = [];
  private extent: XRange | null = null;
  /** The zoom window in x values; max = Infinity follows a live run's end. null: everything. */
  private zoom: XRange | null = null;
  private legendSelected: Record<string, boolean> = {};
  private visible = false;
  private built = false;
  private updateTimer: ReturnType<typeof setTimeout> | null = null;
  private zoomFrame = 0;
  /** Milliseconds the last full render took, and when the first one with data ended (the harness reads them). */
  lastRenderMs = 0;
  firstDataAt: number | null = null;

  constructor(private readonly ctx: ViewContext) {
    this.chart.onInit = (c) => {
      c.on('datazoom', (e) => this.onZoom(e as ZoomEvent));
      c.on('legendselectchanged', (e) => {
        this.legendSelected = { ...(e as { selected: Record<string, boolean> }).selected };
      });
    };
    this.chartCard = card('Curves', [this.chart.el, this.hint], {
      actions: exportButtons(
        ctx.post,
        {
          name: () => `curves-${ctx.state.curves.metric}-${ctx.state.curves.x}`,
          chart: () => this.chart,
          csv: () => this.csv(),
          background: () => ctx.palette().background,
        },
        (m) => ctx.flash(m),
      ),
      className: 'card-fill',
    });
  }

  show(): void {
    if (!this.built) this.build();
    this.visible = true;
    this.load();
    this.draw();
  }

  hide(): void {
    this.visible = false;
  }

  refreshTheme(): void {
    if (this.visible) this.draw();
  }

  onStoreEvent(e: StoreEvent): void {
    if (e.type === 'runs') {
      if (this.visible) {
        this.load();
        this.draw();
      }
    } else if (e.type === 'metrics' && this.loaded.has(e.runDir) && this.visible) {
      this.scheduleUpdate();
    }
  }

  private build(): void {
    this.built = true;
    this.root.append(this.toolbar, this.readout, this.warnings, this.status, this.chartCard);
    this.buildToolbar();
  }

  private buildToolbar(): void {
    const s = this.ctx.state.curves;
    const save = () => this.ctx.saveState();
    this.toolbar.replaceChildren(
      segmented('Metric', METRICS, s.metric, (v) => {
        s.metric = v;
        save();
        this.buildToolbar();
        this.draw();
      }),
      segmented(
        'X axis',
        [
          { value: 'step', label: 'Step' },
          { value: 'epoch', label: 'Epoch' },
        ],
        s.x,
        (v: XKind) => {
          s.x = v;
          this.zoom = null;
          save();
          this.buildToolbar();
          this.draw();
        },
      ),
      slider({
        label: 'Smoothing',
        min: 0,
        max: 0.99,
        step: 0.01,
        value: s.smoothing,
        format: (v) => v.toFixed(2),
        ariaValueText: (v) =>
          v === 0 ? 'no smoothing' : `exponential moving average, weight ${v.toFixed(2)}`,
        onInput: (v) => {
          s.smoothing = v;
          this.update();
        },
        onChange: (v) => {
          s.smoothing = v;
          save();
        },
      }),
      checkbox(
        'Log scale',
        s.logScale,
        (v) => {
          s.logScale = v;
          save();
          this.draw();
        },
        'Y axis',
      ),
    );
  }

  private load(): void {
    this.metrics.load(
      this.ctx.store.runs.map((r) => r.runDir),
      () => {
        if (this.visible) this.draw();
      },
    );
  }

  private retry(): void {
    this.errors.clear();
    this.load();
    this.draw();
  }

  /** Decides between a notice and the chart, then draws. */
  private draw(): void {
    if (!this.built) return;
    const runs = this.ctx.store.runs;
    this.readout.replaceChildren();
    this.warnings.replaceChildren();
    const shown = runs.filter((r) => this.loaded.has(r.runDir));
    const blocking = this.blockingNotice(shown);
    this.status.replaceChildren(...(blocking ? [blocking] : []));
    this.chartCard.hidden = blocking !== null;
    if (blocking) return;
    const failed = runs.filter((r) => this.errors.has(r.runDir));
    if (failed.length) {
      this.warnings.append(
        notice(
          'error',
          `Metrics of ${failed.map((r) => this.ctx.runName(r)).join(', ')} could not be loaded.`,
          this.errors.get(failed[0].runDir),
          { label: 'Retry', run: () => this.retry() },
        ),
      );
    }
    const skipped = shown.reduce((n, r) => n + (this.loaded.get(r.runDir)!.skippedLines ?? 0), 0);
    if (skipped > 0) {
      this.warnings.append(
        h(
          'p',
          { className: 'hint' },
          `${skipped} line(s) of metrics.jsonl could not be read and are not shown.`,
        ),
      );
    }
    if (this.ctx.store.mode === 'run' || shown.length === 1) this.fillReadout(shown[0]);
    this.hint.textContent = hintText(shown.length > 1);
    this.render();
  }

  /** What to show instead of the chart: no run, loading, an error, or no metrics yet; null to draw. */
  private blockingNotice(shown: DashboardRun[]): HTMLElement | null {
    const runs = this.ctx.store.runs;
    if (runs.length === 0) {
      return notice(
        'empty',
        'No run to show.',
        'Open a run from the SPT Runs view, or start one with "SPT: Run Experiment".',
      );
    }
    if (shown.length === 0) {
      if (this.loading.size) return notice('loading', 'Loading metrics…');
      const first = runs.find((r) => this.errors.has(r.runDir));
      return notice(
        'error',
        'Could not load the metrics.',
        `${first ? this.errors.get(first.runDir) : ''} Check that the run folder still exists, then retry.`,
        { label: 'Retry', run: () => this.retry() },
      );
    }
    const total = shown.reduce((n, r) => n + metricCount(this.loaded.get(r.runDir)!), 0);
    if (total > 0) return null;
    const live = shown.some(isLive);
    return notice(
      live ? 'loading' : 'empty',
      live ? 'Waiting for the first training step…' : 'This run logged no metrics.',
      live
        ? 'Curves appear here as soon as the trainer reports a step; they grow while it trains.'
        : `metrics.jsonl is empty or missing${shown[0].error ? ` (the run failed: ${shown[0].error})` : ''}.`,
    );
  }

  private fillReadout(run: DashboardRun): void {
    const m = this.loaded.get(run.runDir);
    if (!m) return;
    const v = latestValues(m);
    const item = (label: string, value: string, title?: string) =>
      h('div', { className: 'readout-item', title }, h('dt', null, label), h('dd', null, value));
    const epochs = run.epochs ?? null;
    const epochDone = run.epoch ?? v.epoch;
    this.readout.append(
      item(
        'Progress',
        run.progress ?? (epochs ? `epoch ${epochDone ?? 0}/${epochs}` : `step ${v.step ?? 0}`),
        'Epochs completed (and, while it trains, steps taken, throughput and time left)',
      ),
      item('Train loss', fmtNumber(v.trainLoss), 'Loss of the last training step'),
      item('Val loss', fmtNumber(v.valLoss)),
      item('Val acc', fmtPercent(v.valAcc)),
      item(
        'Best val acc',
        v.bestValAcc === null ? '—' : `${fmtPercent(v.bestValAcc)} (epoch ${v.bestValEpoch})`,
        'Best validation accuracy and its epoch (counted from 1)',
      ),
      item('Test acc', fmtPercent(run.testAcc ?? v.testAcc)),
      item('LR', fmtNumber(v.lr, 3), 'Learning rate of the last step'),
    );
  }

  /** Series sources for the current metric, x kind and smoothing. */
  private buildSources(): Source[] {
    const s = this.ctx.state.curves;
    const p = this.ctx.palette();
    const compare = this.ctx.store.runs.filter((r) => this.loaded.has(r.runDir)).length > 1;
    const splits: Split[] = s.metric === 'lr' ? ['train'] : ['train', 'val', 'test'];
    const out: Source[] = [];
    this.ctx.store.runs.forEach((run) => {
      const m = this.loaded.get(run.runDir);
      if (!m) return;
      splits.forEach((split, k) => {
        if (m[split].step.length === 0) return;
        const { x, y } = metricSeries(m, split, s.metric, s.x);
        const colour = compare ? this.ctx.runColour(run.runDir) : p.series[k % p.series.length];
        const name = compare ? this.ctx.runName(run) : split;
        const label = compare ? `${this.ctx.runName(run)} · ${split}` : split;
        const id = `${run.runDir}|${split}`;
        const smooth = split === 'train' && s.smoothing > 0;
        if (smooth) {
          // The smoothed line first: the legend takes its look from the first series of a name.
          out.push({
            id,
            name,
            label,
            colour,
            split,
            raw: false,
            faint: false,
            x,
            y: this.smoothingCache.get(y, s.smoothing),
            rawY: y,
          });
          out.push({ id: `${id}|raw`, name, label, colour, split, raw: true, faint: true, x, y, rawY: y });
        } else {
          out.push({ id, name, label, colour, split, raw: true, faint: false, x, y, rawY: y });
        }
      });
    });
    return out;
  }

  private computeExtent(): XRange | null {
    let min = Infinity;
    let max = -Infinity;
    for (const s of this.sources) {
      if (s.x.length === 0) continue;
      min = Math.min(min, s.x[0]);
      max = Math.max(max, s.x[s.x.length - 1]);
    }
    if (!Number.isFinite(min)) return null;
    const planned = plannedEnd(this.ctx.store.runs, this.ctx.state.curves.x);
    if (min === max && planned === null) return { min: min - 0.5, max: max + 0.5 };
    return extendToPlan({ min, max }, planned);
  }

  private visibleRange(): XRange | null {
    if (!this.zoom || !this.extent) return null;
    return { min: Math.max(this.zoom.min, this.extent.min), max: Math.min(this.zoom.max, this.extent.max) };
  }

  private zoomPercents(): { start: number; end: number } {
    const v = this.visibleRange();
    const e = this.extent;
    if (!v || !e) return { start: 0, end: 100 };
    const span = e.max - e.min || 1;
    return { start: (100 * (v.min - e.min)) / span, end: (100 * (v.max - e.min)) / span };
  }

  private seriesData(): { id: string; data: [number, number][] }[] {
    const buckets = Math.max(100, Math.round(this.chart.width()));
    const range = this.visibleRange();
    const positiveOnly = this.ctx.state.curves.logScale;
    return this.sources.map((s) => ({
      id: s.id,
      data: displayPoints(s.x, s.y, range, buckets, { positiveOnly, overview: this.overviews }),
    }));
  }

  /** Full render (notMerge): controls, theme or the set of series changed. */
  private render(): void {
    const t0 = performance.now();
    const p = this.ctx.palette();
    const s = this.ctx.state.curves;
    this.sources = this.buildSources();
    this.extent = this.computeExtent();
    const data = this.seriesData();
    const { start, end } = this.zoomPercents();
    const hc = p.highContrast;
    const series = this.sources.map((src, i) => {
      const evalSplit = src.split !== 'train';
      return {
        id: src.id,
        name: src.name,
        type: 'line',
        data: data[i].data,
        showSymbol: evalSplit,
        // Dense per-step lines draw no symbols at all (ECharts would still size one per point).
        symbol: evalSplit ? (src.split === 'test' ? 'triangle' : 'circle') : 'none',
        symbolSize: src.split === 'test' ? 9 : 5,
        sampling: undefined,
        silent: src.faint,
        z: src.faint ? 1 : 2,
        lineStyle: {
          color: src.colour,
          width: src.faint ? 1 : hc ? 2.5 : evalSplit ? 1.8 : 1.5,
          opacity: src.faint ? 0.3 : 1,
          type: src.split === 'val' ? 'dashed' : 'solid',
        },
        itemStyle: { color: src.colour, opacity: src.faint ? 0.25 : 1 },
        emphasis: { disabled: true },
        connectNulls: false,
        animation: false,
        large: false,
      };
    });
    // Compare mode colours the runs: the legend also keys the splits' line styles (empty series).
    const compare = this.ctx.store.runs.filter((r) => this.loaded.has(r.runDir)).length > 1;
    const keys = compare ? splitKeys([...new Set(this.sources.map((x) => x.split))]) : [];
    for (const k of keys)
      series.push({
        id: `key|${k.split}`,
        name: k.name,
        type: 'line',
        data: [],
        showSymbol: k.split !== 'train',
        symbol: k.split === 'test' ? 'triangle' : k.split === 'val' ? 'circle' : 'none',
        symbolSize: k.split === 'test' ? 9 : 5,
        sampling: undefined,
        silent: true,
        z: 0,
        lineStyle: { color: p.muted, width: 1.5, opacity: 1, type: k.split === 'val' ? 'dashed' : 'solid' },
        itemStyle: { color: p.muted, opacity: 1 },
        emphasis: { disabled: true },
        connectNulls: false,
        animation: false,
        large: false,
      });
    const ext = this.extent;
    const yName = s.metric === 'loss' ? 'loss' : s.metric === 'acc' ? 'accuracy' : 'learning rate';
    const option: Option = {
      ...baseOption(p),
      legend: legend(p, {
        selected: this.legendSelected,
        data: [...new Set(this.sources.map((x) => x.name)), ...keys.map((k) => k.name)],
      }),
      grid: { top: 40, left: 12, right: 28, bottom: 78 },
      xAxis: valueAxis(p, {
        name: axisName(this.ctx.store.runs, s.x),
        nameLocation: 'middle',
        nameGap: 26,
        min: ext?.min,
        max: ext?.max,
        splitLine: { show: false },
        axisLabel: { color: p.muted, hideOverlap: true, formatter: (v: number) => fmtAxis(v, s.x) },
      }),
      yAxis: valueAxis(p, {
        type: s.logScale ? 'log' : 'value',
        name: yName,
        nameLocation: 'end',
        nameGap: 10,
        scale: true,
        axisLabel: { color: p.muted, formatter: (v: number) => fmtY(v, s.metric) },
      }),
      tooltip: tooltip(p, {
        trigger: 'axis',
        axisPointer: { type: 'line', lineStyle: { color: p.muted, type: 'dashed' }, snap: false },
        formatter: (params: unknown) => this.tooltip(params),
      }),
      dataZoom: [
        {
          type: 'inside',
          xAxisIndex: 0,
          start,
          end,
          filterMode: 'filter',
          zoomOnMouseWheel: true,
          moveOnMouseMove: true,
        },
        {
          type: 'slider',
          xAxisIndex: 0,
          start,
          end,
          height: 22,
          bottom: 8,
          filterMode: 'filter',
          borderColor: p.highContrast ? p.foreground : p.grid,
          textStyle: { color: p.muted },
          fillerColor: hexA(p.series[0], 0.15),
          handleStyle: { color: p.background, borderColor: p.muted },
          moveHandleSize: 5,
          moveHandleStyle: { color: p.grid },
          dataBackground: {
            lineStyle: { color: p.muted, opacity: 0.5 },
            areaStyle: { color: p.muted, opacity: 0.1 },
          },
          selectedDataBackground: {
            lineStyle: { color: p.series[0], opacity: 0.6 },
            areaStyle: { color: p.series[0], opacity: 0.1 },
          },
          labelFormatter: (v: number) => fmtAxis(v, s.x),
        },
      ],
      series,
    };
    this.chart.apply(option, true);
    this.chart.setAriaLabel(
      `${yName} against ${s.x}: ${[...new Set(this.sources.map((x) => x.label))].join(', ')}. Use the zoom slider below to choose a range.`,
    );
    this.lastRenderMs = performance.now() - t0;
    if (this.firstDataAt === null && this.sources.length) this.firstDataAt = performance.now();
  }

  /** Cheap update (merge): live lines, smoothing drag, zoom. Falls back to a full render if series changed. */
  private update(): void {
    if (!this.visible || !this.built || this.chartCard.hidden) {
      if (this.visible) this.draw();
      return;
    }
    const before = this.sources.map((s) => s.id).join('\n');
    this.sources = this.buildSources();
    if (this.sources.map((s) => s.id).join('\n') !== before) {
      this.draw();
      return;
    }
    this.extent = this.computeExtent();
    const { start, end } = this.zoomPercents();
    this.chart.apply(
      {
        xAxis: {
          min: this.extent?.min,
          max: this.extent?.max,
          name: axisName(this.ctx.store.runs, this.ctx.state.curves.x),
        },
        dataZoom: [
          { start, end },
          { start, end },
        ],
        series: this.seriesData(),
      },
      false,
    );
    if (this.ctx.store.mode === 'run' || this.loaded.size === 1) {
      this.readout.replaceChildren();
      const run = this.ctx.store.runs.find((r) => this.loaded.has(r.runDir));
      if (run) this.fillReadout(run);
    }
  }

  private scheduleUpdate(): void {
    if (this.updateTimer) return;
    this.updateTimer = setTimeout(() => {
      this.updateTimer = null;
      this.update();
    }, 200);
  }

  private onZoom(event: ZoomEvent): void {
    const chart = this.chart.instance;
    if (!chart || !this.extent) return;
    // The event carries the window (inside zoom: in `batch`); only value-based zooms need getOption.
    let { start, end } = event.batch?.[0] ?? event;
    if (start === undefined || end === undefined) {
      const dz = (chart.getOption() as { dataZoom?: { start?: number; end?: number }[] }).dataZoom?.[0];
      start = dz?.start ?? 0;
      end = dz?.end ?? 100;
    }
    const e = this.extent;
    const span = e.max - e.min;
    if (start <= 0.001 && end >= 99.999) this.zoom = null;
    else
      this.zoom = {
        min: e.min + (span * start) / 100,
        max: end >= 99.999 ? Infinity : e.min + (span * end) / 100,
      };
    if (this.zoomFrame) return;
    this.zoomFrame = requestAnimationFrame(() => {
      this.zoomFrame = 0;
      this.chart.apply({ series: this.seriesData() }, false);
    });
  }

  /**
   * The hover read-out: every series' value at the point nearest to the pointer's x (ECharts' own axis
   * tooltip skips series without a point near it, such as val lines between evaluations).
   */
  private tooltip(params: unknown): HTMLElement {
    const list = (Array.isArray(params) ? params : [params]) as { axisValue?: number }[];
    const s = this.ctx.state.curves;
    const x = list[0]?.axisValue;
    const rows: { colour: string; name: string; value: string; note?: string }[] = [];
    if (typeof x === 'number') {
      const hidden = this.legendSelected;
      for (const src of this.sources) {
        if (src.faint || hidden[src.name] === false) continue;
        const i = nearestIndex(src.x, x);
        if (i < 0) continue;
        const at = src.x[i];
        const notes: string[] = [];
        if (!src.raw) notes.push(`raw ${fmtY(src.rawY[i], s.metric, true)}`);
        if (Math.abs(at - x) > 1e-9 * Math.max(1, Math.abs(x))) notes.push(`at ${fmtAxis(at, s.x, true)}`);
        rows.push({
          colour: src.colour,
          name: src.label,
          value: fmtY(src.y[i], s.metric, true),
          note: notes.join(', ') || undefined,
        });
      }
    }
    return tooltipContent(x === undefined ? '' : `${s.x} ${fmtAxis(x, s.x, true)}`, rows);
  }

  private csv(): string | null {
    if (this.sources.length === 0) return null;
    const cols: { name: string; x: ArrayLike<number>; y: ArrayLike<number> }[] = [];
    for (const s of this.sources) {
      if (s.faint) continue;
      cols.push({ name: s.label, x: s.x, y: s.rawY });
      if (!s.raw) cols.push({ name: `${s.label} (smoothed)`, x: s.x, y: s.y });
    }
    return seriesToCsv(this.ctx.state.curves.x, cols);
  }
}

function hintText(compare: boolean): string {
  const style = compare
    ? 'Solid lines: train, dashed: val, triangles: test; click a run in the legend to hide it. '
    : '';
  return `${style}Scroll to zoom, drag to pan, or drag the slider's handles. Smoothing applies to the per-step (train) lines; the faint line is the raw data.`;
}

function fmtAxis(v: number, x: XKind, precise = false): string {
  if (x === 'step') return Math.round(v).toLocaleString('en-US');
  return precise ? v.toFixed(2) : Number(v.toFixed(2)).toString();
}

function fmtY(v: number, metric: MetricField, precise = false): string {
  if (!Number.isFinite(v)) return '—';
  if (metric === 'acc') return `${(100 * v).toFixed(precise ? 2 : 0)}%`;
  if (metric === 'lr') return v === 0 ? '0' : v.toExponential(precise ? 3 : 1);
  return precise ? fmtNumber(v, 5) : fmtNumber(v, 3);
}

/** A colour with alpha (for #rrggbb colours; others unchanged). */
export function hexA(colour: string, alpha: number): string {
  const m = /^#([0-9a-f]{6})$/i.exec(colour.trim());
  if (!m) return colour;
  const n = Number.parseInt(m[1], 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}
