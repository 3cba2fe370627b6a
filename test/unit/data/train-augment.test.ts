import * as assert from 'node:assert/strict';
import type { RgbImage } from '../../../src/engine/data/decode-image';
import { resizeBicubic } from '../../../src/engine/data/resize';
import {
  type AugmentRng,
  cropImage,
  fgvcTrainAugmentImage,
  fgvcTrainTransform,
  hflipImage,
  randomResizedCropParams,
} from '../../../src/engine/data/train-augment';
import { normalise } from '../../../src/engine/data/transforms';
import { Rng } from '../../../src/engine/util/rng';

function image(width: number, height: number, seed = 1): RgbImage {
  const rng = new Rng(seed);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = rng.int(256);
  return { width, height, data };
}

/** An AugmentRng that always draws the same uniform value. */
function constantRng(u: number): AugmentRng {
  return { uniform: () => u, int: (n) => Math.floor(u * n) };
}

describe('data/train-augment', () => {
  it('draws boxes inside the image with area in [0.08, 1] and aspect ratio in [3/4, 4/3]', () => {
    for (const [W, H] of [
      [500, 375],
      [224, 224],
      [300, 120],
      [37, 61],
    ]) {
      let fallbacks = 0;
      let minFrac = 1;
      let maxFrac = 0;
      for (let k = 0; k < 2000; k++) {
        const rng = new Rng(5).fork(`aug:0:${k}`);
        const b = randomResizedCropParams(W, H, rng);
        assert.ok(
          b.top >= 0 && b.left >= 0 && b.top + b.height <= H && b.left + b.width <= W,
          JSON.stringify(b),
        );
        assert.ok(b.width >= 1 && b.height >= 1);
        if (b.fallback) {
          fallbacks++;
          continue;
        }
        // w and h are sqrt(area * r) and sqrt(area / r) rounded to integers: allow half a pixel each.
        assert.ok((b.width + 0.5) * (b.height + 0.5) >= 0.08 * W * H, `area too small: ${JSON.stringify(b)}`);
        assert.ok((b.width - 0.5) * (b.height - 0.5) <= W * H);
        assert.ok((b.width + 0.5) / (b.height - 0.5) >= 3 / 4, `ratio too small: ${JSON.stringify(b)}`);
        assert.ok((b.width - 0.5) / (b.height + 0.5) <= 4 / 3, `ratio too large: ${JSON.stringify(b)}`);
        const frac = (b.width * b.height) / (W * H);
        minFrac = Math.min(minFrac, frac);
        maxFrac = Math.max(maxFrac, frac);
      }
      assert.ok(fallbacks < 60, `${W}x${H}: ${fallbacks} fallbacks`);
      assert.ok(
        minFrac < 0.1 && maxFrac > 0.5,
        `${W}x${H}: area fractions span only [${minFrac}, ${maxFrac}]`,
      );
    }
  });

  it('computes an attempt as torchvision does (hand-checked with fixed draws)', () => {
    // u = 0.5: scale 0.54, log-ratio midpoint ~0 so r ~1; 100x100: w = h = round(sqrt(5400)) = 73,
    // top = left = floor(0.5 * (100 - 73 + 1)) = 14.
    assert.deepEqual(randomResizedCropParams(100, 100, constantRng(0.5)), {
      top: 14,
      left: 14,
      height: 73,
      width: 73,
      fallback: false,
    });
    // u = 0: scale 0.08, r = 3/4; 200x100: target area 1600, w = round(sqrt(1200)) = 35, h = round(46.19) = 46.
    const b = randomResizedCropParams(200, 100, constantRng(0));
    assert.deepEqual(b, { top: 0, left: 0, height: 46, width: 35, fallback: false });
  });

  it('falls back to the central crop with the aspect ratio clamped after 10 misses', () => {
    for (let k = 0; k < 50; k++) {
      // A 1000x10 strip: h <= 10 would need scale <= 0.0133, so every attempt misses.
      assert.deepEqual(randomResizedCropParams(1000, 10, new Rng(k)), {
        top: 0,
        left: 493,
        height: 10,
        width: 13,
        fallback: true,
      });
      assert.deepEqual(randomResizedCropParams(10, 1000, new Rng(k)), {
        top: 493,
        left: 0,
        height: 13,
        width: 10,
        fallback: true,
      });
    }
    // Too large a scale range for every attempt: the whole (square) image.
    assert.deepEqual(randomResizedCropParams(50, 50, constantRng(0.999), [2, 3]), {
      top: 0,
      left: 0,
      height: 50,
      width: 50,
      fallback: true,
    });
  });

  it('crops, resizes with PIL bicubic, then flips', () => {
    const img = image(40, 30);
    for (let k = 0; k < 20; k++) {
      const a = fgvcTrainAugmentImage(img, 16, new Rng(9).fork(`aug:1:${k}`));
      const rng = new Rng(9).fork(`aug:1:${k}`);
      const box = randomResizedCropParams(40, 30, rng);
      assert.deepEqual(a.box, box);
      let want = resizeBicubic(cropImage(img, box), 16, 16);
      const flip = rng.uniform() < 0.5;
      assert.equal(a.flipped, flip);
      if (flip) want = hflipImage(want);
      assert.deepEqual(a.image, want);
      assert.deepEqual(
        fgvcTrainTransform(img, 16, new Rng(9).fork(`aug:1:${k}`)),
        normalise(want),
        'ToTensor + Normalize of the augmented image',
      );
    }
  });

  it('crops and flips pixels exactly', () => {
    const img: RgbImage = { width: 3, height: 2, data: Uint8Array.from({ length: 18 }, (_, i) => i) };
    assert.deepEqual(
      cropImage(img, { top: 1, left: 1, height: 1, width: 2 }).data,
      Uint8Array.from([12, 13, 14, 15, 16, 17]),
    );
    assert.deepEqual(
      hflipImage(img).data,
      Uint8Array.from([6, 7, 8, 3, 4, 5, 0, 1, 2, 15, 16, 17, 12, 13, 14, 9, 10, 11]),
    );
    assert.throws(() => cropImage(img, { top: 1, left: 1, height: 2, width: 1 }), /not inside/);
  });

  it('flips about half of the samples', () => {
    const img = image(8, 8);
    let flips = 0;
    const n = 4000;
    for (let k = 0; k < n; k++)
      if (fgvcTrainAugmentImage(img, 8, new Rng(3).fork(`aug:0:${k}`)).flipped) flips++;
    assert.ok(Math.abs(flips / n - 0.5) < 0.03, `${flips} of ${n} flipped`);
  });

  it('is deterministic per (seed, epoch, k) and differs between them', () => {
    const img = image(64, 48);
    const run = (seed: number, e: number, k: number) =>
      fgvcTrainTransform(img, 24, new Rng(seed).fork(`aug:${e}:${k}`));
    const a = run(1, 0, 0);
    assert.deepEqual(run(1, 0, 0), a);
    assert.notDeepEqual(run(2, 0, 0), a);
    assert.notDeepEqual(run(1, 1, 0), a);
    assert.notDeepEqual(run(1, 0, 1), a);
    assert.equal(a.length, 24 * 24 * 3);
  });
});
