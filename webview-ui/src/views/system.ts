/**
 * System: what training cost, W&B's "system" charts. Throughput (images/s of each train step, smoothed
 * like the curves, with val and test evaluations as points) and memory (the trainer's resident set and
 * the bytes TensorFlow.js tensors hold) against step or wall-clock time, one colour per run in compare
 * mode. Grows while a run trains; a run recorded before metric lines carried these fields gets a note.
 */
import type { DashboardRun } from '../../../src/shared/webview-contract';
import { baseOption, ChartHost, legend, type Option, tooltip, valueAxis } from '../charts';
import { h, notice, segmented, slider } from '../dom';
import { exportButtons } from '../export';
import { seriesToCsv } from '../lib/csv';
import { metricCount } from '../lib/metrics';
import { RunMetricsLoader } from '../lib/run-metrics-loader';
import { SmoothingCache } from '../lib/smoothing';
import {
  downsampleSeries,
  fmtElapsed,
  fmtMiB,
  fmtRate,
  MEMORY_FIELDS,
  type MemoryField,
  memorySeries,
  type SystemSeries,
  type SystemX,
  systemPresence,
  throughputSeries,
} from '../lib/system';
import type { StoreEvent } from '../store';
import { card, isLive, type View, type ViewContext } from './view';

const MEMORY_LABELS: Record<MemoryField, string> = {
  rss_mb: 'process RSS',
  tensor_mb: 'tensors',
  engine_mb: 'step engine',
};
const MEMORY_LINE: Record<MemoryField, 'solid' | 'dashed' | 'dotted'> = {
  rss_mb: 'solid',
  tensor_mb: 'dashed',
  engine_mb: 'dotted',
};

interface Line {
  id: string;
  name: string;
  label: string;
  colour: string;
  kind: 'train' | 'train-raw' | 'val' | 'test' | MemoryField;
  data: SystemSeries;
}

