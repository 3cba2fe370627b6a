/** The system panel's pure part (webview-ui/src/lib/system.ts): series, presence, downsampling, units. */
import * as assert from 'node:assert/strict';
import { appendMetricLines, emptyMetrics } from '../../../src/shared/metric-columns';
import type { MetricLine } from '../../../src/shared/run-events';
import { placeLabels, shiftClear } from '../../../webview-ui/src/lib/prototypes';
import {
  downsampleSeries,
  fmtElapsed,
  fmtMiB,
  fmtRate,
  memorySeries,
  runStart,
  systemPresence,
  throughputSeries,
} from '../../../webview-ui/src/lib/system';

const line = (
  split: MetricLine['split'],
  step: number,
  t: number,
  extra: Partial<MetricLine> = {},
): MetricLine => ({
  t,
  epoch: 1,
  step,
  split,
  loss: 1,
  acc: 0.5,
  lr: 0.01,
  ...extra,
});

function run() {
  const m = emptyMetrics('/r');
  appendMetricLines(m, [
    line('train', 1, 1000, { ips: 100, rss_mb: 400, tensor_mb: 2 }),
    line('train', 2, 1030, { ips: 110, rss_mb: 410, tensor_mb: 2.5 }),
    line('val', 2, 1045, { ips: 900, rss_mb: 430, tensor_mb: 3 }),
    line('train', 3, 1060, { ips: 120, rss_mb: 420, tensor_mb: 2.5 }),
    line('test', 3, 1090, { ips: 950, rss_mb: 440, tensor_mb: 3, engine_mb: 12 }),
  ]);
  return m;
}

describe('system panel series', () => {
  it('gives train throughput per step and evaluations as their own series', () => {
    const m = run();
    assert.deepEqual(throughputSeries(m, 'train', 'step'), { x: [1, 2, 3], y: [100, 110, 120] });
    assert.deepEqual(throughputSeries(m, 'val', 'step'), { x: [2], y: [900] });
    assert.deepEqual(throughputSeries(m, 'test', 'step'), { x: [3], y: [950] });
  });

  it('puts wall-clock time in minutes since the first line on x', () => {
    const m = run();
    assert.equal(runStart(m), 1000);
    assert.deepEqual(throughputSeries(m, 'train', 'time').x, [0, 0.5, 1]);
    assert.deepEqual(memorySeries(m, 'rss_mb', 'time'), {
      x: [0, 0.5, 0.75, 1, 1.5],
      y: [400, 410, 430, 420, 440],
    });
  });

  it('merges memory of every split in the order the lines were written', () => {
    const m = run();
    assert.deepEqual(memorySeries(m, 'rss_mb', 'step'), { x: [1, 2, 2, 3, 3], y: [400, 410, 430, 420, 440] });
    assert.deepEqual(memorySeries(m, 'tensor_mb', 'step').y, [2, 2.5, 3, 2.5, 3]);
    assert.deepEqual(memorySeries(m, 'engine_mb', 'step'), { x: [3], y: [12] }); // only lines that carry it
  });

  it('leaves out lines without a value, and says what an old run lacks', () => {
    const old = emptyMetrics('/old');
    appendMetricLines(old, [line('train', 1, 10), line('train', 2, 11, { ips: 50 }), line('val', 2, 12)]);
    assert.deepEqual(memorySeries(old, 'rss_mb', 'step'), { x: [], y: [] });
    assert.deepEqual(throughputSeries(old, 'train', 'step'), { x: [2], y: [50] });
    assert.deepEqual(systemPresence(old), { throughput: true, memory: false });
    assert.deepEqual(systemPresence(emptyMetrics('/none')), { throughput: false, memory: false });
    assert.deepEqual(systemPresence(run()), { throughput: true, memory: true });
    assert.equal(runStart(emptyMetrics('/none')), null);
  });

  it('downsamples long series to min and max per bucket, keeping both ends', () => {
    const n = 100_000;
    const x = Array.from({ length: n }, (_, i) => i + 1);
    const y = x.map((i) => 400 + (i % 7));
    const pts = downsampleSeries({ x, y }, 200);
    assert.ok(pts.length <= 4 * 200 + 2, `${pts.length} points`);
    assert.deepEqual(pts[0], [1, y[0]]);
    assert.deepEqual(pts[pts.length - 1], [n, y[n - 1]]);
    assert.equal(Math.max(...pts.map((p) => p[1])), 406);
    assert.equal(Math.min(...pts.map((p) => p[1])), 400);
    // Short series pass unchanged.
    assert.deepEqual(downsampleSeries({ x: [1, 2], y: [3, 4] }, 200), [
      [1, 3],
      [2, 4],
    ]);
  });

  it('formats the units', () => {
    assert.equal(fmtMiB(850.4), '850 MiB');
    assert.equal(fmtMiB(12.34, true), '12.3 MiB');
    assert.equal(fmtMiB(1536), '1.5 GiB');
    assert.equal(fmtMiB(2048), '2 GiB');
    assert.equal(fmtMiB(Number.NaN), '—');
    assert.equal(fmtRate(1234.4), '1,234 img/s');
    assert.equal(fmtRate(12.54), '12.5 img/s');
    assert.equal(fmtRate(0.4236), '0.42 img/s');
    assert.equal(fmtRate(90, true), '90 img/s');
    assert.equal(fmtRate(2.5, true), '2.5 img/s');
    assert.equal(fmtRate(1500, true), '1,500 img/s');
    assert.equal(fmtElapsed(0.75), '0:45');
    assert.equal(fmtElapsed(12 + 5 / 60), '12:05');
    assert.equal(fmtElapsed(62.5), '1:02:30');
  });
});

describe('prompt label placement', () => {
  it('moves a label below the ones it would overlap, and leaves a free one where it is', () => {
    const placed = [{ x: 0, y: 0, width: 12, height: 14 }];
    assert.equal(shiftClear({ x: 5, y: 8, width: 12, height: 14 }, placed), 7); // below, with a 1 px gap
    assert.equal(shiftClear({ x: 30, y: 8, width: 12, height: 14 }, placed), 0); // beside: no move
    const two = [...placed, { x: 4, y: 15, width: 12, height: 14 }];
    assert.equal(shiftClear({ x: 2, y: 5, width: 12, height: 14 }, two), 25); // below both
  });

  it('places a cluster of labels in key order, whatever order they come in', () => {
    const box = (y: number) => ({ x: 0, y, width: 12, height: 14 });
    const forward = placeLabels(
      new Map([
        [0, box(0)],
        [1, box(2)],
        [2, box(1)],
      ]),
    );
    const backward = placeLabels(
      new Map([
        [2, box(1)],
        [1, box(2)],
        [0, box(0)],
      ]),
    );
    assert.deepEqual([...forward].sort(), [...backward].sort());
    assert.deepEqual(Object.fromEntries(forward), { 0: 0, 1: 13, 2: 29 });
  });
});
