/**
 * Read-only markdown views of run folders until the dashboard lands: one run's summary (status,
 * metrics, the per-epoch table, config, last error) and a comparison of several runs (final metrics
 * and the config keys that differ). Pure Node: no `vscode`, no TensorFlow.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { RUN_FILES } from '../engine/run/run-folder';
import type { MetricLine, RunEvent, RunSummaryFile } from '../shared/run-events';
import { type RunRecord, readJsonlLenient, readRunRecord } from './runs/run-discovery';
import { formatDuration, pct } from './runs/run-tree-model';

const esc = (s: string) => s.replace(/([\\`*_[\]|<>])/g, '\\$1').replace(/\n/g, ' ');

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

function readConfig(runDir: string): Record<string, unknown> | null {
  try {
    const v = parseYaml(fs.readFileSync(path.join(runDir, RUN_FILES.config), 'utf8'));
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** `{a: {b: 1}}` -> `{'a.b': '1'}` (lists and scalars as compact JSON). */
export function flattenConfig(
  value: unknown,
  prefix = '',
  out: Record<string, string> = {},
): Record<string, string> {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>))
      flattenConfig(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out[prefix] = typeof value === 'string' ? value : JSON.stringify(value ?? null);
  }
  return out;
}

const fmtAcc = (v: number | null | undefined) => (typeof v === 'number' ? pct(v) : '–');
const fmtNum = (v: number | null | undefined, digits = 4) =>
  typeof v === 'number' ? v.toFixed(digits) : '–';

/** Per epoch: the last train line's loss and accuracy, and the val line. */
export function epochTable(metrics: MetricLine[]): string[] {
  const byEpoch = new Map<number, { train?: MetricLine; val?: MetricLine; test?: MetricLine }>();
  for (const m of metrics) {
    if (!m || typeof m.epoch !== 'number') continue;
    const row = byEpoch.get(m.epoch) ?? {};
    if (m.split === 'train') row.train = m;
    else if (m.split === 'val') row.val = m;
    else if (m.split === 'test') row.test = m;
    byEpoch.set(m.epoch, row);
  }
  if (!byEpoch.size) return [];
  const lines = [
    '| epoch | train loss | train acc | val loss | val acc | lr |',
    '|---:|---:|---:|---:|---:|---:|',
  ];
  for (const [epoch, r] of [...byEpoch.entries()].sort((a, b) => a[0] - b[0])) {
    lines.push(
      `| ${epoch + 1} | ${fmtNum(r.train?.loss)} | ${fmtAcc(r.train?.acc)} | ${fmtNum(r.val?.loss)} | ${fmtAcc(r.val?.acc)} | ${r.train ? r.train.lr.toExponential(2) : '–'} |`,
    );
  }
  return lines;
}

