/**
 * Compare mode's sweep plot: final best val accuracy and test accuracy of every run against one swept
 * parameter (a config key that differs between the runs, picked from a list), a point per run and split.
 */
import type { DashboardRun } from '../../../src/shared/webview-contract';
import { baseOption, ChartHost, categoryAxis, legend, tooltip, tooltipContent, valueAxis } from '../charts';
import { h, select } from '../dom';
import { exportButtons } from '../export';
import { toCsv } from '../lib/csv';
import { fmtNumber } from '../lib/format';
import {
  parallelData,
  type SweepPoint,
  type SweptParam,
  sweepCategories,
  sweepPoints,
  sweptParams,
} from '../lib/sweep-scatter';
import { card, type ViewContext } from './view';

export class SweepPlot {
  private readonly chart = new ChartHost(
    'sweep-scatter',
    'Final accuracy against a swept parameter',
    'chart chart-medium',
  );
  private readonly parallel = new ChartHost(
    'sweep-parallel',
    'Parallel coordinates: the swept parameters and the final accuracies, a line per run',
    'chart chart-medium',
  );
  private readonly controls = h('div', { className: 'toolbar', role: 'toolbar', 'aria-label': 'Sweep plot' });
  private readonly note = h('p', { className: 'hint' });
  readonly root: HTMLElement;
  private key: string | null = null;
  private points: SweepPoint[] = [];
  private param: SweptParam | null = null;

  constructor(private readonly ctx: ViewContext) {
    this.root = card(
      'Accuracy against the swept parameters',
      [this.controls, this.chart.el, this.note, h('h3', null, 'Parallel coordinates'), this.parallel.el],
      {
        subtitle: 'final best val and test accuracy, a point per run',
        className: 'card-sweep',
        actions: exportButtons(
          ctx.post,
          {
            name: () => `compare-sweep-${this.param?.key ?? 'params'}`,
            chart: () => this.chart,
            csv: () => this.csv(),
            background: () => ctx.palette().background,
          },
          (m) => ctx.flash(m),
        ),
      },
    );
  }

  render(runs: readonly DashboardRun[]): void {
    const params = sweptParams(runs);
    if (params.length === 0) {
      this.controls.replaceChildren();
      this.chart.el.hidden = true;
      this.parallel.el.hidden = true;
      this.note.textContent = 'The runs’ configs are identical: there is no swept parameter to plot against.';
      return;
    }
    this.chart.el.hidden = false;
    this.parallel.el.hidden = false;
    const param = params.find((p) => p.key === this.key) ?? params[0];
    this.key = param.key;
    this.param = param;
    this.controls.replaceChildren(
      select(
        'Parameter',
        params.map((p) => ({ value: p.key, label: p.key })),
        param.key,
        (k) => {
          this.key = k;
          this.render(this.ctx.store.runs);
        },
      ),
    );
    this.points = sweepPoints(runs, param, (r) => this.ctx.runName(r));
    this.draw(param);
    this.drawParallel(runs);
    this.note.textContent = `${this.points.length} of ${runs.length} runs have a final accuracy${
      param.log ? '; log axis (the values span two decades or more)' : ''
    }. Hover a point for its run.`;
  }

  refreshTheme(): void {
    if (!this.param) return;
    this.draw(this.param);
    this.drawParallel(this.ctx.store.runs);
  }

