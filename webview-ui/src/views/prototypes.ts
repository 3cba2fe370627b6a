/**
 * Prototype map: the 2-D PCA of one layer's probe patch tokens (a colour per class) with the prompts on
 * top, their initial positions faint and joined to where they are now. Click a prompt (or its button)
 * to see where it came from (SPT: a patch or window of a training image) and how far it drifted.
 */
import { type AnalysisIndex, describeTokenSpace } from '../../../src/shared/analysis-contract';
import type { DashboardRun, PromptSourceData, PrototypeMapData } from '../../../src/shared/webview-contract';
import { baseOption, ChartHost, legend, type Option, tooltip, tooltipContent, valueAxis } from '../charts';
import { h, notice } from '../dom';
import { exportButtons } from '../export';
import { type AnalysisChoice, METRIC_ORIGIN, originTag } from '../lib/analysis';
import { provenanceCells } from '../lib/attention';
import { toCsv } from '../lib/csv';
import { fmtNumber, fmtPercent } from '../lib/format';
import {
  type Box,
  mapBounds,
  type PrototypeShape,
  placeLabels,
  promptSetForLayer,
  shapePrototypeMap,
} from '../lib/prototypes';
import { classColours } from '../theme';
import { epochLabel, epochSlider, layerSelect } from './analysis-common';
import { LayerEpochAnalysisView, type LayerEpochViewState } from './layer-epoch-analysis-view';
import { card, type ViewContext } from './view';

/** Pixels between a prompt's symbol and its label. */
const LABEL_DISTANCE = 5;

export class PrototypesView extends LayerEpochAnalysisView {
  readonly root = h('div', { className: 'view view-prototypes' });
  protected readonly toolbar = h('div', {
    className: 'toolbar',
    role: 'toolbar',
    'aria-label': 'Prototype map options',
  });
  private readonly chart = new ChartHost('prototype-map', 'Prototype map');
  private readonly driftChart = new ChartHost(
    'prompt-drift',
    'Prompt drift over epochs',
    'chart chart-small',
  );
  protected readonly layout: HTMLElement;
  private readonly mapCard: HTMLElement;
  private readonly statsBox = h('div', { className: 'side-section' });
  private readonly promptsBox = h('div', { className: 'side-section' });
  private readonly detailBox = h('div', { className: 'side-section prompt-detail', 'aria-live': 'polite' });
  private data: PrototypeMapData | null = null;
  private shape: PrototypeShape | null = null;
  private source: PromptSourceData | null = null;

  constructor(ctx: ViewContext) {
    super(ctx);
    this.chart.onInit = (c) => {
      c.on('click', (e) => {
        const ev = e as { seriesId?: string; data?: unknown };
        if (ev.seriesId === 'prompts' && Array.isArray(ev.data)) this.selectPrompt(ev.data[2] as number);
      });
    };
    this.mapCard = card('Prototype map', [this.chart.el, h('p', { className: 'hint' }, mapHint())], {
      actions: exportButtons(
        ctx.post,
        {
          name: () =>
            `prototype-map-${this.run?.experiment ?? 'run'}-L${this.choice?.layer}-e${this.choice?.epoch}`,
          chart: () => this.chart,
          csv: () => this.csv(),
          background: () => ctx.palette().background,
        },
        (m) => ctx.flash(m),
      ),
      className: 'card-fill',
    });
    this.layout = h(
      'div',
      { className: 'split' },
      this.mapCard,
      h(
        'aside',
        { className: 'side', 'aria-label': 'Layer and prompt details' },
        this.statsBox,
        this.promptsBox,
        this.detailBox,
      ),
    );
  }

  refreshTheme(): void {
    if (this.visible && this.shape) {
      this.renderChart();
      this.renderDetail();
    }
  }

  protected viewState(): LayerEpochViewState {
    return this.ctx.state.prototypes;
  }

  protected hasData(): boolean {
    return this.shape !== null;
  }

  protected clearData(): void {
    this.shape = null;
  }

  protected override onRunPicked(): void {
    this.ctx.state.selectedPrompt = null;
  }

  protected buildToolbar(index: AnalysisIndex, choice: AnalysisChoice): void {
    const st = this.ctx.state.prototypes;
    this.toolbar.replaceChildren(
      ...this.runControl(),
      layerSelect(choice.layers, choice.layer, index.model.depth, (l) => {
        st.layer = l;
        this.ctx.saveState();
        void this.refresh();
      }),
      epochSlider(choice.epochs, choice.epoch, (e) => {
        // The newest epoch means "follow new analyses" for a live run.
        st.epoch = e === choice.epochs[choice.epochs.length - 1] ? null : e;
        this.ctx.saveState();
        void this.refresh();
      }),
    );
  }