export class SystemView implements View {
  readonly root = h('div', { className: 'view view-system' });
  private readonly throughput = new ChartHost('system-throughput', 'Throughput (images per second)');
  private readonly memory = new ChartHost('system-memory', 'Memory (MiB)');
  private readonly toolbar = h('div', {
    className: 'toolbar',
    role: 'toolbar',
    'aria-label': 'System options',
  });
  private readonly status = h('div', { className: 'view-status' });
  private readonly notes = h('div', { className: 'view-warnings system-notes' });
  private readonly cards: HTMLElement[];
  private readonly smoothing = new SmoothingCache();
  private readonly metrics = new RunMetricsLoader((dir) => this.ctx.store.loadMetrics(dir));
  private readonly loaded = this.metrics.loaded;
  private readonly errors = this.metrics.errors;
  private readonly loading = this.metrics.loading;
  private throughputLines: Line[] = [];
  private memoryLines: Line[] = [];
  private visible = false;
  private built = false;
  private updateTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly ctx: ViewContext) {
    const actions = (chart: ChartHost, name: string, lines: () => Line[]) =>
      exportButtons(
        ctx.post,
        {
          name: () => `system-${name}-${ctx.state.system.x}`,
          chart: () => chart,
          csv: () => this.csv(lines()),
          background: () => ctx.palette().background,
        },
        (m) => ctx.flash(m),
      );
    this.cards = [
      card('Throughput', this.throughput.el, {
        subtitle: 'images per second: train per step, val and test per evaluation',
        actions: actions(this.throughput, 'throughput', () => this.throughputLines),
        className: 'card-system',
      }),
      card('Memory', this.memory.el, {
        subtitle:
          'trainer process resident set (solid), TensorFlow.js tensors (dashed), step engine buffers (dotted, webgpu and native), MiB',
        actions: actions(this.memory, 'memory', () => this.memoryLines),
        className: 'card-system',
      }),
    ];
  }

  show(): void {
    if (!this.built) {
      this.built = true;
      this.root.append(this.toolbar, this.notes, this.status, ...this.cards);
      this.buildToolbar();
    }
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
    if (!this.visible) return;
    if (e.type === 'runs') {
      this.load();
      this.draw();
    } else if (e.type === 'metrics' && this.loaded.has(e.runDir) && !this.updateTimer) {
      this.updateTimer = setTimeout(() => {
        this.updateTimer = null;
        if (this.visible) this.draw();
      }, 500);
    }
  }

  private buildToolbar(): void {
    const s = this.ctx.state.system;
    this.toolbar.replaceChildren(
      segmented(
        'X axis',
        [
          { value: 'step', label: 'Step' },
          { value: 'time', label: 'Time' },
        ],
        s.x,
        (v: SystemX) => {
          s.x = v;
          this.ctx.saveState();
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
          this.draw();
        },
        onChange: (v) => {
          s.smoothing = v;
          this.ctx.saveState();
        },
      }),
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

  private draw(): void {
    if (!this.built) return;
    const runs = this.ctx.store.runs;
    const shown = runs.filter((r) => this.loaded.has(r.runDir));
    const blocking = this.blockingNotice(shown);
    this.status.replaceChildren(...(blocking ? [blocking] : []));
    this.notes.replaceChildren();
    for (const c of this.cards) c.hidden = blocking !== null;
    if (blocking) return;
    // Runs (with metrics) recorded before metric lines carried throughput or memory: say so, per run.
    for (const run of shown) {
      const m = this.loaded.get(run.runDir)!;
      if (metricCount(m) === 0) continue;
      const has = systemPresence(m);
      const missing = [has.throughput ? null : 'throughput', has.memory ? null : 'memory'].filter(Boolean);
      if (!missing.length) continue;
      this.notes.append(
        h(
          'p',
          { className: 'hint system-missing' },
          `${this.ctx.runName(run)}: this run recorded no ${missing.join(' or ')} (trained before metrics.jsonl carried ${has.throughput ? '' : 'ips, '}rss_mb and tensor_mb); train it again to see ${missing.length > 1 ? 'them' : 'it'} here.`,
        ),
      );
    }
    for (const run of runs.filter((r) => this.errors.has(r.runDir)))
      this.notes.append(
        notice(
          'error',
          `Metrics of ${this.ctx.runName(run)} could not be loaded.`,
          this.errors.get(run.runDir),
        ),
      );
    this.render(shown);
  }

  private blockingNotice(shown: DashboardRun[]): HTMLElement | null {
    const runs = this.ctx.store.runs;
    if (runs.length === 0)
      return notice('empty', 'No run to show.', 'Open a run from the SPT Runs view, or start one.');
    if (shown.length === 0) {
      if (this.loading.size) return notice('loading', 'Loading metrics…');
      const first = runs.find((r) => this.errors.has(r.runDir));
      return notice(
        'error',
        'Could not load the metrics.',
        first ? this.errors.get(first.runDir) : undefined,
      );
    }
    if (shown.some((r) => metricCount(this.loaded.get(r.runDir)!) > 0)) return null;
    const live = shown.some(isLive);
    return notice(
      live ? 'loading' : 'empty',
      live ? 'Waiting for the first training step…' : 'This run logged no metrics.',
      live
        ? 'Throughput and memory appear here with the first step and grow while the run trains.'
        : undefined,
    );
  }

  /** The series of both charts, from every loaded run. */
  private buildLines(shown: DashboardRun[]): void {
    const p = this.ctx.palette();
    const s = this.ctx.state.system;
    const compare = shown.length > 1;
    this.throughputLines = [];
    this.memoryLines = [];
    shown.forEach((run) => {
      const m = this.loaded.get(run.runDir)!;
      const name = this.ctx.runName(run);
      const runColour = this.ctx.runColour(run.runDir);
      (['train', 'val', 'test'] as const).forEach((split, k) => {
        const data = throughputSeries(m, split, s.x);
        if (!data.x.length) return;
        const colour = compare ? runColour : p.series[k % p.series.length];
        const base = {
          name: compare ? name : `${split}`,
          label: compare ? `${name} · ${split} img/s` : `${split} img/s`,
          colour,
        };
        const id = `${run.runDir}|${split}`;
        if (split === 'train' && s.smoothing > 0) {
          this.throughputLines.push({
            id,
            ...base,
            label: `${base.label} (smoothed)`,
            kind: 'train',
            data: { x: data.x, y: Array.from(this.smoothing.get(data.y, s.smoothing)) },
          });
          this.throughputLines.push({ id: `${id}|raw`, ...base, kind: 'train-raw', data });
        } else this.throughputLines.push({ id, ...base, kind: split, data });
      });
      MEMORY_FIELDS.forEach((field, k) => {
        const data = memorySeries(m, field, s.x);
        if (!data.x.length) return;
        this.memoryLines.push({
          id: `${run.runDir}|${field}`,
          name: compare ? name : MEMORY_LABELS[field],
          label: compare ? `${name} · ${MEMORY_LABELS[field]} MiB` : `${MEMORY_LABELS[field]} MiB`,
          colour: compare ? runColour : p.series[k % p.series.length],
          kind: field,
          data,
        });
      });
    });
  }

  private render(shown: DashboardRun[]): void {
    this.buildLines(shown);
    const p = this.ctx.palette();
    const s = this.ctx.state.system;
    const xName = s.x === 'step' ? 'step' : 'wall-clock time since the first step (min:s)';
    const fmtX = (v: number) => (s.x === 'step' ? Math.round(v).toLocaleString('en-US') : fmtElapsed(v));
    const buckets = (c: ChartHost) => Math.max(100, Math.round(c.width()));
    const toSeries = (lines: Line[], chart: ChartHost) =>
      lines.map((l) => {
        const point = l.kind === 'val' || l.kind === 'test';
        const faint = l.kind === 'train-raw';
        return {
          id: l.id,
          name: l.name,
          type: point ? 'scatter' : 'line',
          data: downsampleSeries(l.data, buckets(chart)),
          showSymbol: point,
          symbol: l.kind === 'test' ? 'triangle' : point ? 'circle' : 'none',
          symbolSize: l.kind === 'test' ? 9 : 6,
          silent: faint,
          z: faint ? 1 : 2,
          lineStyle: {
            color: l.colour,
            width: faint ? 1 : p.highContrast ? 2.5 : 1.6,
            opacity: faint ? 0.3 : 1,
            type: l.kind in MEMORY_LINE ? MEMORY_LINE[l.kind as MemoryField] : 'solid',
          },
          itemStyle: { color: l.colour, opacity: faint ? 0.25 : 1 },
          emphasis: { disabled: true },
          animation: false,
        };
      });
    const option = (lines: Line[], chart: ChartHost, yName: string, fmtY: (v: number) => string): Option => ({
      ...baseOption(p),
      legend: legend(p, { data: [...new Set(lines.map((l) => l.name))] }),
      // Room between the legend, the y-axis title and the top tick: they overlapped at top 48 / gap 10.
      grid: { top: 60, left: 12, right: 28, bottom: 36 },
      xAxis: valueAxis(p, {
        name: xName,
        nameLocation: 'middle',
        nameGap: 26,
        scale: true,
        // Steps are whole numbers: no 1, 1, 2, 2 ticks on a short run.
        minInterval: s.x === 'step' ? 1 : undefined,
        splitLine: { show: false },
        axisLabel: { color: p.muted, hideOverlap: true, formatter: fmtX },
      }),
      yAxis: valueAxis(p, {
        name: yName,
        nameLocation: 'end',
        nameGap: 16,
        scale: true,
        axisLabel: { color: p.muted, formatter: fmtY },
      }),
      tooltip: tooltip(p, {
        trigger: 'axis',
        axisPointer: { type: 'line', lineStyle: { color: p.muted, type: 'dashed' }, snap: false },
        valueFormatter: (v: number) => fmtY(v),
      }),
      series: toSeries(lines, chart),
    });
    // A chart without any series (every run trained before it was recorded) gives way to the note.
    this.cards[0].hidden = this.throughputLines.length === 0;
    this.cards[1].hidden = this.memoryLines.length === 0;
    this.throughput.apply(
      option(this.throughputLines, this.throughput, 'throughput (img/s)', (v) => fmtRate(v, true)),
      true,
    );
    this.memory.apply(
      option(this.memoryLines, this.memory, 'memory (MiB)', (v) => fmtMiB(v)),
      true,
    );
    const names = (lines: Line[]) => [...new Set(lines.map((l) => l.label))].join(', ') || 'no data';
    this.throughput.setAriaLabel(
      `Throughput in images per second against ${s.x}: ${names(this.throughputLines)}.`,
    );
    this.memory.setAriaLabel(`Memory in MiB against ${s.x}: ${names(this.memoryLines)}.`);
  }

  private csv(lines: Line[]): string | null {
    const cols = lines.map((l) => ({ name: l.label, ...l.data }));
    return cols.length ? seriesToCsv(this.ctx.state.system.x, cols) : null;
  }
}
