/**
 * Summary: a run's status, method, parameters, speed and results, and its config.yaml. In compare
 * mode: one row of final numbers per run (best in bold), and the config keys whose values differ.
 */
import { type DashboardRun, methodHasPrompts } from '../../../src/shared/webview-contract';
import { h, notice } from '../dom';
import { exportButtons } from '../export';
import { bestIndex, configCommon, configDiff, finalRows, methodLabel } from '../lib/compare';
import { toCsv } from '../lib/csv';
import { fmtDuration, fmtInt, fmtNumber, fmtPercent, fmtShare } from '../lib/format';
import { runsTable, runsTableCsv, sortRunsTable } from '../lib/runs-table';
import type { StoreEvent } from '../store';
import { SideBySideMaps } from './side-by-side';
import { SweepPlot } from './sweep-plot';
import { card, type View, type ViewContext } from './view';

export class SummaryView implements View {
  readonly root = h('div', { className: 'view view-summary' });
  private visible = false;
  /** Compare mode only: accuracy against the swept parameters, and 2-4 runs' maps side by side. */
  private readonly sweepPlot: SweepPlot;
  private readonly sideBySide: SideBySideMaps;

  constructor(private readonly ctx: ViewContext) {
    this.sweepPlot = new SweepPlot(ctx);
    this.sideBySide = new SideBySideMaps(ctx);
  }

  show(): void {
    this.visible = true;
    this.render();
  }

  hide(): void {
    this.visible = false;
  }

  refreshTheme(): void {
    if (!this.visible || this.ctx.store.runs.length < 2) return;
    this.sweepPlot.refreshTheme();
    this.sideBySide.refreshTheme();
  }

  onStoreEvent(e: StoreEvent): void {
    if (e.type === 'runs' && this.visible) this.render();
    if (e.type === 'analysis' && this.ctx.store.runs.length > 1) this.sideBySide.analysisAdded(this.visible);
  }

  private render(): void {
    const runs = this.ctx.store.runs;
    if (runs.length === 0) {
      this.root.replaceChildren(notice('empty', 'No run to show.', 'Open a run from the SPT Runs view.'));
      return;
    }
    // Keep the open/closed state of config sections across re-renders (live runs re-render often).
    const open = new Set(
      Array.from(this.root.querySelectorAll('details[open]')).map((d) => d.getAttribute('data-key')),
    );
    if (runs.length === 1) this.root.replaceChildren(...this.single(runs[0], open));
    else {
      this.root.replaceChildren(...this.compare(runs, open));
      this.sweepPlot.render(runs);
      this.sideBySide.show();
    }
  }

  private single(run: DashboardRun, open: Set<string | null>): HTMLElement[] {
    const tile = (label: string, value: string | Node, sub?: string, title?: string) =>
      h(
        'div',
        { className: 'tile', title },
        h('div', { className: 'tile-label' }, label),
        h('div', { className: 'tile-value' }, value),
        sub ? h('div', { className: 'tile-sub' }, sub) : null,
      );
    const c = run.config;
    const prompt =
      run.method === 'spt' || run.method === 'vpt'
        ? [c['prompt.mode'], c['prompt.length'] ? `${c['prompt.length']} prompts` : null]
            .filter(Boolean)
            .join(', ')
        : !methodHasPrompts(run.method ?? undefined)
          ? 'head only'
          : '';
    const tiles = h(
      'div',
      { className: 'tiles' },
      tile('Status', statusBadge(run), run.epochs ? `epoch ${run.epoch ?? 0} of ${run.epochs}` : undefined),
      tile('Method', methodLabel(run), prompt || undefined),
      tile(
        'Best val accuracy',
        fmtPercent(run.bestValAcc),
        run.bestEpoch === null ? undefined : `epoch ${run.bestEpoch}`,
      ),
      tile(
        'Test accuracy',
        fmtPercent(run.testAcc),
        run.testAcc === null ? 'after training, best checkpoint' : undefined,
      ),
      tile(
        'Trainable parameters',
        fmtShare(run.trainableParams, run.totalParams),
        `${fmtInt(run.trainableParams)} of ${fmtInt(run.totalParams)}`,
        'Share of the model’s parameters that are trained (prompts and head)',
      ),
      tile('Backend', run.backend ?? '—'),
      tile(
        'Throughput',
        run.imagesPerSec === null ? '—' : `${fmtNumber(run.imagesPerSec, 3)} img/s`,
        'training',
      ),
      tile('Wall time', fmtDuration(run.wallSeconds), run.seed === null ? undefined : `seed ${run.seed}`),
    );
    const out: HTMLElement[] = [h('p', { className: 'run-path', title: 'Run folder' }, run.runDir), tiles];
    if (run.error) out.push(notice('error', 'The run failed.', run.error));
    out.push(this.configCard(run, open, true));
    return out;
  }