  protected async load(token: number, run: DashboardRun, choice: AnalysisChoice): Promise<void> {
    if (!this.shape) this.setStatus(notice('loading', `Loading the prototype map of block ${choice.layer}…`));
    try {
      const data = await this.ctx.store.prototypeMap(run.runDir, choice.epoch, choice.layer);
      if (token !== this.token) return;
      this.data = data;
      this.shape = shapePrototypeMap(data);
    } catch (e) {
      if (token !== this.token) return;
      this.shape = null;
      return this.setStatus(
        notice(
          'error',
          `Could not load the prototype map (block ${choice.layer}, ${epochLabel(choice.epoch)}).`,
          `${e instanceof Error ? e.message : String(e)} Try another epoch, or retry.`,
          { label: 'Retry', run: () => this.retry() },
        ),
      );
    }
    this.setStatus(null);
    const n = this.shape.prompts.length;
    if (this.ctx.state.selectedPrompt !== null && this.ctx.state.selectedPrompt >= n)
      this.ctx.state.selectedPrompt = null;
    this.renderChart();
    this.renderStats();
    this.renderPromptButtons();
    await this.loadSource(token);
  }

  private renderChart(): void {
    const p = this.ctx.palette();
    const shape = this.shape!;
    const data = this.data!;
    const colours = classColours(
      Math.max(10, shape.classes.length),
      p.kind === 'light' || p.kind === 'high-contrast-light',
    );
    const selected = this.ctx.state.selectedPrompt;
    const bounds = mapBounds(shape);
    const series: Record<string, unknown>[] = shape.classes.map((c, i) => ({
      id: `class-${c.label}`,
      name: c.name,
      type: 'scatter',
      data: c.points,
      symbolSize: p.highContrast ? 7 : 6,
      itemStyle: {
        color: colours[c.label % colours.length] ?? colours[i % colours.length],
        opacity: 0.75,
        borderColor: p.highContrast ? p.background : undefined,
        borderWidth: p.highContrast ? 0.5 : 0,
      },
      emphasis: { scale: 1.6 },
      z: 1,
    }));
    const driftColour = p.muted;
    shape.pairs.forEach((pair) => {
      if (!pair.initial) return;
      series.push({
        id: `drift-${pair.index}`,
        name: 'Drift',
        type: 'line',
        data: [pair.initial, pair.current],
        showSymbol: false,
        silent: true,
        lineStyle: { color: driftColour, width: 1, type: 'dashed', opacity: 0.8 },
        itemStyle: { color: driftColour },
        z: 2,
      });
    });
    if (shape.initial.length) {
      series.push({
        id: 'initial',
        name: 'Initial prompts',
        type: 'scatter',
        data: shape.initial,
        symbol: 'circle',
        symbolSize: 9,
        itemStyle: { color: 'transparent', borderColor: p.muted, borderWidth: 1.5, opacity: 0.9 },
        z: 3,
      });
    }
    if (shape.prompts.length) {
      const anchors = new Map<number, Box>();
      series.push({
        id: 'prompts',
        name: 'Prompts',
        type: 'scatter',
        cursor: 'pointer',
        data: shape.prompts.map((q) =>
          q[2] === selected
            ? {
                value: q,
                symbolSize: 22,
                itemStyle: { color: p.accent, borderColor: p.foreground, borderWidth: 2 },
              }
            : q,
        ),
        symbol: 'diamond',
        symbolSize: 15,
        itemStyle: { color: p.foreground, borderColor: p.background, borderWidth: 1.5 },
        label: {
          show: shape.prompts.length <= 24,
          formatter: (e: { value: number[] }) => `p${e.value[2]}`,
          position: 'right',
          distance: LABEL_DISTANCE,
          color: p.foreground,
          fontSize: p.fontSize - 3,
          fontFamily: p.fontFamily,
          // An explicit line height: zrender's default is a CJK glyph's width, far too small where no CJK
          // font is installed, and the overlap layout below would then move labels too little.
          lineHeight: p.fontSize + 1,
        },
        // Labels of nearby prompts (p3 next to p5) are moved apart vertically, each with a thin line to its
        // prompt, instead of being drawn over each other or hidden (the preview checks their boxes).
        // ECharts' own moveOverlap left them overlapping, so each label goes below the lower-numbered ones it
        // would overlap. Its box is taken from its prompt's symbol (ECharts reuses labels across updates and
        // then reports them where the last layout moved them), and placed in prompt order whatever order
        // ECharts asks in.
        labelLayout: (params: { dataIndex: number; rect: Box; labelRect: Box }) => {
          const { rect, labelRect } = params;
          anchors.set(params.dataIndex, {
            x: rect.x + rect.width + LABEL_DISTANCE,
            y: rect.y + rect.height / 2 - labelRect.height / 2,
            width: labelRect.width,
            height: labelRect.height,
          });
          return { dy: placeLabels(anchors).get(params.dataIndex) ?? 0 };
        },
        labelLine: { show: true, length2: 4, lineStyle: { color: p.muted, width: 0.8 } },
        emphasis: { scale: 1.3 },
        z: 4,
      });
    }
    const [e1, e2] = shape.explained;
    const option: Option = {
      ...baseOption(p),
      legend: legend(p, {
        icon: 'circle',
        itemWidth: 10,
        itemHeight: 10,
        data: [
          ...shape.classes.map((c) => c.name),
          ...(shape.prompts.length ? [{ name: 'Prompts', icon: 'diamond' }] : []),
          ...(shape.initial.length
            ? [
                {
                  name: 'Initial prompts',
                  icon: 'circle',
                  itemStyle: { color: 'transparent', borderColor: p.muted, borderWidth: 1.5 },
                },
              ]
            : []),
          ...(shape.pairs.some((q) => q.initial)
            ? [
                {
                  name: 'Drift',
                  icon: 'path://M0,4 L3,4 L3,6 L0,6 Z M5,4 L8,4 L8,6 L5,6 Z M10,4 L13,4 L13,6 L10,6 Z',
                },
              ]
            : []),
        ],
      }),
      grid: { top: 44, left: 12, right: 24, bottom: 8 },
      xAxis: valueAxis(p, {
        name: `PC1${e1 === null ? '' : ` (${fmtPercent(e1)} of variance)`}`,
        nameLocation: 'middle',
        nameGap: 28,
        axisLine: { show: true, onZero: false, lineStyle: { color: p.highContrast ? p.foreground : p.axis } },
        min: bounds?.x[0],
        max: bounds?.x[1],
        axisLabel: { color: p.muted, formatter: (v: number) => fmtNumber(v, 2), hideOverlap: true },
      }),
      yAxis: valueAxis(p, {
        name: `PC2${e2 === null ? '' : ` (${fmtPercent(e2)})`}`,
        nameLocation: 'middle',
        nameRotate: 90,
        nameGap: 42,
        axisLine: { show: true, onZero: false, lineStyle: { color: p.highContrast ? p.foreground : p.axis } },
        min: bounds?.y[0],
        max: bounds?.y[1],
        axisLabel: { color: p.muted, formatter: (v: number) => fmtNumber(v, 2), hideOverlap: true },
      }),
      tooltip: tooltip(p, { trigger: 'item', formatter: (e: unknown) => this.tooltip(e) }),
      series,
    };
    this.chart.apply(option, true);
    const method = data.model.method.toUpperCase();
    this.chart.setAriaLabel(
      `Prototype map of ${method} at block ${data.layer}, ${epochLabel(data.epoch)}: ${shape.classes.reduce((n, c) => n + c.points.length, 0)} patch tokens in ${shape.classes.length} classes, ${shape.prompts.length} prompts.`,
    );
  }

