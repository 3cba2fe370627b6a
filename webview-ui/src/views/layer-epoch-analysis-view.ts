/**
 * The base of the views of one run's analysis at a chosen layer and epoch (prototype map, attention;
 * the Analysis tab's curves over training are ./analysis.ts's AnalysisView). What they share: the run
 * they show, its analysis index, the chosen layer and epoch, the notices for no run / no analysis / an
 * unreadable index, and the token that drops answers the user has moved past. A subclass draws its own toolbar and loads its own data.
 */
import type { AnalysisIndex } from '../../../src/shared/analysis-contract';
import type { DashboardRun } from '../../../src/shared/webview-contract';
import { h, notice } from '../dom';
import { type AnalysisChoice, chooseAnalysis } from '../lib/analysis';
import type { StoreEvent } from '../store';
import { indexErrorNotice, noAnalysisNotice, runSelect } from './analysis-common';
import { pickRun, type View, type ViewContext } from './view';

/** The persisted choice of a view (`state.prototypes`, `state.attention`). */
export interface LayerEpochViewState {
  runDir: string | null;
  layer: number;
  epoch: number | null;
}

export abstract class LayerEpochAnalysisView implements View {
  abstract readonly root: HTMLElement;
  protected abstract readonly toolbar: HTMLElement;
  /** The view's body, hidden while a notice stands in for it (set by the subclass's constructor). */
  protected abstract readonly layout: HTMLElement;
  protected readonly status = h('div', { className: 'view-status' });
  protected run: DashboardRun | undefined;
  protected index: AnalysisIndex | null = null;
  protected choice: AnalysisChoice | null = null;
  /** Bumped by every refresh: an answer for an older token is stale. */
  protected token = 0;
  protected visible = false;
  private built = false;

  constructor(protected readonly ctx: ViewContext) {}

  abstract refreshTheme(): void;
  protected abstract viewState(): LayerEpochViewState;
  /** True while the view holds data of its run (a refresh of the same run keeps it on screen). */
  protected abstract hasData(): boolean;
  protected abstract clearData(): void;
  protected abstract buildToolbar(index: AnalysisIndex, choice: AnalysisChoice): void;
  /** Loads and draws the chosen layer and epoch; returns early once `token !== this.token`. */
  protected abstract load(token: number, run: DashboardRun, choice: AnalysisChoice): Promise<void>;
  /** Another run was picked in the toolbar (before the refresh). */
  protected onRunPicked(): void {}

  show(): void {
    if (!this.built) {
      this.built = true;
      this.root.append(this.toolbar, this.status, this.layout);
    }
    this.visible = true;
    void this.refresh();
  }

  hide(): void {
    this.visible = false;
  }

  onStoreEvent(e: StoreEvent): void {
    if (!this.visible) return;
    if (e.type === 'runs' && !this.ctx.store.run(this.run?.runDir)) void this.refresh();
    if (e.type === 'analysis' && e.runDir === this.run?.runDir) void this.refresh();
  }

  protected setStatus(n: HTMLElement | null): void {
    this.status.replaceChildren(...(n ? [n] : []));
    this.layout.hidden = n !== null;
  }

  protected retry(): void {
    if (this.run) this.ctx.store.forgetRun(this.run.runDir);
    void this.refresh();
  }

  /** Index -> controls -> the subclass's data. Stale answers (the user moved on) are dropped by the token. */
  protected async refresh(): Promise<void> {
    const token = ++this.token;
    const st = this.viewState();
    const run = pickRun(this.ctx, st.runDir);
    const sameRun = run !== undefined && this.run?.runDir === run.runDir && this.hasData();
    this.run = run;
    if (!run) {
      this.toolbar.replaceChildren();
      return this.setStatus(notice('empty', 'No run to show.', 'Open a run from the SPT Runs view.'));
    }
    if (!sameRun) {
      this.clearData();
      this.setStatus(notice('loading', 'Loading the analysis index…'));
    }
    let index: AnalysisIndex | null;
    try {
      index = await this.ctx.store.analysisIndex(run.runDir);
    } catch (e) {
      if (token !== this.token) return;
      this.toolbar.replaceChildren(...this.runControl());
      return this.setStatus(indexErrorNotice(e instanceof Error ? e.message : String(e), () => this.retry()));
    }
    if (token !== this.token) return;
    this.index = index;
    const choice = index ? chooseAnalysis(index, st.layer, st.epoch) : null;
    this.choice = choice;
    if (!index || !choice) {
      this.toolbar.replaceChildren(...this.runControl());
      return this.setStatus(noAnalysisNotice(run));
    }
    this.buildToolbar(index, choice);
    await this.load(token, run, choice);
  }

  /** The run picker (compare panels only). */
  protected runControl(): HTMLElement[] {
    const el = runSelect(this.ctx, this.run?.runDir ?? '', (dir) => {
      this.viewState().runDir = dir;
      this.onRunPicked();
      this.ctx.saveState();
      void this.refresh();
    });
    if (!el) return [];
    // Compare panels: the maps of 2-4 runs next to each other live in the Compare tab.
    const sideBySide = h(
      'button',
      {
        type: 'button',
        className: 'button-ghost side-by-side-link',
        title: 'Show the attention and prototype maps of up to four runs next to each other',
        onclick: () => this.ctx.showTab('summary', '.side-by-side-cards'),
      },
      'All runs side by side',
    );
    return [el, sideBySide];
  }
}
