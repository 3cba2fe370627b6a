/**
 * Attention maps: for a probe image, where the CLS query and the prompt queries (mean over prompts)
 * look among the patches, at one layer and head (or the head mean), drawn over the image; every probe
 * image as a thumbnail to pick from; and where the CLS query's attention goes, per layer.
 */
import type { AnalysisIndex } from '../../../src/shared/analysis-contract';
import type { AttentionData, DashboardRun, ImageData64 } from '../../../src/shared/webview-contract';
import { baseOption, ChartHost, categoryAxis, legend, tooltip, tooltipContent, valueAxis } from '../charts';
import { h, notice, select, slider } from '../dom';
import { exportButtons } from '../export';
import { type AnalysisChoice, originNote } from '../lib/analysis';
import {
  ATTENTION_UNIT,
  checkMaps,
  clsMassByLayer,
  colormap,
  extractMap,
  type HeadChoice,
  probeCoverage,
  promptShareByLayer,
  valueRange,
} from '../lib/attention';
import { toCsv } from '../lib/csv';
import { decodeImagesInto } from '../lib/decode-images';
import { fmtNumber } from '../lib/format';
import { className } from '../lib/prototypes';
import { epochLabel, epochSlider, layerSelect } from './analysis-common';
import { LayerEpochAnalysisView, type LayerEpochViewState } from './layer-epoch-analysis-view';
import { card, type ViewContext } from './view';

const BIG = 240;
const THUMB = 64;

export class AttentionView extends LayerEpochAnalysisView {
  readonly root = h('div', { className: 'view view-attention' });
  protected readonly toolbar = h('div', {
    className: 'toolbar',
    role: 'toolbar',
    'aria-label': 'Attention map options',
  });
  private readonly mapsBody = h('div', { className: 'maps' });
  private readonly thumbs = h('div', { className: 'thumbs', role: 'group', 'aria-label': 'Probe images' });
  private readonly massChart = new ChartHost(
    'attention-mass',
    'Attention mass of the CLS query per layer',
    'chart chart-medium',
  );
  private readonly massNote = h('p', { className: 'hint' });
  private readonly shareChart = new ChartHost(
    'attention-to-prompts',
    'Share of attention on the prompts per layer, at initialisation and at the end',
    'chart chart-medium',
  );
  private readonly shareNote = h('p', { className: 'hint' });
  private readonly shareCard: HTMLElement;
  protected readonly layout: HTMLElement;
  private readonly mapsCard: HTMLElement;
  private data: AttentionData | null = null;
  private images: ImageData64[] = [];
  private readonly decoded = new Map<string, HTMLImageElement>();
  private overlay = 0.6;
  private bigCanvases: { title: string; canvas: HTMLCanvasElement }[] = [];

  constructor(ctx: ViewContext) {
    super(ctx);
    this.mapsCard = card(
      'Attention maps',
      [this.mapsBody, h('h3', { className: 'thumbs-title' }, 'Probe images'), this.thumbs],
      {
        actions: exportButtons(
          ctx.post,
          {
            name: () =>
              `attention-${this.run?.experiment ?? 'run'}-L${this.choice?.layer}-e${this.choice?.epoch}-probe${this.ctx.state.attention.probe}`,
            canvas: () => this.composite(),
            csv: () => this.csv(),
            background: () => ctx.palette().background,
          },
          (m) => ctx.flash(m),
        ),
        className: 'card-maps',
      },
    );
    const massCard = card('Where the CLS token looks', [this.massChart.el, this.massNote], {
      subtitle: 'share of its attention',
      actions: exportButtons(
        ctx.post,
        {
          name: () => `attention-mass-${this.run?.experiment ?? 'run'}-e${this.choice?.epoch}`,
          chart: () => this.massChart,
          csv: () => this.massCsv(),
          background: () => ctx.palette().background,
        },
        (m) => ctx.flash(m),
      ),
    });
    this.shareCard = card('Attention to prompts', [this.shareChart.el, this.shareNote], {
      subtitle: 'at initialisation and at the end',
      actions: exportButtons(
        ctx.post,
        {
          name: () => `attention-to-prompts-${this.run?.experiment ?? 'run'}`,
          chart: () => this.shareChart,
          csv: () => this.shareCsv(),
          background: () => ctx.palette().background,
        },
        (m) => ctx.flash(m),
      ),
    });
    this.layout = h(
      'div',
      { className: 'split split-wide' },
      this.mapsCard,
      h('aside', { className: 'side' }, massCard, this.shareCard),
    );
  }