  private tooltip(e: unknown): HTMLElement {
    const ev = e as { seriesId: string; seriesName: string; value: number[]; color: string };
    const v = ev.value;
    if (ev.seriesId === 'prompts' || ev.seriesId === 'initial') {
      const i = v[2];
      const pair = this.shape?.pairs.find((q) => q.index === i);
      const drift = this.data?.drift;
      const rows = [
        {
          colour: ev.color,
          name: ev.seriesId === 'prompts' ? 'now' : 'initial',
          value: `(${fmtNumber(v[0], 3)}, ${fmtNumber(v[1], 3)})`,
        },
      ];
      if (drift && drift.l2[i] !== undefined) {
        rows.push({ colour: 'transparent', name: '‖p − p₀‖', value: fmtNumber(drift.l2[i], 3) });
        rows.push({ colour: 'transparent', name: 'cos(p, p₀)', value: fmtNumber(drift.cosine[i], 3) });
      }
      const foot = ev.seriesId === 'prompts' ? 'Click to see its source' : pair ? '' : '';
      const el = tooltipContent(`Prompt p${i}`, rows);
      if (foot) el.append(h('div', { className: 'tt-foot' }, foot));
      return el;
    }
    const g = this.data?.model.grid ?? 1;
    const patch = v[3];
    return tooltipContent(ev.seriesName, [
      {
        colour: ev.color,
        name: `probe image ${v[2]}`,
        value: `patch ${patch} (row ${Math.floor(patch / g)}, col ${patch % g})`,
      },
    ]);
  }

