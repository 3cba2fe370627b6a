import * as assert from 'node:assert/strict';
import { pilBicubicTaps, resizeBicubic } from '../../../src/engine/data/resize';
import { manifest, maxAbsDiff, readU8 } from './fixtures';

describe('data/resize (PIL bicubic)', () => {
  it('has resize fixtures that shrink, enlarge and keep an axis', () => {
    assert.ok(manifest.resize.length >= 8);
    assert.ok(manifest.resize.some((r) => r.width < r.sourceWidth && r.height < r.sourceHeight));
    assert.ok(manifest.resize.some((r) => r.width > r.sourceWidth && r.height > r.sourceHeight));
    assert.ok(manifest.resize.some((r) => r.width === r.sourceWidth || r.height === r.sourceHeight));
  });

  for (const r of manifest.resize) {
    it(`${r.sourceWidth}x${r.sourceHeight} -> ${r.width}x${r.height} matches PIL's Image.resize(BICUBIC)`, () => {
      const src = { width: r.sourceWidth, height: r.sourceHeight, data: readU8(r.source) };
      const out = resizeBicubic(src, r.width, r.height);
      assert.equal(out.width, r.width);
      assert.equal(out.height, r.height);
      const expected = readU8(r.expected);
      assert.equal(out.data.length, expected.length);
      const diff = maxAbsDiff(out.data, expected);
      assert.ok(diff <= 1, `max abs diff ${diff} gray levels`);
      // the implementation follows PIL's fixed-point arithmetic, so it is bit-exact
      assert.deepEqual(out.data, expected);
    });
  }

  it('returns a copy for an unchanged size and leaves the source untouched', () => {
    const data = new Uint8Array([1, 2, 3, 4, 5, 6]);
    const out = resizeBicubic({ width: 2, height: 1, data }, 2, 1);
    assert.deepEqual(Array.from(out.data), [1, 2, 3, 4, 5, 6]);
    assert.notEqual(out.data, data);
  });

  it('keeps a constant image constant and clips cubic overshoot to [0, 255]', () => {
    const flat = resizeBicubic({ width: 5, height: 4, data: new Uint8Array(60).fill(77) }, 13, 3);
    assert.ok(flat.data.every((v) => v === 77));
    // a hard 0/255 edge overshoots with a = -0.5; the result must stay inside uint8 with 0 and 255 reached
    const edge = new Uint8Array(8 * 3);
    for (let x = 4; x < 8; x++) edge.fill(255, x * 3, x * 3 + 3);
    const up = resizeBicubic({ width: 8, height: 1, data: edge }, 29, 1);
    assert.equal(Math.min(...up.data), 0);
    assert.equal(Math.max(...up.data), 255);
  });

  it('computes normalised 22-bit taps with a support scaled by the shrink factor', () => {
    const down = pilBicubicTaps(100, 10); // scale 10: support 20, ksize 41
    assert.equal(down.ksize, 41);
    for (let i = 0; i < 10; i++) {
      let sum = 0;
      for (let j = 0; j < down.count[i]; j++) sum += down.weights[i * down.ksize + j];
      assert.ok(Math.abs(sum - 2 ** 22) <= down.count[i], `taps of ${i} sum to ${sum}`);
    }
    assert.equal(down.start[0], 0);
    assert.equal(down.count[5], 40); // centre 55: inputs 35 .. 74
    assert.equal(down.start[5], 35);
    const up = pilBicubicTaps(10, 20); // enlarging: support 2, ksize 5
    assert.equal(up.ksize, 5);
    assert.equal(up.count[10], 4);
  });

  it('rejects bad sizes', () => {
    const img = { width: 2, height: 2, data: new Uint8Array(12) };
    assert.throws(() => resizeBicubic(img, 0, 2), /positive integers/);
    assert.throws(() => resizeBicubic(img, 2.5, 2), /positive integers/);
    assert.throws(
      () => resizeBicubic({ width: 3, height: 2, data: new Uint8Array(12) }, 2, 2),
      /do not fill/,
    );
  });
});