  refreshTheme(): void {
    if (this.visible && this.data) {
      this.renderMaps();
      this.renderMass();
    }
  }

  protected viewState(): LayerEpochViewState {
    return this.ctx.state.attention;
  }

  protected hasData(): boolean {
    return this.data !== null;
  }

  protected clearData(): void {
    this.data = null;
  }

  protected async load(token: number, run: DashboardRun, choice: AnalysisChoice): Promise<void> {
    const st = this.ctx.state.attention;
    if (!this.data) this.setStatus(notice('loading', `Loading the attention maps of block ${choice.layer}…`));
    try {
      const [data, images] = await Promise.all([
        this.ctx.store.attention(run.runDir, choice.epoch, choice.layer),
        this.ctx.store.probeImages(run.runDir, choice.epoch).catch((e: unknown) => {
          this.ctx.log(
            'warn',
            `probe images of ${run.runDir}: ${e instanceof Error ? e.message : String(e)}`,
          );
          return [] as ImageData64[];
        }),
      ]);
      if (token !== this.token) return;
      const bad = checkMaps(
        data.maps.clsToPatch,
        data.probe.labels.length,
        data.model.numHeads,
        data.model.grid,
      );
      if (bad) throw new Error(`The attention maps do not have the expected shape: ${bad}.`);
      this.data = data;
      this.images = images;
      const configured = Number(run.config['data.num_classes']);
      this.numClasses =
        Number.isInteger(configured) && configured > 0 ? configured : (data.classNames?.length ?? null);
      await this.decodeImages(images);
      if (token !== this.token) return;
    } catch (e) {
      if (token !== this.token) return;
      this.data = null;
      return this.setStatus(
        notice(
          'error',
          `Could not load the attention maps (block ${choice.layer}, ${epochLabel(choice.epoch)}).`,
          `${e instanceof Error ? e.message : String(e)} Try another epoch, or retry.`,
          { label: 'Retry', run: () => this.retry() },
        ),
      );
    }
    this.setStatus(null);
    if (st.probe >= this.data.probe.labels.length) st.probe = 0;
    this.renderMaps();
    this.renderThumbs();
    this.renderMass();
  }

  protected buildToolbar(index: AnalysisIndex, choice: AnalysisChoice): void {
    const st = this.ctx.state.attention;
    const H = index.model.numHeads;
    const heads: { value: string; label: string }[] = [{ value: 'mean', label: 'mean of heads' }];
    for (let i = 0; i < H; i++) heads.push({ value: String(i), label: `head ${i}` });
    this.toolbar.replaceChildren(
      ...this.runControl(),
      layerSelect(choice.layers, choice.layer, index.model.depth, (l) => {
        st.layer = l;
        this.ctx.saveState();
        void this.refresh();
      }),
      select('Head', heads, st.head === 'mean' ? 'mean' : String(st.head), (v) => {
        st.head = v === 'mean' ? 'mean' : Number(v);
        this.ctx.saveState();
        this.renderMaps();
        this.renderThumbs();
      }),
      epochSlider(choice.epochs, choice.epoch, (e) => {
        st.epoch = e === choice.epochs[choice.epochs.length - 1] ? null : e;
        this.ctx.saveState();
        void this.refresh();
      }),
      slider({
        label: 'Overlay',
        min: 0,
        max: 1,
        step: 0.05,
        value: this.overlay,
        format: (v) => `${Math.round(v * 100)}%`,
        ariaValueText: (v) => `heat map opacity ${Math.round(v * 100)} percent`,
        onInput: (v) => {
          this.overlay = v;
          this.renderMaps();
          this.renderThumbs();
        },
        onChange: () => {},
      }),
    );
  }

