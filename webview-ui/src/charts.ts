/**
 * ECharts, with only the pieces the dashboard uses, and a host element per chart: created when first
 * shown (a hidden tab has no size), resized with its box, themed from the palette, exported as PNG
 * (canvas) or SVG (an offscreen server-side-rendered instance).
 */
import { BarChart, LineChart, ParallelChart, ScatterChart } from 'echarts/charts';
import {
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  ParallelComponent,
  TitleComponent,
  TooltipComponent,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import { LabelLayout } from 'echarts/features';
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers';
import { h } from './dom';
import type { Palette } from './theme';

echarts.use([
  LineChart,
  ScatterChart,
  BarChart,
  ParallelChart,
  ParallelComponent,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  DataZoomComponent,
  MarkLineComponent,
  TitleComponent,
  LabelLayout,
  CanvasRenderer,
  SVGRenderer,
]);

export type Option = echarts.EChartsCoreOption;
export type Chart = echarts.ECharts;

const live = new Set<ChartHost>();

/** Label boxes of the chart named `name` (see ChartHost.labelBoxes). */
export function chartLabelBoxes(name: string, pattern: string) {
  return [...live].find((c) => c.name === name)?.labelBoxes(new RegExp(pattern)) ?? [];
}

/** Every chart on screen, for the preview harness's checks (series names and point counts). */
export function chartSummaries(): {
  name: string;
  visible: boolean;
  series: { id: string; name: string; points: number }[];
  xAxis: { name?: string; min?: number; max?: number } | null;
  yAxis: { name?: string } | null;
}[] {
  return [...live].map((c) => ({
    name: c.name,
    visible: c.el.isConnected && c.el.offsetWidth > 0,
    series: c.seriesSummary(),
    xAxis: c.xAxisSummary(),
    yAxis: c.yAxisSummary(),
  }));
}

export class ChartHost {
  readonly el: HTMLDivElement;
  private chart: Chart | null = null;
  private option: Option | null = null;
  /** Series names and point counts as last applied (by id, or by position for series without one). */
  private readonly summary = new Map<string, { id: string; name: string; points: number }>();
  private readonly resize: ResizeObserver;

  /** The first x-axis as applied (name, range), for the preview harness. */
  xAxisSummary(): { name?: string; min?: number; max?: number } | null {
    const o = this.chart?.getOption() as
      | { xAxis?: { name?: unknown; min?: unknown; max?: unknown }[] }
      | undefined;
    const x = o?.xAxis?.[0];
    if (!x) return null;
    const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
    return { name: typeof x.name === 'string' ? x.name : undefined, min: num(x.min), max: num(x.max) };
  }

  /**
   * Boxes (chart pixels) of the drawn labels whose text matches `pattern`, where ECharts put them after its
   * label layout, for the preview harness's overlap check. The size is the glyphs' as the canvas measures
   * them in the label's font (zrender's own line height comes from a CJK glyph, which a machine without
   * CJK fonts draws far smaller); the position is ECharts'.
   */
  labelBoxes(pattern: RegExp): { text: string; x: number; y: number; width: number; height: number }[] {
    interface Rect {
      x: number;
      y: number;
      width: number;
      height: number;
      clone(): Rect;
      applyTransform(m: unknown): void;
    }
    interface El {
      ignore?: boolean;
      invisible?: boolean;
      style?: { text?: string; fontSize?: number | string; fontFamily?: string; fontWeight?: string };
      getTextContent?(): El | undefined;
      getBoundingRect(): Rect;
      getComputedTransform(): unknown;
      traverse?(cb: (e: El) => void): void;
    }
    const zr = this.chart?.getZr() as unknown as { storage: { getRoots(): El[] } } | undefined;
    const ctx = document.createElement('canvas').getContext('2d');
    if (!zr || !ctx) return [];
    const out: { text: string; x: number; y: number; width: number; height: number }[] = [];
    const visit = (el: El) => {
      const t = el.getTextContent?.();
      const st = t?.style;
      const text = st?.text;
      if (!t || !st || t.ignore || t.invisible || typeof text !== 'string' || !pattern.test(text)) return;
      const r = t.getBoundingRect().clone();
      const m = t.getComputedTransform();
      if (m) r.applyTransform(m);
      const size = typeof st.fontSize === 'number' ? `${st.fontSize}px` : (st.fontSize ?? '12px');
      ctx.font = `${st.fontWeight ?? 'normal'} ${size} ${st.fontFamily ?? 'sans-serif'}`;
      const mt = ctx.measureText(text);
      const height = mt.actualBoundingBoxAscent + mt.actualBoundingBoxDescent;
      out.push({ text, x: r.x, y: r.y + r.height / 2 - height / 2, width: mt.width, height });
    };
    for (const root of zr.storage.getRoots()) {
      visit(root);
      root.traverse?.(visit);
    }
    return out;
  }

  /** The first y-axis's name as applied (its title with the unit), for the preview harness. */
  yAxisSummary(): { name?: string } | null {
    const y = (this.chart?.getOption() as { yAxis?: { name?: unknown }[] } | undefined)?.yAxis?.[0];
    return y ? { name: typeof y.name === 'string' ? y.name : undefined } : null;
  }

  constructor(
    readonly name: string,
    ariaLabel: string,
    className = 'chart',
  ) {
    this.el = h('div', { className, role: 'img', 'aria-label': ariaLabel });
    this.resize = new ResizeObserver(() => {
      if (this.el.offsetWidth === 0) return;
      if (!this.chart && this.option) this.apply(this.option, true);
      else this.chart?.resize();
    });
    this.resize.observe(this.el);
    live.add(this);
  }

  get instance(): Chart | null {
    return this.chart;
  }

  setAriaLabel(text: string): void {
    this.el.setAttribute('aria-label', text);
  }

  /** Sets the whole option (notMerge) or merges a partial one (series data by id, for example). */
  apply(option: Option, replace = true): Chart | null {
    if (replace) this.option = option;
    this.remember(option, replace);
    if (this.el.offsetWidth === 0 || this.el.offsetHeight === 0) return null; // drawn on first resize
    if (!this.chart) {
      this.chart = echarts.init(this.el, null, { renderer: 'canvas' });
      this.onInit?.(this.chart);
      replace = true;
      option = this.option ?? option;
    }
    this.chart.setOption(option, { notMerge: replace, lazyUpdate: false });
    return this.chart;
  }

  /** Hook to attach event handlers once the instance exists. */
  onInit?: (chart: Chart) => void;

  width(): number {
    return this.chart?.getWidth() ?? this.el.offsetWidth;
  }

  private remember(option: Option, replace: boolean): void {
    if (replace) this.summary.clear();
    const series = (option as { series?: unknown }).series;
    if (!Array.isArray(series)) return;
    series.forEach((s: { id?: string; name?: string; data?: unknown[] }, i) => {
      const key = s.id ?? `#${i}`;
      const before = this.summary.get(key);
      this.summary.set(key, {
        id: key,
        name: s.name ?? before?.name ?? '',
        points: Array.isArray(s.data) ? s.data.length : (before?.points ?? 0),
      });
    });
  }

  /** What the chart was last given (cheap: no getOption clone); empty until it is drawn. */
  seriesSummary(): { id: string; name: string; points: number }[] {
    return this.chart ? [...this.summary.values()] : [];
  }

  pngDataUrl(background: string): string | null {
    return this.chart?.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: background }) ?? null;
  }

  /** The chart rendered again by the SVG renderer, offscreen, without the zoom slider. */
  svg(background: string): string | null {
    if (!this.chart) return null;
    const opt = this.chart.getOption() as Record<string, unknown>;
    const dz = opt.dataZoom as Record<string, unknown>[] | undefined;
    if (dz) opt.dataZoom = dz.map((d) => (d.type === 'slider' ? { ...d, show: false } : d));
    const ssr = echarts.init(null, null, {
      renderer: 'svg',
      ssr: true,
      width: this.chart.getWidth(),
      height: this.chart.getHeight(),
    });
    try {
      ssr.setOption({ ...opt, animation: false, backgroundColor: background });
      return ssr.renderToSVGString();
    } finally {
      ssr.dispose();
    }
  }

  dispose(): void {
    this.resize.disconnect();
    this.chart?.dispose();
    this.chart = null;
    live.delete(this);
  }
}