  private renderStats(): void {
    const d = this.data!;
    const s = d.stats;
    const shape = this.shape!;
    const row = (k: string, v: string, title?: string) =>
      h('div', { className: 'kv', title }, h('dt', null, k), h('dd', null, v));
    const items = [
      row(
        'PC1 + PC2 variance',
        fmtPercent((shape.explained[0] ?? 0) + (shape.explained[1] ?? 0)),
        'Share of the total variance the plane shows',
      ),
    ];
    if (s) {
      items.push(
        row(
          `NMI · ${originTag(METRIC_ORIGIN.nmi)}`,
          fmtNumber(s.nmi, 3),
          'Nearest-prompt labels vs k-means labels of the patch tokens (1 = the prompts split the tokens as k-means does)',
        ),
        row(
          `AMI · ${originTag(METRIC_ORIGIN.ami)}`,
          fmtNumber(s.ami ?? null, 3),
          'The NMI corrected for chance (adjusted mutual information): 0 for labels unrelated to k-means',
        ),
        row(
          `Inertia ratio · ${originTag(METRIC_ORIGIN.inertiaRatio)}`,
          fmtNumber(s.inertiaRatio, 3),
          'Inertia around the prompts / k-means inertia (1 = the prompts are as good as cluster centres)',
        ),
        row(
          `Nearest cosine · ${originTag(METRIC_ORIGIN.nearestCosine)}`,
          fmtNumber(s.nearestCosine, 3),
          'Mean over prompts of the cosine with the most similar patch token',
        ),
        row(
          'Prompts used',
          `${s.promptUsage.filter((u) => u > 0).length} / ${s.promptCount}`,
          'Prompts that are the nearest prompt of at least one patch token',
        ),
      );
    }
    if (d.drift) {
      items.push(
        row(
          'Mean drift ‖p − p₀‖',
          `${fmtNumber(d.drift.meanL2, 3)} (${fmtPercent(d.drift.meanInitialNorm > 0 ? d.drift.meanL2 / d.drift.meanInitialNorm : null, 0)} of ‖p₀‖)`,
        ),
        row('Mean cos(p, p₀)', fmtNumber(d.drift.meanCosine, 3)),
      );
    }
    items.push(
      row(
        'Patch tokens',
        describeTokenSpace(d.layer, s?.tokenSpace ?? d.pca.tokenSpace),
        'The token space of the dots and of the statistics',
      ),
    );
    if (shape.dropped)
      items.push(row('Points not shown', String(shape.dropped), 'No class label or not finite'));
    this.statsBox.replaceChildren(
      h('h3', null, `Block ${d.layer} · ${epochLabel(d.epoch)}`),
      h('dl', { className: 'kvs' }, ...items),
    );
  }

  private renderPromptButtons(): void {
    const shape = this.shape!;
    const d = this.data!;
    if (shape.prompts.length === 0) {
      this.promptsBox.replaceChildren(
        h('h3', null, 'Prompts'),
        h(
          'p',
          { className: 'muted' },
          d.model.promptLength === 0
            ? 'This run has no prompts (a linear probe): the map shows the patch tokens only.'
            : 'This layer’s analysis has no prompt positions.',
        ),
      );
      return;
    }
    const selected = this.ctx.state.selectedPrompt;
    const set = promptSetForLayer(d.model, d.layer);
    const buttons = shape.prompts.map((q) =>
      h(
        'button',
        {
          type: 'button',
          className: 'chip',
          'aria-pressed': q[2] === selected ? 'true' : 'false',
          title: `Show the source and drift of prompt ${q[2]}`,
          onclick: () => this.selectPrompt(q[2]),
        },
        `p${q[2]}`,
      ),
    );
    this.promptsBox.replaceChildren(
      h(
        'h3',
        null,
        d.model.promptMode === 'deep'
          ? `Prompts of set ${set} (enter block ${set})`
          : 'Prompts (shallow, one set)',
      ),
      h('div', { className: 'chips', role: 'group', 'aria-label': 'Prompts' }, ...buttons),
    );
  }

