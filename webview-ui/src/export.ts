/**
 * Export buttons: PNG and SVG of a chart, PNG of a canvas, CSV of the data behind a view. The webview
 * only builds the bytes; the extension shows the save dialog (`{ type: 'export' }`).
 */
import type { ExportPayload, ToExtension } from '../../src/shared/webview-contract';
import type { ChartHost } from './charts';
import { h } from './dom';
import { safeFileName } from './lib/csv';

export type Post = (m: ToExtension) => void;

function dataUrlBase64(url: string): string {
  const i = url.indexOf(',');
  return i >= 0 ? url.slice(i + 1) : url;
}

export function exportPayload(post: Post, payload: ExportPayload): void {
  post({ type: 'export', payload });
}

export interface ExportSource {
  /** File name without extension. */
  name: () => string;
  chart?: () => ChartHost | null;
  canvas?: () => HTMLCanvasElement | null;
  csv?: () => string | null;
  background: () => string;
}

/** PNG / SVG / CSV buttons for a card's header (only those the source can make). */
export function exportButtons(
  post: Post,
  src: ExportSource,
  onError: (message: string) => void,
): HTMLElement {
  const run = (kind: 'png' | 'svg' | 'csv') => {
    const base = safeFileName(src.name());
    try {
      if (kind === 'csv') {
        const text = src.csv?.();
        if (!text) return onError('There is no data to export yet.');
        return exportPayload(post, { fileName: `${base}.csv`, mime: 'text/csv', data: text });
      }
      if (kind === 'svg') {
        const svg = src.chart?.()?.svg(src.background());
        if (!svg) return onError('The chart is not drawn yet.');
        return exportPayload(post, { fileName: `${base}.svg`, mime: 'image/svg+xml', data: svg });
      }
      const url = src.canvas
        ? src.canvas()?.toDataURL('image/png')
        : src.chart?.()?.pngDataUrl(src.background());
      if (!url) return onError('The chart is not drawn yet.');
      exportPayload(post, { fileName: `${base}.png`, mime: 'image/png', data: dataUrlBase64(url) });
    } catch (e) {
      onError(`Export failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  const button = (kind: 'png' | 'svg' | 'csv', label: string, title: string) =>
    h(
      'button',
      { type: 'button', className: 'button-ghost', title, 'aria-label': title, onclick: () => run(kind) },
      label,
    );
  return h(
    'div',
    { className: 'export', role: 'group', 'aria-label': 'Export' },
    src.chart || src.canvas ? button('png', 'PNG', 'Save as PNG image') : null,
    src.chart ? button('svg', 'SVG', 'Save as SVG image') : null,
    src.csv ? button('csv', 'CSV', 'Save the data as CSV') : null,
  );
}