  /** An axis per swept parameter and per final accuracy; a line per run in the run's colour. */
  private drawParallel(runs: readonly DashboardRun[]): void {
    const p = this.ctx.palette();
    const data = parallelData(runs, (r) => this.ctx.runName(r));
    const axisStyle = {
      nameTextStyle: { color: p.foreground, fontFamily: p.fontFamily },
      axisLine: { lineStyle: { color: p.highContrast ? p.foreground : p.axis } },
      axisLabel: { color: p.muted, fontFamily: p.fontFamily },
    };
    this.parallel.apply(
      {
        ...baseOption(p),
        legend: legend(p, { icon: 'rect', itemWidth: 12, itemHeight: 3 }),
        parallel: { top: 56, left: 70, right: 70, bottom: 24 },
        parallelAxis: data.axes.map((a, i) => ({
          dim: i,
          name: a.key,
          ...axisStyle,
          ...(a.categories
            ? { type: 'category', data: a.categories }
            : a.log
              ? { type: 'log' }
              : {
                  type: 'value',
                  scale: true,
                  ...(a.kind === 'metric'
                    ? {
                        axisLabel: {
                          ...axisStyle.axisLabel,
                          formatter: (v: number) => `${Math.round(v * 1000) / 10}%`,
                        },
                      }
                    : {}),
                }),
        })),
        series: data.lines.map((l) => ({
          id: `run-${l.runDir}`,
          name: l.name,
          type: 'parallel',
          lineStyle: { color: this.ctx.runColour(l.runDir), width: 2, opacity: 0.9 },
          color: this.ctx.runColour(l.runDir),
          data: [l.values.map((v) => (v === null ? '-' : v))],
        })),
      },
      true,
    );
    this.parallel.setAriaLabel(
      `Parallel coordinates of ${data.lines.length} runs over ${data.axes.map((a) => a.key).join(', ')}.`,
    );
  }

  private draw(param: SweptParam): void {
    const p = this.ctx.palette();
    const cats = param.numeric ? [] : sweepCategories(this.points);
    const series = (['val', 'test'] as const).map((split, i) => ({
      id: `sweep-${split}`,
      name: split === 'val' ? 'best val acc' : 'test acc',
      type: 'scatter',
      symbol: split === 'val' ? 'circle' : 'triangle',
      symbolSize: 11,
      color: p.series[i],
      itemStyle: { color: p.series[i], opacity: 0.9, borderColor: p.background, borderWidth: 1 },
      data: this.points
        .filter((q) => q[split] !== null)
        .map((q) => ({ value: [q.x, q[split]], name: q.name, runDir: q.runDir })),
    }));
    const xName = param.key;
    this.chart.apply(
      {
        ...baseOption(p),
        legend: legend(p, { icon: 'circle', itemWidth: 10, itemHeight: 10 }),
        grid: { top: 36, left: 12, right: 28, bottom: 30 },
        xAxis: param.numeric
          ? valueAxis(p, {
              type: param.log ? 'log' : 'value',
              name: xName,
              nameLocation: 'middle',
              nameGap: 26,
              scale: true,
              axisLabel: { color: p.muted, formatter: (v: number) => fmtNumber(v, 4), hideOverlap: true },
            })
          : { ...categoryAxis(p, cats), name: xName, nameLocation: 'middle', nameGap: 26 },
        yAxis: valueAxis(p, {
          scale: true,
          axisLabel: { color: p.muted, formatter: (v: number) => `${Math.round(v * 1000) / 10}%` },
        }),
        tooltip: tooltip(p, {
          trigger: 'item',
          formatter: (e: unknown) => {
            const ev = e as {
              seriesName: string;
              color: string;
              data: { name: string; value: [unknown, number] };
            };
            return tooltipContent(ev.data.name, [
              { colour: 'transparent', name: xName, value: String(ev.data.value[0]) },
              { colour: ev.color, name: ev.seriesName, value: `${(100 * ev.data.value[1]).toFixed(1)}%` },
            ]);
          },
        }),
        series,
      },
      true,
    );
    this.chart.setAriaLabel(
      `Best val and test accuracy of ${this.points.length} runs against ${param.key}${param.log ? ' (log axis)' : ''}.`,
    );
  }

  private csv(): string | null {
    if (!this.param) return null;
    return toCsv(
      ['run', 'run_dir', this.param.key, 'best_val_acc', 'test_acc'],
      this.points.map((q) => [q.name, q.runDir, q.x, q.val, q.test]),
    );
  }
}
