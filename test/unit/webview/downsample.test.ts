import * as assert from 'node:assert/strict';
import {
  displayPoints,
  downsampleMinMax,
  lowerBound,
  nearestIndex,
  upperBound,
} from '../../../webview-ui/src/lib/downsample';

function ramp(n: number): { x: number[]; y: number[] } {
  const x = Array.from({ length: n }, (_, i) => i);
  const y = x.map((i) => Math.sin(i / 50));
  return { x, y };
}

describe('webview downsampling', () => {
  it('binary searches ascending x', () => {
    const x = [0, 1, 1, 2, 5];
    assert.equal(lowerBound(x, 1), 1);
    assert.equal(upperBound(x, 1), 3);
    assert.equal(lowerBound(x, 6), 5);
    assert.equal(upperBound(x, -1), 0);
    assert.equal(nearestIndex(x, 3.4), 3);
    assert.equal(nearestIndex(x, 3.6), 4);
    assert.equal(nearestIndex(x, -9), 0);
    assert.equal(nearestIndex(x, 99), 4);
    assert.equal(nearestIndex([], 1), -1);
  });

  it('passes short series through unchanged', () => {
    const out = downsampleMinMax([0, 1, 2], [3, 1, 2], null, 10);
    assert.deepEqual(out, [
      [0, 3],
      [1, 1],
      [2, 2],
    ]);
  });

  it('keeps every bucket extreme, spikes included, and bounds the count', () => {
    const { x, y } = ramp(100_000);
    y[12_345] = 50; // a spike
    y[77_777] = -40; // a dip
    const buckets = 500;
    const out = downsampleMinMax(x, y, null, buckets);
    assert.ok(out.length <= 2 * buckets + 2, `got ${out.length}`);
    assert.ok(out.length >= buckets, `got ${out.length}`);
    assert.ok(out.some((p) => p[0] === 12_345 && p[1] === 50));
    assert.ok(out.some((p) => p[0] === 77_777 && p[1] === -40));
    // Global extremes survive, x stays ascending, first and last point kept.
    for (let i = 1; i < out.length; i++) assert.ok(out[i][0] > out[i - 1][0]);
    assert.deepEqual(out[0], [0, y[0]]);
    assert.deepEqual(out[out.length - 1], [99_999, y[99_999]]);
  });

  it('clips to the range, with one neighbour on each side', () => {
    const { x, y } = ramp(10_000);
    const out = downsampleMinMax(x, y, { min: 2000, max: 3000 }, 100);
    assert.equal(out[0][0], 1999);
    assert.equal(out[out.length - 1][0], 3001);
    const inside = out.slice(1, -1);
    assert.ok(inside.every((p) => p[0] >= 2000 && p[0] <= 3000));
    assert.ok(inside.length <= 202);
    assert.equal(inside[0][0], 2000);
    assert.equal(inside[inside.length - 1][0], 3000);
  });

  it('never modifies its input', () => {
    const { x, y } = ramp(5000);
    const x0 = x.slice();
    const y0 = y.slice();
    downsampleMinMax(x, y, { min: 10, max: 4000 }, 50, { positiveOnly: true });
    displayPoints(x, y, { min: 10, max: 4000 }, 50);
    assert.deepEqual(x, x0);
    assert.deepEqual(y, y0);
  });

  it('drops non-finite values, and non-positive ones for a log axis', () => {
    const out = downsampleMinMax([0, 1, 2, 3], [1, Number.NaN, -1, 2], null, 10, { positiveOnly: true });
    assert.deepEqual(out, [
      [0, 1],
      [3, 2],
    ]);
  });

  it('draws the visible range in detail and the rest coarsely', () => {
    const { x, y } = ramp(100_000);
    const out = displayPoints(x, y, { min: 50_000, max: 50_400 }, 800);
    const inside = out.filter((p) => p[0] >= 50_000 && p[0] <= 50_400);
    assert.equal(inside.length, 401); // all 401 points: fewer than 2 per bucket
    assert.ok(out.some((p) => p[0] < 50_000));
    assert.ok(out.some((p) => p[0] > 50_400));
    assert.ok(out.length < 401 + 2 * 200 + 10);
    for (let i = 1; i < out.length; i++) assert.ok(out[i][0] > out[i - 1][0]);
  });

  it('returns nothing for an empty series', () => {
    assert.deepEqual(downsampleMinMax([], [], null, 10), []);
    assert.deepEqual(displayPoints([], [], { min: 0, max: 1 }, 10), []);
  });
});
