/**
 * metrics.jsonl as the dashboard's columns: a full read (with the byte offset of the last complete
 * line, where following the file continues) and a tail read of appended bytes only. Lines that do
 * not parse, or lack a split or step, are counted, never thrown. Pure Node: no `vscode`.
 */

import * as fs from 'node:fs';
import { RUN_FILES } from '../../run-folder/layout';
import { appendMetricLines, emptyMetrics } from '../../shared/metric-columns';
import type { MetricLine } from '../../shared/run-events';
import type { RunMetrics } from '../../shared/webview-contract';
import { MissingFileError, resolveInside } from './path-guard';

const METRICS_FILE = RUN_FILES.metrics;

const SPLITS = new Set(['train', 'val', 'test']);
const numOrNaN = (v: unknown) => (typeof v === 'number' ? v : Number.NaN);

/** One line of metrics.jsonl, or null when it is not one. */
export function parseMetricLine(text: string): MetricLine | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (!v || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  if (typeof o.split !== 'string' || !SPLITS.has(o.split) || typeof o.step !== 'number') return null;
  const line: MetricLine = {
    t: numOrNaN(o.t),
    epoch: numOrNaN(o.epoch),
    step: o.step,
    split: o.split as MetricLine['split'],
    loss: numOrNaN(o.loss),
    acc: numOrNaN(o.acc),
    lr: numOrNaN(o.lr),
  };
  for (const k of ['ips', 'rss_mb', 'tensor_mb', 'engine_mb'] as const)
    if (typeof o[k] === 'number') line[k] = o[k];
  return line;
}

/** Complete lines of `bytes` (up to its last newline), and how many bytes they take. */
export function splitComplete(bytes: Buffer): { lines: MetricLine[]; skipped: number; used: number } {
  const used = bytes.lastIndexOf(0x0a) + 1;
  const lines: MetricLine[] = [];
  let skipped = 0;
  for (const text of bytes.subarray(0, used).toString('utf8').split('\n')) {
    if (!text.trim()) continue;
    const line = parseMetricLine(text);
    if (line) lines.push(line);
    else skipped++;
  }
  return { lines, skipped, used };
}

export interface MetricsRead {
  metrics: RunMetrics;
  /** Bytes of complete lines read: a follower continues from here. */
  offset: number;
}

/** The whole file as columns; a missing file is a run without metrics yet. */
export function readMetricsFile(runDir: string): MetricsRead {
  const metrics = emptyMetrics(runDir);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(resolveInside(runDir, METRICS_FILE));
  } catch (err) {
    if (err instanceof MissingFileError) return { metrics, offset: 0 };
    if (!(err instanceof Error) || !('code' in err)) throw err;
    throw new Error(
      `${METRICS_FILE} cannot be read (${(err as Error).message}): check the file's permissions`,
    );
  }
  const { lines, skipped, used } = splitComplete(bytes);
  appendMetricLines(metrics, lines);
  // A torn last line (no newline: the trainer died mid-write, or is writing it now).
  metrics.skippedLines = skipped + (bytes.subarray(used).toString('utf8').trim() ? 1 : 0);
  return { metrics, offset: used };
}

/**
 * The complete lines appended since `offset`; `offset` moves past them. A file shorter than `offset`
 * (truncated by a resume) starts over from its end: what was cut is not sent again.
 */
export function readAppended(runDir: string, from: { offset: number }): MetricLine[] {
  let fd: number;
  try {
    fd = fs.openSync(resolveInside(runDir, METRICS_FILE), 'r');
  } catch {
    return [];
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size < from.offset) {
      from.offset = size;
      return [];
    }
    const want = size - from.offset;
    if (want <= 0) return [];
    const buf = Buffer.alloc(want);
    const got = fs.readSync(fd, buf, 0, want, from.offset);
    const { lines, used } = splitComplete(buf.subarray(0, got));
    from.offset += used;
    return lines;
  } finally {
    fs.closeSync(fd);
  }
}
