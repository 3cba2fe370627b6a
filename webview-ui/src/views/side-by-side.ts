/**
 * Compare mode's side-by-side maps: 2-4 runs' attention maps (one probe image, the same for every run,
 * drawn on one colour scale per map kind) and their prototype maps, one panel per run, at a layer and
 * epoch every run has. Lives in the Compare tab; the Attention and Prototype tabs keep one run each.
 */
import type { AnalysisIndex } from '../../../src/shared/analysis-contract';
import type {
  AttentionData,
  DashboardRun,
  ImageData64,
  PrototypeMapData,
} from '../../../src/shared/webview-contract';
import { baseOption, ChartHost, type Option, valueAxis } from '../charts';
import { h, notice, select } from '../dom';
import { extractMap, type HeadChoice, valueRange } from '../lib/attention';
import { decodeImagesInto } from '../lib/decode-images';
import { fmtNumber } from '../lib/format';
import { className, mapBounds, shapePrototypeMap } from '../lib/prototypes';
import {
  type CommonChoice,
  commonChoice,
  MAX_SIDE_BY_SIDE,
  probeMismatch,
  sharedRange,
  sideBySideRuns,
} from '../lib/side-by-side';
import { classColours } from '../theme';
import { colourBar, drawOverlay } from './attention';
import { card, type ViewContext } from './view';

const SIZE = 200;

interface RunMaps {
  run: DashboardRun;
  attention: AttentionData | null;
  images: ImageData64[];
  prototypes: PrototypeMapData | null;
  error: string | null;
}

export class SideBySideMaps {
  readonly root: HTMLElement;
  private readonly toolbar = h('div', {
    className: 'toolbar',
    role: 'toolbar',
    'aria-label': 'Side-by-side map options',
  });
  private readonly status = h('div', { className: 'side-status' });
  private readonly attentionBody = h('div', { className: 'side-by-side side-attention' });
  private readonly protoBody = h('div', { className: 'side-by-side side-prototypes' });
  private readonly charts: ChartHost[] = Array.from(
    { length: MAX_SIDE_BY_SIDE },
    (_, i) => new ChartHost(`side-prototype-map-${i}`, 'Prototype map', 'chart chart-side'),
  );
  private readonly decoded = new Map<string, HTMLImageElement>();
  private token = 0;
  private maps: RunMaps[] = [];
  private choice: CommonChoice | null = null;
  private loadedFor = '';

  /** The block, epoch, probe and head, persisted with the panel's state. */
  private get st(): { layer: number; epoch: number | null; probe: number; head: HeadChoice } {
    return this.ctx.state.sideBySide;
  }

  constructor(private readonly ctx: ViewContext) {
    this.root = h(
      'div',
      { className: 'side-by-side-cards' },
      this.toolbar,
      this.status,
      card('Attention maps side by side', this.attentionBody, {
        subtitle: 'one probe image, one colour scale for all runs',
        className: 'card-side-attention',
      }),
      card('Prototype maps side by side', this.protoBody, {
        subtitle: 'each run’s own PCA plane; the same class colours',
        className: 'card-side-prototypes',
      }),
    );
  }

  /** Loads (once per set of runs and choice) and draws; cheap when nothing changed. */
  show(): void {
    const key = this.ctx.store.runs.map((r) => r.runDir).join('\n');
    if (key === this.loadedFor && this.maps.length) {
      this.render();
      return;
    }
    this.loadedFor = key;
    void this.load();
  }

  /** A run wrote a new analysis epoch: reload now (shown) or on the next show, unless an epoch is pinned. */
  analysisAdded(shown: boolean): void {
    if (this.st.epoch !== null) return;
    this.loadedFor = '';
    if (shown) this.show();
  }

  refreshTheme(): void {
    if (this.maps.length) this.render();
  }