  private async decodeImages(images: ImageData64[]): Promise<void> {
    await decodeImagesInto(images, this.decoded);
  }

  private head(): HeadChoice {
    return this.ctx.state.attention.head;
  }

  private imageOf(probe: number): HTMLImageElement | null {
    const url = this.images[probe]?.dataUrl;
    return url ? (this.decoded.get(url) ?? null) : null;
  }

  private renderMaps(): void {
    const d = this.data;
    if (!d) return;
    const st = this.ctx.state.attention;
    const { numHeads: H, grid: g } = d.model;
    const probe = st.probe;
    const label = d.probe.labels[probe];
    const cls = extractMap(d.maps.clsToPatch as unknown as number[], probe, this.head(), H, g);
    const prompt = d.maps.promptToPatch
      ? extractMap(d.maps.promptToPatch as unknown as number[], probe, this.head(), H, g)
      : null;
    const headText = this.head() === 'mean' ? 'mean of heads' : `head ${this.head()}`;
    const panel = (title: string, values: number[] | null, hint: string) => {
      if (!values) {
        return h(
          'figure',
          { className: 'map map-missing' },
          h('figcaption', null, title),
          h('p', { className: 'muted' }, hint),
        );
      }
      const canvas = h('canvas', {
        className: 'map-canvas',
        width: BIG,
        height: BIG,
        role: 'img',
        'aria-label': `${title} of probe image ${probe} (${className(label, d.classNames)}), block ${d.layer}, ${headText}`,
      });
      const range = valueRange(values);
      drawOverlay(canvas, this.imageOf(probe), values, g, this.overlay, range);
      this.bigCanvases.push({ title, canvas });
      return h('figure', { className: 'map' }, h('figcaption', null, title), canvas, colourBar(range));
    };
    this.bigCanvases = [];
    const img = this.images[probe];
    this.mapsBody.replaceChildren(
      h(
        'div',
        { className: 'maps-head' },
        h('strong', null, `Probe image ${probe} · ${className(label, d.classNames)}`),
        h(
          'span',
          { className: 'muted' },
          ` ${d.probe.ids[probe] ?? img?.id ?? ''} · block ${d.layer} · ${headText} · ${epochLabel(d.epoch)}`,
        ),
      ),
      img && !img.dataUrl
        ? h(
            'p',
            { className: 'muted' },
            `The image could not be read${img.error ? `: ${img.error}` : ''}; the map is drawn alone.`,
          )
        : '',
      h(
        'div',
        { className: 'maps-row' },
        panel('CLS → patches', cls, ''),
        panel(
          'Prompts → patches',
          prompt,
          d.model.promptLength === 0
            ? 'This run has no prompts.'
            : 'No prompt attention was recorded for this layer.',
        ),
        plainImage(this.imageOf(probe), `Probe image ${probe} (${className(label, d.classNames)})`),
      ),
    );
  }

  /** The run's number of classes (config `data.num_classes`), for the probe set's coverage line. */
  private numClasses: number | null = null;

  private renderThumbs(): void {
    const d = this.data;
    if (!d) return;
    const st = this.ctx.state.attention;
    const { numHeads: H, grid: g } = d.model;
    const items = d.probe.labels.map((label, i) => {
      const canvas = h('canvas', {
        className: 'thumb-canvas',
        width: THUMB,
        height: THUMB,
        'aria-hidden': 'true',
      });
      const values = extractMap(d.maps.clsToPatch as unknown as number[], i, this.head(), H, g);
      drawOverlay(canvas, this.imageOf(i), values, g, this.overlay, valueRange(values));
      const name = className(label, d.classNames);
      return h(
        'button',
        {
          type: 'button',
          className: 'thumb',
          'aria-pressed': i === st.probe ? 'true' : 'false',
          'aria-label': `Probe image ${i}, ${name}`,
          title: d.probe.ids[i] ?? name,
          onclick: () => {
            st.probe = i;
            this.ctx.saveState();
            this.renderMaps();
            this.renderThumbs();
          },
        },
        canvas,
        h('span', { className: 'thumb-label' }, name),
      );
    });
    this.thumbs.replaceChildren(
      h('p', { className: 'muted probe-coverage' }, probeCoverage(d.probe.labels, this.numClasses)),
      ...items,
    );
  }