  private configCard(run: DashboardRun, open: Set<string | null>, defaultOpen: boolean): HTMLElement {
    const key = `config:${run.runDir}`;
    const details = h(
      'details',
      { className: 'config', 'data-key': key },
      h('summary', null, `config.yaml — ${this.ctx.runName(run)}`),
      run.configText
        ? h('pre', { className: 'code' }, run.configText)
        : h('p', { className: 'muted' }, 'config.yaml could not be read.'),
    );
    details.open = open.size ? open.has(key) : defaultOpen;
    const button = h(
      'button',
      {
        type: 'button',
        className: 'button-ghost',
        onclick: () => this.ctx.post({ type: 'openConfig', payload: { runDir: run.runDir } }),
      },
      'Open in editor',
    );
    return h('div', { className: 'config-row' }, details, button);
  }

  private compare(runs: DashboardRun[], open: Set<string | null>): HTMLElement[] {
    const rows = finalRows(runs);
    const bestVal = bestIndex(rows.map((r) => r.bestValAcc));
    const bestTest = bestIndex(rows.map((r) => r.testAcc));
    const fastest = bestIndex(rows.map((r) => r.imagesPerSec));
    const numCell = (text: string, best: boolean) => h('td', { className: best ? 'num best' : 'num' }, text);
    const table = h(
      'table',
      { className: 'table' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          ...[
            'Run',
            'Status',
            'Method',
            'Best val acc',
            'Test acc',
            'Trainable',
            'Throughput',
            'Wall time',
            '',
          ].map((t, i) => h('th', { scope: 'col', className: i >= 3 && i <= 7 ? 'num' : undefined }, t)),
        ),
      ),
      h(
        'tbody',
        null,
        ...rows.map((r, i) => {
          const run = runs[i];
          const dot = h('span', { className: 'run-dot' });
          dot.style.backgroundColor = this.ctx.runColour(r.runDir);
          return h(
            'tr',
            null,
            h('th', { scope: 'row', title: r.runDir }, dot, this.ctx.runName(run)),
            h('td', null, statusBadge(run)),
            h('td', null, r.method),
            numCell(
              r.bestValAcc === null
                ? '—'
                : `${fmtPercent(r.bestValAcc)}${r.bestEpoch === null ? '' : ` (e${r.bestEpoch})`}`,
              i === bestVal && runs.length > 1,
            ),
            numCell(fmtPercent(r.testAcc), i === bestTest && runs.length > 1),
            h('td', { className: 'num' }, r.share),
            numCell(
              r.imagesPerSec === null ? '—' : `${fmtNumber(r.imagesPerSec, 3)} img/s`,
              i === fastest && runs.length > 1,
            ),
            h('td', { className: 'num' }, fmtDuration(r.wallSeconds)),
            h(
              'td',
              null,
              h(
                'button',
                {
                  type: 'button',
                  className: 'button-link',
                  title: `Open ${run.label} in its own dashboard`,
                  onclick: () => this.ctx.post({ type: 'openRun', payload: { runDir: r.runDir } }),
                },
                'Open',
              ),
            ),
          );
        }),
      ),
    );
    const diff = configDiff(runs);
    const same = configCommon(runs);
    const diffTable = diff.length
      ? h(
          'table',
          { className: 'table table-config' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              h('th', { scope: 'col' }, 'Key'),
              ...runs.map((r) => h('th', { scope: 'col' }, this.ctx.runName(r))),
            ),
          ),
          h(
            'tbody',
            null,
            ...diff.map((d) =>
              h(
                'tr',
                null,
                h('th', { scope: 'row', className: 'mono' }, d.key),
                ...d.values.map((v) =>
                  h('td', { className: v === null ? 'mono muted' : 'mono' }, v ?? '(not set)'),
                ),
              ),
            ),
          ),
        )
      : h('p', { className: 'muted' }, 'The configs are identical.');
    const failed = runs.filter((r) => r.error);
    const runsTableCard = this.runsTableCard(runs);
    return [
      runsTableCard,
      this.sweepPlot.root,
      this.sideBySide.root,
      card('Final metrics', table, {
        subtitle: 'best of each column in bold',
        actions: exportButtons(
          this.ctx.post,
          { name: () => 'compare-final-metrics', csv: () => this.finalCsv(runs), background: () => '' },
          (m) => this.ctx.flash(m),
        ),
      }),
      ...failed.map((r) => notice('error', `${this.ctx.runName(r)} failed.`, r.error ?? '')),
      card('Config keys that differ', diffTable, {
        subtitle: `${diff.length} differ, ${same} the same in all runs`,
        actions: exportButtons(
          this.ctx.post,
          { name: () => 'compare-config-diff', csv: () => this.diffCsv(runs), background: () => '' },
          (m) => this.ctx.flash(m),
        ),
      }),
      h('div', { className: 'configs' }, ...runs.map((r) => this.configCard(r, open, false))),
    ];
  }

  /** The column the runs table is sorted by (-1: the run name) and the direction; kept while the panel lives. */
  private tableSort: { col: number; dir: 'asc' | 'desc' } = { col: -1, dir: 'asc' };

  /** One row per run, a sortable column per differing hyper-parameter and per final metric, CSV export. */
  private runsTableCard(runs: DashboardRun[]): HTMLElement {
    const table = runsTable(runs, (r) => this.ctx.runName(r));
    const body = h('div', { className: 'runs-table-wrap' });
    const render = () => {
      const { col, dir } = this.tableSort;
      const rows = sortRunsTable(table.rows, col, dir);
      const header = (label: string, i: number, kind: string) => {
        const sorted = col === i;
        return h(
          'th',
          {
            scope: 'col',
            className: `${kind === 'param' ? 'mono' : kind === 'metric' ? 'num' : ''} sortable`,
            'aria-sort': sorted ? (dir === 'asc' ? 'ascending' : 'descending') : 'none',
          },
          h(
            'button',
            {
              type: 'button',
              className: 'sort-button',
              title: `Sort by ${label}`,
              onclick: () => {
                this.tableSort = {
                  col: i,
                  dir:
                    sorted && dir === 'desc' ? 'asc' : sorted ? 'desc' : kind === 'metric' ? 'desc' : 'asc',
                };
                render();
              },
            },
            label,
            sorted ? (dir === 'asc' ? ' ▲' : ' ▼') : '',
          ),
        );
      };
      const fmt = (v: string | number | null, kind: string, key: string) =>
        v === null
          ? '—'
          : typeof v === 'number' && kind === 'metric' && key.endsWith('_acc')
            ? fmtPercent(v)
            : typeof v === 'number' && kind === 'metric'
              ? fmtNumber(v, 4)
              : String(v);
      body.replaceChildren(
        h(
          'table',
          { className: 'table runs-table' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              header('Run', -1, 'name'),
              ...table.columns.map((c, i) => header(c.label, i, c.kind)),
            ),
          ),
          h(
            'tbody',
            null,
            ...rows.map((r) =>
              h(
                'tr',
                { 'data-run': r.runDir },
                h('th', { scope: 'row', title: r.runDir }, r.name),
                ...r.cells.map((v, i) =>
                  h(
                    'td',
                    { className: table.columns[i].kind === 'param' ? 'mono' : 'num' },
                    fmt(v, table.columns[i].kind, table.columns[i].key),
                  ),
                ),
              ),
            ),
          ),
        ),
      );
    };
    render();
    const params = table.columns.filter((c) => c.kind === 'param').length;
    return card('Runs table', body, {
      subtitle: `${params} hyper-parameter${params === 1 ? '' : 's'} that differ and the final metrics; click a column to sort`,
      actions: exportButtons(
        this.ctx.post,
        {
          name: () => 'compare-runs-table',
          csv: () => runsTableCsv(table, sortRunsTable(table.rows, this.tableSort.col, this.tableSort.dir)),
          background: () => '',
        },
        (m) => this.ctx.flash(m),
      ),
    });
  }

  private finalCsv(runs: DashboardRun[]): string {
    return toCsv(
      [
        'run',
        'run_dir',
        'status',
        'method',
        'init',
        'best_val_acc',
        'best_epoch',
        'test_acc',
        'trainable_params',
        'total_params',
        'images_per_sec',
        'wall_seconds',
        'seed',
        'backend',
      ],
      runs.map((r) => [
        r.label,
        r.runDir,
        r.status,
        r.method,
        r.init,
        r.bestValAcc,
        r.bestEpoch,
        r.testAcc,
        r.trainableParams,
        r.totalParams,
        r.imagesPerSec,
        r.wallSeconds,
        r.seed,
        r.backend,
      ]),
    );
  }

  private diffCsv(runs: DashboardRun[]): string {
    return toCsv(
      ['key', ...runs.map((r) => r.label)],
      configDiff(runs).map((d) => [d.key, ...d.values]),
    );
  }
}

export function statusBadge(run: DashboardRun): HTMLElement {
  return h('span', { className: `badge badge-${run.status}`, title: run.error ?? undefined }, run.status);
}
