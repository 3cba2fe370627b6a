/** Controls and notices shared by the analysis views (prototype map, attention). */
import type { DashboardRun } from '../../../src/shared/webview-contract';
import { h, notice, select, slider } from '../dom';
import { isLive, runOptions, type ViewContext } from './view';

export function runSelect(
  ctx: ViewContext,
  current: string,
  onChange: (runDir: string) => void,
): HTMLElement | null {
  if (ctx.store.runs.length < 2) return null;
  return select('Run', runOptions(ctx), current, onChange);
}

export function layerSelect(
  layers: number[],
  layer: number,
  depth: number,
  onChange: (l: number) => void,
): HTMLElement {
  return select(
    'Layer',
    layers.map((l) => ({ value: l, label: `block ${l}${l === depth - 1 ? ' (last)' : ''}` })),
    layer,
    onChange,
  );
}

export function epochLabel(epoch: number): string {
  return epoch === 0 ? 'epoch 0 (initialisation)' : `epoch ${epoch}`;
}

/** A slider over the analysed epochs (not a continuous range: epochs may be 0, 5, 10). */
export function epochSlider(epochs: number[], epoch: number, onChange: (e: number) => void): HTMLElement {
  const i = Math.max(0, epochs.indexOf(epoch));
  const el = slider({
    label: 'Epoch',
    min: 0,
    max: Math.max(0, epochs.length - 1),
    step: 1,
    value: i,
    format: (v) => epochLabel(epochs[v] ?? 0),
    onChange: (v) => onChange(epochs[v] ?? epochs[0]),
  });
  el.classList.add('control-epoch');
  const ticks = h('span', { className: 'range-ticks', 'aria-hidden': 'true' }, epochs.join(' · '));
  el.append(ticks);
  if (epochs.length < 2) el.querySelector('input')?.setAttribute('disabled', '');
  return el;
}

/** Why a run shows no analysis, and what to do about it. */
export function noAnalysisNotice(run: DashboardRun): HTMLElement {
  if (isLive(run)) {
    return notice(
      'loading',
      'No analysis yet.',
      'The trainer analyses the prompts at epoch 0 and then every analysis.every_epochs epochs; this view fills in when the first analysis is written.',
    );
  }
  return notice(
    'empty',
    'This run has no analysis.',
    'Set analysis.every_epochs (and analysis.probe_images) in the experiment file and run it again to record prototype and attention maps.',
  );
}

export function indexErrorNotice(message: string, retry: () => void): HTMLElement {
  return notice(
    'error',
    'Could not read the run’s analysis.',
    `${message} The analysis/ folder may be incomplete (a run still writing it) — retry in a moment.`,
    { label: 'Retry', run: retry },
  );
}