  private renderMass(): void {
    this.renderShare();
    const p = this.ctx.palette();
    const entry = this.index?.epochs.find((e) => e.epoch === this.choice?.epoch);
    if (!entry) return;
    const rows = clsMassByLayer(entry);
    const layers = rows.map((r) => `block ${r.layer}`);
    const selected = this.choice?.layer;
    const mk = (name: string, key: 'cls' | 'prompts' | 'patches', colour: string) => ({
      name,
      type: 'bar',
      stack: 'mass',
      barWidth: '60%',
      color: colour,
      itemStyle: { color: colour },
      data: rows.map((r) => ({
        value: r[key],
        itemStyle: {
          color: colour,
          opacity: r.layer === selected ? 1 : 0.6,
          borderColor: p.highContrast ? p.foreground : undefined,
          borderWidth: p.highContrast ? 1 : 0,
        },
      })),
      emphasis: { focus: 'series' },
    });
    this.massChart.apply({
      ...baseOption(p),
      legend: legend(p, { icon: 'rect', itemWidth: 10, itemHeight: 10 }),
      grid: { top: 32, left: 8, right: 16, bottom: 8 },
      yAxis: categoryAxis(p, layers, { inverse: true }),
      xAxis: valueAxis(p, {
        max: 1,
        axisLabel: { color: p.muted, formatter: (v: number) => `${Math.round(v * 100)}%` },
      }),
      tooltip: tooltip(p, {
        trigger: 'axis',
        axisPointer: { type: 'shadow' },
        formatter: (params: unknown) => {
          const list = params as { seriesName: string; value: number; color: string; axisValue: string }[];
          return tooltipContent(
            list[0]?.axisValue ?? '',
            list.map((x) => ({
              colour: x.color,
              name: x.seriesName,
              value: `${(100 * x.value).toFixed(1)}%`,
            })),
          );
        },
      }),
      series: [
        mk('CLS', 'cls', p.series[3] ?? p.series[0]),
        mk('prompts', 'prompts', p.series[1]),
        mk('patches', 'patches', p.series[0]),
      ],
    });
    const d = this.data;
    const pm = d?.maps.promptMass;
    this.massNote.textContent =
      `Mean over heads and probe images, ${epochLabel(entry.epoch)}; the highlighted bar is the block shown on the left.` +
      (pm
        ? ` Prompt queries at block ${d!.layer}: ${(100 * pm.prompts).toFixed(1)}% to prompts, ${(100 * pm.patches).toFixed(1)}% to patches.`
        : '');
  }