  private async load(): Promise<void> {
    const token = ++this.token;
    const { shown, more } = sideBySideRuns(this.ctx.store.runs);
    this.status.replaceChildren(notice('loading', `Loading the maps of ${shown.length} runs…`));
    const indexes = await Promise.all(
      shown.map((r) => this.ctx.store.analysisIndex(r.runDir).catch(() => null as AnalysisIndex | null)),
    );
    if (token !== this.token) return;
    const choice = commonChoice(indexes, this.st.layer, this.st.epoch);
    this.choice = choice;
    if (!choice) {
      this.maps = [];
      this.attentionBody.replaceChildren();
      this.protoBody.replaceChildren();
      this.toolbar.replaceChildren();
      this.status.replaceChildren(
        notice(
          'empty',
          'No analysis to compare.',
          'The runs share no analysed epoch and layer (a linear probe, or runs still before their first analysis).',
        ),
      );
      return;
    }
    const maps = await Promise.all(
      shown.map(async (run, i): Promise<RunMaps> => {
        if (!indexes[i]) return { run, attention: null, images: [], prototypes: null, error: null };
        try {
          const [attention, images, prototypes] = await Promise.all([
            this.ctx.store.attention(run.runDir, choice.epoch, choice.layer),
            this.ctx.store.probeImages(run.runDir, choice.epoch).catch(() => [] as ImageData64[]),
            this.ctx.store.prototypeMap(run.runDir, choice.epoch, choice.layer),
          ]);
          return { run, attention, images, prototypes, error: null };
        } catch (e) {
          return {
            run,
            attention: null,
            images: [],
            prototypes: null,
            error: e instanceof Error ? e.message : String(e),
          };
        }
      }),
    );
    await this.decode(maps.flatMap((m) => m.images));
    if (token !== this.token) return;
    this.maps = maps;
    const mismatch = probeMismatch(
      maps
        .filter((m) => m.attention)
        .map((m) => ({ name: this.ctx.runName(m.run), ids: m.attention!.probe.ids })),
    );
    this.status.replaceChildren(
      ...(more > 0
        ? [
            h(
              'p',
              { className: 'muted' },
              `Showing the first ${MAX_SIDE_BY_SIDE} of ${this.ctx.store.runs.length} runs.`,
            ),
          ]
        : []),
      ...(mismatch ? [notice('error', 'The probe sets differ.', mismatch)] : []),
    );
    this.buildToolbar(choice);
    this.render();
  }

  private buildToolbar(choice: CommonChoice): void {
    const first = this.maps.find((m) => m.attention)?.attention;
    const labels = first?.probe.labels ?? [];
    if (this.st.probe >= labels.length) this.st.probe = 0;
    const heads: { value: string; label: string }[] = [{ value: 'mean', label: 'mean of heads' }];
    for (let i = 0; i < (first?.model.numHeads ?? 0); i++)
      heads.push({ value: String(i), label: `head ${i}` });
    this.toolbar.replaceChildren(
      select(
        'Block',
        choice.layers.map((l) => ({ value: l, label: `block ${l}` })),
        choice.layer,
        (l) => {
          this.st.layer = l;
          this.ctx.saveState();
          void this.load();
        },
      ),
      select(
        'Epoch',
        choice.epochs.map((e) => ({ value: e, label: e === 0 ? 'initial (epoch 0)' : `epoch ${e}` })),
        choice.epoch,
        (e) => {
          // The newest common epoch means "follow new analyses" while runs train.
          this.st.epoch = e === choice.epochs[choice.epochs.length - 1] ? null : e;
          this.ctx.saveState();
          void this.load();
        },
      ),
      select(
        'Probe image',
        labels.map((l, i) => ({ value: i, label: `${i} · ${className(l, first?.classNames ?? null)}` })),
        this.st.probe,
        (i) => {
          this.st.probe = i;
          this.ctx.saveState();
          this.render();
        },
      ),
      select('Head', heads, this.st.head === 'mean' ? 'mean' : String(this.st.head), (v) => {
        this.st.head = v === 'mean' ? 'mean' : Number(v);
        this.ctx.saveState();
        this.render();
      }),
    );
  }

  private render(): void {
    this.renderAttention();
    this.renderPrototypes();
  }

  private caption(run: DashboardRun): HTMLElement {
    const dot = h('span', { className: 'run-dot' });
    dot.style.backgroundColor = this.ctx.runColour(run.runDir);
    return h('figcaption', { title: run.runDir }, dot, this.ctx.runName(run));
  }

