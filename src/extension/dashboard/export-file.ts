/** The bytes and save-dialog filter of an export from the dashboard (a chart or its data). Pure. */
import type { ExportPayload } from '../../shared/webview-contract';

export const EXPORT_FILTERS: Record<ExportPayload['mime'], Record<string, string[]>> = {
  'image/png': { 'PNG image': ['png'] },
  'image/svg+xml': { 'SVG image': ['svg'] },
  'text/csv': { CSV: ['csv'] },
};

/** PNG data is base64 (decoded here); SVG and CSV are text, written as UTF-8. */
export function exportBytes(p: ExportPayload): Uint8Array {
  return p.mime === 'image/png' ? Buffer.from(p.data, 'base64') : Buffer.from(p.data, 'utf8');
}

/** The suggested name with the extension its type needs (`loss` -> `loss.png`). */
export function exportFileName(p: ExportPayload): string {
  const ext = Object.values(EXPORT_FILTERS[p.mime])[0][0];
  return p.fileName.toLowerCase().endsWith(`.${ext}`) ? p.fileName : `${p.fileName}.${ext}`;
}