/** The markdown summary of one run folder. Never throws: what cannot be read is said so. */
export function renderRunSummary(runDir: string, record: RunRecord = readRunRecord(runDir)): string {
  const summary = readJson<RunSummaryFile>(path.join(runDir, RUN_FILES.summary));
  const metrics = readJsonlLenient<MetricLine>(path.join(runDir, RUN_FILES.metrics));
  const events = readJsonlLenient<RunEvent>(path.join(runDir, RUN_FILES.events));
  const config = readConfig(runDir);
  const out: string[] = [`# ${esc(record.experiment)} · ${esc(record.timestamp)}`, ''];
  out.push(`\`${runDir.replace(/`/g, "'")}\``, '');
  const rows: [string, string][] = [['status', record.status]];
  if (record.epoch !== null)
    rows.push(['epochs', record.epochs ? `${record.epoch}/${record.epochs}` : `${record.epoch}`]);
  rows.push([
    'best val acc',
    `${fmtAcc(record.bestValAcc)}${record.bestEpoch !== null ? ` (epoch ${record.bestEpoch + 1})` : ''}`,
  ]);
  rows.push(['test acc', fmtAcc(record.testAcc)]);
  if (summary) {
    rows.push([
      'trainable / total params',
      `${summary.trainable_params.toLocaleString('en-US')} / ${summary.total_params.toLocaleString('en-US')}`,
    ]);
    rows.push(['images/s', summary.images_per_sec.toFixed(1)]);
    rows.push(['seed', String(summary.seed)]);
    if (summary.skipped_images) rows.push(['skipped images', String(summary.skipped_images)]);
  }
  if (record.method) rows.push(['method', record.method]);
  if (record.backend) rows.push(['backend', record.backend]);
  if (record.elapsedSeconds !== null) rows.push(['wall time', formatDuration(record.elapsedSeconds)]);
  rows.push(['resumable', record.resumable ? 'yes (SPT: Resume Run)' : 'no']);
  out.push('| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${esc(v)} |`), '');
  if (record.lastError) out.push('## Error', '', '```', record.lastError, '```', '');
  if (record.unreadable) out.push(`**Unreadable:** ${esc(record.unreadable)}`, '');
  const table = epochTable(metrics);
  out.push('## Epochs', '');
  out.push(...(table.length ? table : ['No epoch has ended yet.']), '');
  const warnings = events.filter((e) => e?.type === 'warning') as Extract<RunEvent, { type: 'warning' }>[];
  if (warnings.length) {
    out.push('## Warnings', '');
    for (const w of warnings.slice(-20)) out.push(`- ${esc(w.message)}`);
    out.push('');
  }
  if (config) {
    out.push('## Config', '', '```yaml');
    try {
      out.push(fs.readFileSync(path.join(runDir, RUN_FILES.config), 'utf8').trimEnd());
    } catch {
      // read above; a race with Delete Run
    }
    out.push('```', '');
  }
  return out.join('\n');
}

/** A table of the runs' final metrics and one of the config keys whose values differ. */
export function renderComparison(runDirs: string[]): string {
  const runs = runDirs.map((dir) => ({
    dir,
    record: readRunRecord(dir),
    summary: readJson<RunSummaryFile>(path.join(dir, RUN_FILES.summary)),
    config: flattenConfig(readConfig(dir) ?? {}),
  }));
  const label = (r: (typeof runs)[number], i: number) =>
    `${i + 1}. ${esc(r.record.experiment)} ${esc(r.record.timestamp)}`;
  const out = [`# Compare ${runs.length} runs`, ''];
  out.push('| run | status | epochs | best val acc | test acc | trainable params | images/s | wall time |');
  out.push('|---|---|---:|---:|---:|---:|---:|---:|');
  runs.forEach((r, i) => {
    const rec = r.record;
    out.push(
      `| ${label(r, i)} | ${rec.status} | ${rec.epoch ?? '–'}${rec.epochs ? `/${rec.epochs}` : ''} | ${fmtAcc(rec.bestValAcc)} | ${fmtAcc(rec.testAcc)} | ${r.summary ? r.summary.trainable_params.toLocaleString('en-US') : '–'} | ${r.summary ? r.summary.images_per_sec.toFixed(1) : '–'} | ${rec.elapsedSeconds !== null ? formatDuration(rec.elapsedSeconds) : '–'} |`,
    );
  });
  out.push('');
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.config)))].sort();
  const differing = keys.filter((k) => new Set(runs.map((r) => r.config[k] ?? '∅')).size > 1);
  out.push('## Config differences', '');
  if (!differing.length) out.push('The runs have the same config.');
  else {
    out.push(`| key | ${runs.map((_, i) => `${i + 1}`).join(' | ')} |`);
    out.push(`|---|${runs.map(() => '---').join('|')}|`);
    for (const k of differing)
      out.push(`| \`${k}\` | ${runs.map((r) => esc(r.config[k] ?? '–')).join(' | ')} |`);
  }
  out.push('', '## Folders', '');
  runs.forEach((r, i) => {
    out.push(`${i + 1}. \`${r.dir.replace(/`/g, "'")}\``);
  });
  return out.join('\n');
}