/** Shared look: fonts, colours, axes, tooltips from the VS Code palette. */
export function baseOption(p: Palette): Option {
  return {
    backgroundColor: 'transparent',
    animation: false,
    textStyle: { fontFamily: p.fontFamily, fontSize: p.fontSize - 1, color: p.foreground },
    color: p.series,
  };
}

export function valueAxis(p: Palette, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'value',
    axisLine: { show: true, lineStyle: { color: p.highContrast ? p.foreground : p.axis } },
    axisTick: { show: p.highContrast, lineStyle: { color: p.foreground } },
    axisLabel: { color: p.muted, fontFamily: p.fontFamily, hideOverlap: true },
    splitLine: { show: true, lineStyle: { color: p.grid, width: 1 } },
    nameTextStyle: { color: p.muted, fontFamily: p.fontFamily },
    ...extra,
  };
}

export function categoryAxis(
  p: Palette,
  data: string[],
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    type: 'category',
    data,
    axisLine: { show: true, lineStyle: { color: p.highContrast ? p.foreground : p.axis } },
    axisTick: { show: false },
    axisLabel: { color: p.muted, fontFamily: p.fontFamily },
    nameTextStyle: { color: p.muted, fontFamily: p.fontFamily },
    ...extra,
  };
}

export function legend(p: Palette, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'scroll',
    top: 0,
    left: 0,
    padding: [4, 8, 4, 0],
    icon: 'roundRect',
    itemWidth: 14,
    itemHeight: 4,
    textStyle: { color: p.foreground, fontFamily: p.fontFamily },
    inactiveColor: p.muted,
    pageTextStyle: { color: p.muted },
    pageIconColor: p.foreground,
    pageIconInactiveColor: p.grid,
    ...extra,
  };
}

/** Tooltip styling; content comes from DOM-building formatters (no HTML strings under the CSP). */
export function tooltip(p: Palette, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    confine: true,
    backgroundColor: p.tooltipBackground,
    borderColor: p.tooltipBorder,
    borderWidth: 1,
    padding: [6, 8],
    textStyle: { color: p.foreground, fontFamily: p.fontFamily, fontSize: p.fontSize - 1 },
    extraCssText: 'box-shadow: 0 2px 8px rgba(0,0,0,0.25); border-radius: 4px;',
    ...extra,
  };
}

export interface TooltipRow {
  colour: string;
  name: string;
  value: string;
  note?: string;
}

/** A tooltip body as elements: a title line and one row per series (swatch, name, value). */
export function tooltipContent(title: string, rows: TooltipRow[]): HTMLElement {
  const table = h('div', { className: 'tt-rows' });
  for (const r of rows) {
    const swatch = h('span', { className: 'tt-swatch' });
    swatch.style.backgroundColor = r.colour;
    table.append(
      swatch,
      h('span', { className: 'tt-name' }, r.name),
      h('span', { className: 'tt-value' }, r.value),
      h('span', { className: 'tt-note' }, r.note ?? ''),
    );
  }
  return h('div', { className: 'tt' }, title ? h('div', { className: 'tt-title' }, title) : null, table);
}
