import * as assert from 'node:assert/strict';
import type { RgbImage } from '../../../src/engine/data/decode-image';
import {
  centerCrop,
  fgvcEvalTransform,
  fgvcResizeSize,
  IMAGENET_MEAN,
  IMAGENET_STD,
  identityTransform,
  normalise,
  roundHalfEven,
  shorterSideSize,
  toModelInput,
  vtabTransform,
} from '../../../src/engine/data/transforms';
import { manifest, maxAbsDiff, readF32, readU8 } from './fixtures';

function ramp(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + 11) % 256;
  return { width, height, data };
}

describe('data/transforms', () => {
  it('exports the ImageNet normalisation constants', () => {
    assert.deepEqual(IMAGENET_MEAN, [0.485, 0.456, 0.406]);
    assert.deepEqual(IMAGENET_STD, [0.229, 0.224, 0.225]);
  });

  it('normalises (v / 255 - mean) / std per channel, HWC', () => {
    const out = normalise({ width: 2, height: 1, data: new Uint8Array([0, 128, 255, 255, 0, 51]) });
    const want = [0, 128, 255, 255, 0, 51].map(
      (v, i) => (v / 255 - IMAGENET_MEAN[i % 3]) / IMAGENET_STD[i % 3],
    );
    assert.ok(maxAbsDiff(out, want) < 1e-6);
    assert.ok(Math.abs(out[0] - -2.117904) < 1e-5);
    assert.ok(Math.abs(out[2] - 2.64) < 1e-5);
  });

  it("rounds like Python's round() and sizes like torchvision", () => {
    assert.deepEqual([0.5, 1.5, 2.5, 3.5, 4.5, -2.5, 2.4, 2.6].map(roundHalfEven), [0, 2, 2, 4, 4, -2, 2, 3]);
    assert.deepEqual(shorterSideSize(37, 29, 24), { width: 30, height: 24 });
    assert.deepEqual(shorterSideSize(21, 34, 16), { width: 16, height: 25 });
    assert.deepEqual(shorterSideSize(500, 375, 224), { width: 298, height: 224 });
    assert.deepEqual(shorterSideSize(300, 300, 224), { width: 224, height: 224 });
    assert.equal(fgvcResizeSize(224), 256);
    assert.equal(fgvcResizeSize(384), 439);
  });

  it('centre-crops with half-to-even offsets', () => {
    // 16 x 25 -> 16: top = round(4.5) = 4
    const img = ramp(16, 25);
    const c = centerCrop(img, 16);
    assert.deepEqual([c.width, c.height], [16, 16]);
    assert.deepEqual(c.data.subarray(0, 16 * 3), img.data.subarray(4 * 16 * 3, 5 * 16 * 3));
    // 19 x 16 -> 16: left = round(1.5) = 2
    const img2 = ramp(19, 16);
    const c2 = centerCrop(img2, 16);
    assert.deepEqual(c2.data.subarray(0, 3), img2.data.subarray(2 * 3, 3 * 3));
    assert.throws(() => centerCrop(ramp(10, 20), 16), /smaller than/);
  });

  for (const t of manifest.transform) {
    it(`${t.kind}Transform(${t.sourceWidth}x${t.sourceHeight}, ${t.size}) matches torchvision`, () => {
      const img = { width: t.sourceWidth, height: t.sourceHeight, data: readU8(t.source) };
      const out = t.kind === 'vtab' ? vtabTransform(img, t.size) : fgvcEvalTransform(img, t.size);
      const expected = readF32(t.expected);
      assert.equal(out.length, t.size * t.size * 3);
      // within one gray level (1 / 255 / min std) ...
      assert.ok(maxAbsDiff(out, expected) <= 1 / 255 / 0.224 + 1e-6);
      // ... and in fact bit-exact: same resize, same float32 arithmetic
      assert.deepEqual(out, expected);
    });
  }

  it('toModelInput dispatches and skips resizing an image that already has the size', () => {
    const t = manifest.transform.find((c) => c.kind === 'fgvc')!;
    const img = { width: t.sourceWidth, height: t.sourceHeight, data: readU8(t.source) };
    assert.deepEqual(toModelInput(img, t.size, 'fgvc'), readF32(t.expected));
    const v = manifest.transform.find((c) => c.kind === 'vtab')!;
    const vimg = { width: v.sourceWidth, height: v.sourceHeight, data: readU8(v.source) };
    assert.deepEqual(toModelInput(vimg, v.size, 'vtab'), readF32(v.expected));

    const square = ramp(8, 8);
    const id = identityTransform(square);
    for (const kind of ['vtab', 'none'] as const) assert.deepEqual(toModelInput(square, 8, kind), id);
    // fgvc enlarges 8 -> 9 then crops, as torchvision does, which changes the values
    assert.deepEqual(toModelInput(square, 8, 'fgvc'), fgvcEvalTransform(square, 8));
    assert.notDeepEqual(toModelInput(square, 8, 'fgvc'), id);
    assert.throws(() => toModelInput(ramp(9, 8), 8, 'none'), /needs resizing/);
  });

  it('writes into a given batch buffer at an offset', () => {
    const img = ramp(4, 4);
    const buf = new Float32Array(2 * 4 * 4 * 3).fill(99);
    toModelInput(img, 4, 'vtab', buf, 48);
    assert.ok(buf.subarray(0, 48).every((v) => v === 99));
    assert.deepEqual(buf.subarray(48), identityTransform(img));
    assert.throws(() => normalise(img, buf, 60), /do not fit/);
  });
});
