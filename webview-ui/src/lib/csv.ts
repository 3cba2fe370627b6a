/** RFC 4180 CSV: fields with a comma, quote, CR or LF are quoted, quotes doubled; rows end in CRLF. */

export type CsvValue = string | number | boolean | null | undefined;

export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const s = String(value);
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: readonly string[], rows: Iterable<readonly CsvValue[]>): string {
  const out = [header.map(csvField).join(',')];
  for (const row of rows) out.push(row.map(csvField).join(','));
  return `${out.join('\r\n')}\r\n`;
}

/** Series of (x, y) pairs with different x values, as one table: a row per distinct x, a column per series. */
export function seriesToCsv(
  xName: string,
  series: readonly { name: string; x: ArrayLike<number>; y: ArrayLike<number> }[],
): string {
  const xs = new Set<number>();
  for (const s of series) for (let i = 0; i < s.x.length; i++) xs.add(s.x[i]);
  const sorted = [...xs].sort((a, b) => a - b);
  const index = new Map(sorted.map((x, i) => [x, i]));
  const table: CsvValue[][] = sorted.map((x) => {
    const row: CsvValue[] = new Array(series.length + 1).fill(null);
    row[0] = x;
    return row;
  });
  series.forEach((s, j) => {
    for (let i = 0; i < Math.min(s.x.length, s.y.length); i++) table[index.get(s.x[i])!][j + 1] = s.y[i];
  });
  return toCsv([xName, ...series.map((s) => s.name)], table);
}

/** A file name from a title: letters, digits, dot, dash and underscore only. */
export function safeFileName(name: string): string {
  const cleaned = name
    .normalize('NFKD')
    .replace(/[^\w.-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  return cleaned || 'chart';
}