  private selectPrompt(i: number): void {
    this.ctx.state.selectedPrompt = this.ctx.state.selectedPrompt === i ? null : i;
    this.ctx.saveState();
    this.renderChart();
    this.renderPromptButtons();
    void this.loadSource(this.token);
  }

  private async loadSource(token: number): Promise<void> {
    const i = this.ctx.state.selectedPrompt;
    const run = this.run;
    const d = this.data;
    this.source = null;
    if (i === null || !run || !d) {
      this.detailBox.replaceChildren(
        this.shape?.prompts.length
          ? h(
              'p',
              { className: 'muted' },
              'Select a prompt (click it in the map or use the buttons above) to see where it came from and how it drifted.',
            )
          : '',
      );
      return;
    }
    this.detailBox.replaceChildren(notice('loading', `Loading prompt p${i}…`));
    try {
      const src = await this.ctx.store.promptSource(run.runDir, promptSetForLayer(d.model, d.layer), i);
      if (token !== this.token || this.ctx.state.selectedPrompt !== i) return;
      this.source = src;
      this.renderDetail();
    } catch (e) {
      if (token !== this.token) return;
      this.detailBox.replaceChildren(
        notice('error', `Could not load prompt p${i}.`, e instanceof Error ? e.message : String(e), {
          label: 'Retry',
          run: () => void this.loadSource(this.token),
        }),
      );
    }
  }

  private renderDetail(): void {
    const src = this.source;
    if (!src || !this.run) return;
    const run = this.run;
    const p = this.ctx.palette();
    const parts: Node[] = [h('h3', null, `Prompt p${src.index} · set ${src.set}`)];
    const method = (run.method ?? this.data?.model.method ?? '').toLowerCase();
    if (!src.provenance) {
      const text =
        method === 'vpt' || run.init === 'xavier'
          ? 'VPT prompts have no source image: initialised with Xavier uniform.'
          : `This prompt has no recorded source${run.init ? ` (initialised with ${run.init})` : ''}.`;
      parts.push(h('p', { className: 'muted' }, text));
    } else {
      parts.push(h('p', null, describeProvenance(src)));
      if (src.image?.dataUrl) {
        const canvas = h('canvas', {
          className: 'source-canvas',
          width: 192,
          height: 192,
          role: 'img',
          'aria-label': `Source image ${src.image.id} with the prompt's patches outlined`,
        });
        drawSource(canvas, src, p.accent);
        parts.push(h('figure', { className: 'source' }, canvas, h('figcaption', null, src.image.id)));
      } else if (src.image) {
        parts.push(
          h(
            'p',
            { className: 'muted' },
            `The source image ${src.image.id} could not be read${src.image.error ? `: ${src.image.error}` : ''}.`,
          ),
        );
      }
    }
    if (src.drift.epoch.length > 0) {
      parts.push(h('h4', null, 'Drift from the initial value'), this.driftChart.el);
    }
    this.detailBox.replaceChildren(...parts);
    if (src.drift.epoch.length > 0) this.renderDrift(src);
  }