  private renderAttention(): void {
    const rows: HTMLElement[] = [];
    for (const kind of ['clsToPatch', 'promptToPatch'] as const) {
      const values = this.maps.map((m) => {
        const d = m.attention;
        const flat = d?.maps[kind] as unknown as number[] | undefined;
        if (!d || !flat || this.st.probe >= d.probe.labels.length) return null;
        return extractMap(flat, this.st.probe, this.st.head, d.model.numHeads, d.model.grid);
      });
      if (kind === 'promptToPatch' && values.every((v) => v === null)) continue;
      const range = sharedRange(values);
      const panels = this.maps.map((m, i) => {
        const v = values[i];
        const d = m.attention;
        if (!d || !v)
          return h(
            'figure',
            { className: 'map side-map side-map-missing', 'data-run': m.run.runDir },
            this.caption(m.run),
            h(
              'p',
              { className: 'muted' },
              m.error ??
                (d
                  ? 'This run has no prompts.'
                  : 'No analysis at this block and epoch (a linear probe, or not analysed yet).'),
            ),
          );
        const canvas = h('canvas', {
          className: 'map-canvas side-canvas',
          width: SIZE,
          height: SIZE,
          role: 'img',
          'aria-label': `${kind === 'clsToPatch' ? 'CLS' : 'Prompts'} to patches of ${this.ctx.runName(m.run)}, probe image ${this.st.probe}`,
        });
        const url = m.images[this.st.probe]?.dataUrl;
        drawOverlay(canvas, url ? (this.decoded.get(url) ?? null) : null, v, d.model.grid, 0.6, range);
        // The run's own maximum, beside the row's shared one (the colour bar's), for tests and tooltips.
        const own = valueRange(v);
        return h(
          'figure',
          {
            className: 'map side-map',
            'data-run': m.run.runDir,
            'data-max': String(own.max),
            title: `this run's map: ${fmtNumber(own.min, 3)} to ${fmtNumber(own.max, 3)}`,
          },
          this.caption(m.run),
          canvas,
        );
      });
      const bar = colourBar(range);
      bar.dataset.min = String(range.min);
      bar.dataset.max = String(range.max);
      rows.push(
        h(
          'div',
          { className: 'side-row', 'data-kind': kind },
          h('h3', null, kind === 'clsToPatch' ? 'CLS → patches' : 'Prompts → patches (mean over prompts)'),
          h('div', { className: 'maps-row' }, ...panels),
          bar,
        ),
      );
    }
    const first = this.maps.find((m) => m.attention)?.attention;
    const head = this.st.head === 'mean' ? 'mean of heads' : `head ${this.st.head}`;
    this.attentionBody.replaceChildren(
      h(
        'p',
        { className: 'muted' },
        first
          ? `Probe image ${this.st.probe} (${className(first.probe.labels[this.st.probe], first.classNames)}, ${first.probe.ids[this.st.probe] ?? ''}) · block ${this.choice?.layer} · ${head} · epoch ${this.choice?.epoch}. One colour bar per row: the same colour is the same attention weight in every run.`
          : '',
      ),
      ...rows,
    );
  }

  private renderPrototypes(): void {
    const p = this.ctx.palette();
    const light = p.kind === 'light' || p.kind === 'high-contrast-light';
    const panels = this.maps.map((m, i) => {
      const chart = this.charts[i];
      if (!m.prototypes)
        return h(
          'figure',
          { className: 'side-proto side-map-missing', 'data-run': m.run.runDir },
          this.caption(m.run),
          h('p', { className: 'muted' }, m.error ?? 'No prototype map at this block and epoch.'),
        );
      const shape = shapePrototypeMap(m.prototypes);
      const colours = classColours(Math.max(10, shape.classes.length), light);
      const bounds = mapBounds(shape);
      const option: Option = {
        ...baseOption(p),
        grid: { top: 8, left: 8, right: 8, bottom: 8 },
        xAxis: valueAxis(p, { min: bounds?.x[0], max: bounds?.x[1], axisLabel: { show: false } }),
        yAxis: valueAxis(p, { min: bounds?.y[0], max: bounds?.y[1], axisLabel: { show: false } }),
        series: [
          ...shape.classes.map((c) => ({
            id: `class-${c.label}`,
            name: c.name,
            type: 'scatter',
            data: c.points,
            symbolSize: 4,
            itemStyle: { color: colours[c.label % colours.length], opacity: 0.7 },
          })),
          ...(shape.initial.length
            ? [
                {
                  id: 'initial',
                  name: 'Initial prompts',
                  type: 'scatter',
                  data: shape.initial,
                  symbolSize: 7,
                  itemStyle: { color: 'transparent', borderColor: p.muted, borderWidth: 1.2 },
                },
              ]
            : []),
          ...(shape.prompts.length
            ? [
                {
                  id: 'prompts',
                  name: 'Prompts',
                  type: 'scatter',
                  symbol: 'diamond',
                  data: shape.prompts,
                  symbolSize: 11,
                  itemStyle: { color: p.foreground, borderColor: p.background, borderWidth: 1 },
                },
              ]
            : []),
        ],
      };
      chart.apply(option, true);
      chart.setAriaLabel(
        `Prototype map of ${this.ctx.runName(m.run)} at block ${m.prototypes.layer}, epoch ${m.prototypes.epoch}: ${shape.prompts.length} prompts.`,
      );
      return h(
        'figure',
        { className: 'side-proto', 'data-run': m.run.runDir },
        this.caption(m.run),
        chart.el,
      );
    });
    const first = this.maps.find((m) => m.prototypes)?.prototypes;
    const firstClasses = first ? shapePrototypeMap(first).classes : [];
    const legendColours = classColours(Math.max(10, firstClasses.length), light);
    const legendItems = first
      ? firstClasses.map((c) => {
          const sw = h('span', { className: 'run-dot' });
          sw.style.backgroundColor = legendColours[c.label % legendColours.length];
          return h('span', { className: 'side-legend-item' }, sw, c.name);
        })
      : [];
    this.protoBody.replaceChildren(
      h(
        'div',
        { className: 'side-legend' },
        ...legendItems,
        h('span', { className: 'muted' }, '◆ prompts · ○ initial prompts'),
      ),
      h('div', { className: 'side-protos' }, ...panels),
    );
  }

  private async decode(images: ImageData64[]): Promise<void> {
    await decodeImagesInto(images, this.decoded);
  }
}
