/** Mean +- std over seeds per method, as Markdown (the same table goes to the terminal and to results.md). */
import type { RunSummaryFile } from '../../shared/run-events';

export interface DemoRun {
  variant: string;
  label: string;
  seed: number;
  runDir: string;
  summary: RunSummaryFile;
}

export function meanStd(xs: number[]): { mean: number; std: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  // Sample standard deviation (n - 1), as papers report over seeds.
  const std = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, std };
}

export function resultsTable(runs: DemoRun[]): string {
  const rows: string[][] = [];
  for (const label of [...new Set(runs.map((r) => r.label))]) {
    const rs = runs.filter((r) => r.label === label);
    const pct = (xs: (number | null)[]) => {
      const v = xs.filter((x): x is number => x !== null).map((x) => 100 * x);
      if (!v.length) return '-';
      const { mean, std } = meanStd(v);
      return `${mean.toFixed(1)} ± ${std.toFixed(1)}`;
    };
    const s = rs[0].summary;
    rows.push([
      label,
      pct(rs.map((r) => r.summary.test_acc)),
      pct(rs.map((r) => r.summary.val_acc)),
      `${s.trainable_params.toLocaleString('en')} (${((100 * s.trainable_params) / s.total_params).toFixed(2)} %)`,
      `${meanStd(rs.map((r) => r.summary.wall_seconds)).mean.toFixed(0)} s`,
      String(rs.length),
    ]);
  }
  const head = ['method', 'test acc % (mean ± std)', 'val acc %', 'trainable params', 'time / run', 'seeds'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