  private renderDrift(src: PromptSourceData): void {
    const p = this.ctx.palette();
    const l2 = src.drift.epoch.map((e, i) => [e, src.drift.l2[i]]);
    const cos = src.drift.epoch.map((e, i) => [e, src.drift.cosine[i]]);
    this.driftChart.apply(
      {
        ...baseOption(p),
        legend: legend(p, { itemWidth: 12, itemHeight: 3 }),
        grid: { top: 30, left: 4, right: 4, bottom: 4 },
        xAxis: valueAxis(p, {
          name: 'epoch',
          nameLocation: 'middle',
          nameGap: 24,
          minInterval: 1,
          splitLine: { show: false },
        }),
        yAxis: [
          valueAxis(p, {
            min: 0,
            axisLabel: { color: p.series[0], formatter: (v: number) => fmtNumber(v, 2) },
          }),
          valueAxis(p, {
            min: (v: { min: number }) => Math.min(0, Math.floor(v.min * 10) / 10),
            max: 1,
            splitLine: { show: false },
            axisLabel: { color: p.series[1], formatter: (v: number) => fmtNumber(v, 2) },
          }),
        ],
        tooltip: tooltip(p, {
          trigger: 'axis',
          formatter: (params: unknown) => {
            const list = params as { seriesName: string; value: number[]; color: string }[];
            return tooltipContent(
              `epoch ${list[0]?.value[0]}`,
              list.map((x) => ({ colour: x.color, name: x.seriesName, value: fmtNumber(x.value[1], 4) })),
            );
          },
        }),
        series: [
          {
            name: '‖p − p₀‖',
            type: 'line',
            data: l2,
            yAxisIndex: 0,
            symbolSize: 6,
            lineStyle: { width: 2 },
            color: p.series[0],
          },
          {
            name: 'cos(p, p₀)',
            type: 'line',
            data: cos,
            yAxisIndex: 1,
            symbolSize: 6,
            lineStyle: { width: 2, type: 'dashed' },
            color: p.series[1],
          },
        ],
      },
      true,
    );
  }

  private csv(): string | null {
    const shape = this.shape;
    if (!shape) return null;
    const rows: (string | number)[][] = [];
    for (const c of shape.classes)
      for (const q of c.points) rows.push(['patch', c.name, q[2], q[3], q[0], q[1]]);
    for (const q of shape.prompts) rows.push(['prompt', '', '', q[2], q[0], q[1]]);
    for (const q of shape.initial) rows.push(['initial prompt', '', '', q[2], q[0], q[1]]);
    return toCsv(['kind', 'class', 'probe_image', 'index', 'pc1', 'pc2'], rows);
  }
}

function mapHint(): string {
  return 'Dots: probe patch tokens by class. Diamonds: the prompts; rings: where they started (dashed: their drift). Click a legend entry to hide it, hover a point for details.';
}

export function describeProvenance(src: PromptSourceData): string {
  const prov = src.provenance!;
  const from = prov.layer < 0 ? 'the patch embeddings' : `the output of block ${prov.layer}`;
  const img =
    prov.image !== undefined
      ? `training image #${prov.image}${src.image ? ` (${src.image.id})` : ''}`
      : 'a training image';
  const g = src.grid;
  switch (prov.kind) {
    case 'random': {
      const patch = prov.patch ?? 0;
      return `SPT random: patch ${patch} (row ${Math.floor(patch / g)}, column ${patch % g}) of ${img}, taken from ${from}.`;
    }
    case 'mean':
    case 'max': {
      const w = prov.window ?? [0, 0];
      return `SPT ${prov.kind}: ${prov.kind}-pooled window of patches ${w[0]}–${w[1] - 1} (raster order) of ${img}, taken from ${from}.`;
    }
    case 'kmeans':
      return `SPT k-means: the centre of a cluster of ${prov.clusterSize ?? '?'} patch tokens from ${from}; it has no single source image.`;
    default:
      return `${prov.kind} prompt from ${from}${prov.image !== undefined ? `, ${img}` : ''}.`;
  }
}

/** The source image, scaled up without smoothing, with the patch grid and the prompt's cells outlined. */
function drawSource(canvas: HTMLCanvasElement, src: PromptSourceData, accent: string): void {
  const img = new Image();
  img.onload = () => {
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    const W = canvas.width;
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(img, 0, 0, W, W);
    const g = Math.max(1, src.grid);
    const cell = W / g;
    ctx.strokeStyle = 'rgba(255,255,255,0.35)';
    ctx.lineWidth = 1;
    for (let i = 1; i < g; i++) {
      ctx.beginPath();
      ctx.moveTo(i * cell, 0);
      ctx.lineTo(i * cell, W);
      ctx.moveTo(0, i * cell);
      ctx.lineTo(W, i * cell);
      ctx.stroke();
    }
    const cells = provenanceCells(src.provenance, g);
    ctx.fillStyle = 'rgba(255, 200, 0, 0.18)';
    for (const [r, c] of cells) ctx.fillRect(c * cell, r * cell, cell, cell);
    ctx.strokeStyle = accent;
    ctx.lineWidth = 3;
    for (const [r, c] of cells) ctx.strokeRect(c * cell + 1.5, r * cell + 1.5, cell - 3, cell - 3);
    canvas.dataset.drawn = 'true';
  };
  img.src = src.image!.dataUrl!;
}