  /** CLS -> prompts and patches -> prompts per block, first vs last analysed epoch, against uniform attention. */
  private renderShare(): void {
    const p = this.ctx.palette();
    if (!this.index) return;
    const share = promptShareByLayer(this.index);
    const { initEpoch, endEpoch } = share;
    this.shareCard.hidden = this.index.model.promptLength === 0 || initEpoch === null || endEpoch === null;
    if (initEpoch === null || endEpoch === null || this.shareCard.hidden) return; // a linear probe: no prompts
    const init = `e${initEpoch}`; // short: four legend entries share the side panel's width
    const end = `e${endEpoch}`;
    const mk = (name: string, values: (number | null)[], colour: string, opacity: number) => ({
      name,
      type: 'bar',
      barGap: '10%',
      color: colour,
      itemStyle: { color: colour, opacity },
      data: values,
    });
    const cls = p.series[1];
    const patches = p.series[0];
    const series: Record<string, unknown>[] = [
      mk(
        `CLS ${init}`,
        share.rows.map((r) => r.clsInit),
        cls,
        0.45,
      ),
      mk(
        `CLS ${end}`,
        share.rows.map((r) => r.clsEnd),
        cls,
        1,
      ),
      mk(
        `patches ${init}`,
        share.rows.map((r) => r.patchInit),
        patches,
        0.45,
      ),
      mk(
        `patches ${end}`,
        share.rows.map((r) => r.patchEnd),
        patches,
        1,
      ),
    ].filter((_, i) => initEpoch !== endEpoch || i % 2 === 1); // one epoch analysed: no init/end pairs
    series[0].markLine = {
      silent: true,
      symbol: 'none',
      label: { show: false },
      lineStyle: { type: 'dashed', color: p.muted },
      data: [{ xAxis: share.uniform }],
    };
    this.shareChart.apply({
      ...baseOption(p),
      legend: legend(p, { icon: 'rect', itemWidth: 10, itemHeight: 10 }),
      grid: { top: 48, left: 8, right: 16, bottom: 8 },
      yAxis: categoryAxis(
        p,
        share.rows.map((r) => `block ${r.layer}`),
        { inverse: true },
      ),
      xAxis: valueAxis(p, {
        axisLabel: { color: p.muted, formatter: (v: number) => `${Math.round(v * 1000) / 10}%` },
      }),
      tooltip: tooltip(p, {
        trigger: 'axis',
        axisPointer: { type: 'shadow' },
        formatter: (params: unknown) => {
          const list = params as {
            seriesName: string;
            value: number | null;
            color: string;
            axisValue: string;
          }[];
          return tooltipContent(
            list[0]?.axisValue ?? '',
            list.map((x) => ({
              colour: x.color,
              name: x.seriesName,
              value: x.value === null ? '—' : `${(100 * x.value).toFixed(1)}%`,
            })),
          );
        },
      }),
      series,
    });
    this.shareNote.textContent =
      `Share of the CLS query's and of the patch queries' attention that lands on the ${this.index.model.promptLength} prompts, mean over heads and probe images, at ${epochLabel(initEpoch)} (faint) and ${epochLabel(endEpoch)}; dashed: uniform attention over all tokens (${(100 * share.uniform).toFixed(1)}%). ` +
      'Prompts far from the token manifold receive little attention (the mechanism the paper names). ' +
      originNote('project');
  }

  private shareCsv(): string | null {
    if (!this.index) return null;
    const share = promptShareByLayer(this.index);
    if (share.initEpoch === null) return null;
    return toCsv(
      [
        'layer',
        'init_epoch',
        'end_epoch',
        'cls_to_prompts_init',
        'cls_to_prompts_end',
        'patches_to_prompts_init',
        'patches_to_prompts_end',
        'uniform',
      ],
      share.rows.map((r) => [
        r.layer,
        share.initEpoch,
        share.endEpoch,
        r.clsInit,
        r.clsEnd,
        r.patchInit,
        r.patchEnd,
        share.uniform,
      ]),
    );
  }

  /** The two big maps side by side, titled, for PNG export. */
  private composite(): HTMLCanvasElement | null {
    if (this.bigCanvases.length === 0) return null;
    const p = this.ctx.palette();
    const pad = 12;
    const titleH = 22;
    const out = document.createElement('canvas');
    out.width = pad + this.bigCanvases.length * (BIG + pad);
    out.height = titleH + BIG + 2 * pad;
    const c = out.getContext('2d');
    if (!c) return null;
    c.fillStyle = p.background;
    c.fillRect(0, 0, out.width, out.height);
    c.fillStyle = p.foreground;
    c.font = `${p.fontSize}px ${p.fontFamily}`;
    this.bigCanvases.forEach(({ title, canvas }, i) => {
      const x = pad + i * (BIG + pad);
      c.fillText(title, x, pad + 12);
      c.drawImage(canvas, x, pad + titleH);
    });
    return out;
  }

  private csv(): string | null {
    const d = this.data;
    if (!d) return null;
    const { numHeads: H, grid: g } = d.model;
    const rows: (string | number)[][] = [];
    for (let i = 0; i < d.probe.labels.length; i++) {
      const cls = extractMap(d.maps.clsToPatch as unknown as number[], i, this.head(), H, g);
      const pr = d.maps.promptToPatch
        ? extractMap(d.maps.promptToPatch as unknown as number[], i, this.head(), H, g)
        : null;
      for (let k = 0; k < g * g; k++) {
        rows.push([
          i,
          d.probe.ids[i] ?? '',
          className(d.probe.labels[i], d.classNames),
          Math.floor(k / g),
          k % g,
          cls[k],
          pr ? pr[k] : '',
        ]);
      }
    }
    return toCsv(['probe', 'image', 'class', 'row', 'col', 'cls_to_patch', 'prompts_to_patch'], rows);
  }

