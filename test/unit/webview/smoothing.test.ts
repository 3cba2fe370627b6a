import * as assert from 'node:assert/strict';
import { SmoothingCache, smoothEma } from '../../../webview-ui/src/lib/smoothing';

describe('webview smoothing (debiased EMA)', () => {
  it('matches a hand-computed reference', () => {
    // w = 0.5: m1 = 0.5 -> /0.5 = 1; m2 = 0.25 + 1 = 1.25 -> /0.75; m3 = 0.625 + 1.5 = 2.125 -> /0.875
    const out = smoothEma([1, 2, 3], 0.5);
    assert.equal(out[0], 1);
    assert.ok(Math.abs(out[1] - 1.25 / 0.75) < 1e-12);
    assert.ok(Math.abs(out[2] - 2.125 / 0.875) < 1e-12);
  });

  it('is the identity at weight 0 and starts at the first value at any weight', () => {
    assert.deepEqual(smoothEma([4, 5, 6], 0), [4, 5, 6]);
    assert.equal(smoothEma([7, 0, 0], 0.99)[0], 7);
  });

  it('passes non-finite values through and skips them', () => {
    const out = smoothEma([1, Number.NaN, 3], 0.5);
    assert.ok(Number.isNaN(out[1]));
    // The NaN does not count as a step: the third value is the second accumulated one.
    assert.ok(Math.abs(out[2] - (0.25 + 1.5) / 0.75) < 1e-12);
  });

  it('does not modify its input; the cache follows appends', () => {
    const y = [1, 2, 3];
    const cache = new SmoothingCache();
    const a = cache.get(y, 0.5);
    assert.deepEqual(y, [1, 2, 3]);
    assert.equal(cache.get(y, 0.5), a);
    y.push(4);
    const b = cache.get(y, 0.5);
    assert.notEqual(b, a);
    assert.equal(b.length, 4);
    assert.equal(cache.get(y, 0), y);
  });
});
