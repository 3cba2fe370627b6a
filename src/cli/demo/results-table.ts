/**
 * Mean +- std over seeds per method, as Markdown, and the notes a reader needs to read it (chance level,
 * split sizes, how test accuracy is chosen, what +- means); the same text goes to the terminal and to
 * results.md.
 */
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

/** What the notes under the table state about the data. */
export interface ResultsContext {
  numClasses: number;
  /** Images in each split, as trained and evaluated. */
  split: { train: number; val: number; test: number | null };
  /** Whether val is a split file or held out of train (`data.val: null`). */
  valSource: 'file' | 'held-out';
}

/** The lines under the table: chance level, split sizes, test at the val-chosen epoch, +- as a sample std. */
export function resultsNotes(runs: DemoRun[], ctx: ResultsContext): string {
  const seeds = [...new Set(runs.map((r) => r.seed))].sort((a, b) => a - b);
  const { train, val, test } = ctx.split;
  const valText = ctx.valSource === 'held-out' ? `${val} val (held out of train)` : `${val} val`;
  return [
    `Chance: ${(100 / ctx.numClasses).toFixed(1)} % (${ctx.numClasses} classes). Splits: ${train} train, ${valText}, ${test ?? 'no'} test images.`,
    `test acc: on the test split, with the checkpoint of the epoch that had the best val acc (chosen on val, never on test); val acc: that best val acc.`,
    `a ± b: mean and sample standard deviation (n - 1) over the runs of a row, one per seed (seeds ${seeds.join(', ')}; the seeds column counts them).`,
    'What these numbers show and what they do not: docs/RESULTS.md.',
  ].join('\n');
}

/** Two-sided 97.5 % quantiles of Student's t for 1..30 degrees of freedom (the 95 % interval). */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/**
 * The paired difference of two methods' test accuracies over the seeds both ran (a - b per seed, in points),
 * with its mean and the 95 % t interval (df = n - 1). Null when fewer than two seeds pair up.
 */
export function pairedDifference(
  a: Map<number, number>,
  b: Map<number, number>,
): { n: number; diffs: number[]; mean: number; lo: number; hi: number } | null {
  const seeds = [...a.keys()].filter((s) => b.has(s)).sort((x, y) => x - y);
  if (seeds.length < 2) return null;
  const diffs = seeds.map((s) => 100 * ((a.get(s) as number) - (b.get(s) as number)));
  const { mean, std } = meanStd(diffs);
  const t = T975[Math.min(diffs.length - 1, T975.length) - 1];
  const half = (t * std) / Math.sqrt(diffs.length);
  return { n: diffs.length, diffs, mean, lo: mean - half, hi: mean + half };
}

/**
 * Each other method's per-seed paired test-accuracy difference against the `baseline` variant, as Markdown
 * (SPT minus VPT-deep in the default experiment): the differences, their mean and the 95 % interval. Null
 * when the baseline did not run or no method pairs with it on two seeds.
 */
export function pairedDifferences(runs: DemoRun[], baseline: string): string | null {
  const bySeed = (variant: string) =>
    new Map(
      runs
        .filter((r) => r.variant === variant && r.summary.test_acc !== null)
        .map((r) => [r.seed, r.summary.test_acc as number]),
    );
  const base = bySeed(baseline);
  const baseLabel = runs.find((r) => r.variant === baseline)?.label;
  if (!baseLabel || base.size < 2) return null;
  const rows: string[] = [];
  for (const variant of [...new Set(runs.map((r) => r.variant))]) {
    if (variant === baseline || variant === 'linear') continue;
    const d = pairedDifference(bySeed(variant), base);
    if (!d) continue;
    const label = runs.find((r) => r.variant === variant)?.label ?? variant;
    const f = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;
    rows.push(
      `| ${label} − ${baseLabel} | ${d.diffs.map(f).join(', ')} | ${f(d.mean)} | [${f(d.lo)}, ${f(d.hi)}] |`,
    );
  }
  if (!rows.length) return null;
  return [
    '| paired difference (test acc, points) | per seed | mean | 95 % interval (t, n - 1 df) |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}