  private massCsv(): string | null {
    const entry = this.index?.epochs.find((e) => e.epoch === this.choice?.epoch);
    if (!entry) return null;
    return toCsv(
      ['epoch', 'layer', 'cls', 'prompts', 'patches'],
      clsMassByLayer(entry).map((r) => [entry.epoch, r.layer, r.cls, r.prompts, r.patches]),
    );
  }
}

/** The image (grey, nearest-neighbour scaled) with the g x g map on top in a magma colour map. */
export function drawOverlay(
  canvas: HTMLCanvasElement,
  image: HTMLImageElement | null,
  values: number[],
  g: number,
  alpha: number,
  range: { min: number; max: number },
): void {
  const c = canvas.getContext('2d');
  if (!c) return;
  const W = canvas.width;
  c.imageSmoothingEnabled = false;
  c.clearRect(0, 0, W, W);
  if (image) {
    c.filter = 'grayscale(1)';
    c.drawImage(image, 0, 0, W, W);
    c.filter = 'none';
  } else {
    c.fillStyle = '#000';
    c.fillRect(0, 0, W, W);
  }
  const span = range.max - range.min;
  const cell = W / g;
  c.globalAlpha = image ? alpha : 1;
  for (let r = 0; r < g; r++) {
    for (let col = 0; col < g; col++) {
      const v = values[r * g + col];
      const t = span > 0 && Number.isFinite(v) ? (v - range.min) / span : 0;
      const [R, G, B] = colormap(t);
      c.fillStyle = `rgb(${R}, ${G}, ${B})`;
      c.fillRect(Math.floor(col * cell), Math.floor(r * cell), Math.ceil(cell), Math.ceil(cell));
    }
  }
  c.globalAlpha = 1;
  canvas.dataset.drawn = 'true';
}

/** The probe image as it is, in colour, at the maps' size (no overlay). */
function plainImage(image: HTMLImageElement | null, label: string): HTMLElement {
  if (!image)
    return h(
      'figure',
      { className: 'map map-missing map-plain' },
      h('figcaption', null, 'Image'),
      h('p', { className: 'muted' }, 'The probe image could not be read.'),
    );
  const canvas = h('canvas', {
    className: 'map-canvas plain-canvas',
    width: BIG,
    height: BIG,
    role: 'img',
    'aria-label': label,
  });
  const c = canvas.getContext('2d');
  if (c) {
    c.imageSmoothingEnabled = false;
    c.drawImage(image, 0, 0, BIG, BIG);
    canvas.dataset.drawn = 'true';
  }
  return h(
    'figure',
    { className: 'map map-plain' },
    h('figcaption', null, 'Image'),
    canvas,
    h('div', { className: 'colourbar-row muted' }, 'without the map, in colour'),
  );
}

/** A horizontal colour bar with the map's minimum and maximum attention, named with its unit. */
export function colourBar(range: { min: number; max: number }): HTMLElement {
  const canvas = h('canvas', { className: 'colourbar', width: 160, height: 8, 'aria-hidden': 'true' });
  const c = canvas.getContext('2d');
  if (c) {
    for (let x = 0; x < 160; x++) {
      const [R, G, B] = colormap(x / 159);
      c.fillStyle = `rgb(${R}, ${G}, ${B})`;
      c.fillRect(x, 0, 1, 8);
    }
  }
  return h(
    'div',
    { className: 'colourbar-block' },
    h(
      'div',
      { className: 'colourbar-row' },
      h('span', { className: 'colourbar-value' }, fmtNumber(range.min, 3)),
      canvas,
      h('span', { className: 'colourbar-value' }, fmtNumber(range.max, 3)),
    ),
    h('div', { className: 'colourbar-name muted' }, ATTENTION_UNIT),
  );
}
