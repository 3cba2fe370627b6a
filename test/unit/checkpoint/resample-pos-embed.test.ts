import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { antialiasWeights, resampleAxis, resize2d } from '../../../src/engine/checkpoint/resample-1d';
import { posEmbedGrid, resamplePosEmbed } from '../../../src/engine/checkpoint/resample-pos-embed';
import { CheckpointError } from '../../../src/run-folder/tensors/checkpoint-error';
import { type HostTensor, hostTensor } from '../../../src/run-folder/tensors/host-tensor';
import { readSafetensors } from '../../../src/run-folder/tensors/safetensors';
import { randomTensor, rng } from './synthetic-vit';

/** Dense (out x in) weight matrix written straight from the definition of PyTorch's AA bicubic. */
function referenceMatrix(inSize: number, outSize: number): number[][] {
  const cubic = (x: number) => {
    const a = -0.5;
    const t = Math.abs(x);
    if (t < 1) return (a + 2) * t ** 3 - (a + 3) * t ** 2 + 1;
    if (t < 2) return a * t ** 3 - 5 * a * t ** 2 + 8 * a * t - 4 * a;
    return 0;
  };
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 2 * filterScale;
  const m: number[][] = [];
  for (let i = 0; i < outSize; i++) {
    const centre = (i + 0.5) * scale;
    const row = new Array<number>(inSize).fill(0);
    const lo = Math.max(Math.trunc(centre - support + 0.5), 0);
    const hi = Math.min(Math.trunc(centre + support + 0.5), inSize);
    let total = 0;
    for (let x = lo; x < hi; x++) {
      row[x] = cubic((x - centre + 0.5) / filterScale);
      total += row[x];
    }
    m.push(row.map((w) => w / total));
  }
  return m;
}

function referenceResample(pe: HostTensor, g2: number): Float64Array {
  const d = pe.shape[2];
  const g = Math.round(Math.sqrt(pe.shape[1] - 1));
  const w = referenceMatrix(g, g2);
  const out = new Float64Array((1 + g2 * g2) * d);
  for (let c = 0; c < d; c++) out[c] = pe.data[c];
  for (let a = 0; a < g2; a++) {
    for (let b = 0; b < g2; b++) {
      for (let c = 0; c < d; c++) {
        let s = 0;
        for (let i = 0; i < g; i++) {
          for (let j = 0; j < g; j++) s += w[a][i] * w[b][j] * pe.data[(1 + i * g + j) * d + c];
        }
        out[(1 + a * g2 + b) * d + c] = s;
      }
    }
  }
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('antialiased separable resampling', () => {
  it('has PyTorch window, centre and normalisation when shrinking 4 -> 2', () => {
    const w = antialiasWeights(4, 2);
    // scale 2: support 4, all four inputs in the window; filter((x - 1 + 0.5) / 2) for x = 0..3
    assert.deepEqual([w.start[0], w.count[0], w.start[1], w.count[1]], [0, 4, 0, 4]);
    const raw = [0.25, 0.25, 0.75, 1.25].map((t) =>
      t < 1 ? 1.5 * t ** 3 - 2.5 * t ** 2 + 1 : -0.5 * t ** 3 + 2.5 * t ** 2 - 4 * t + 2,
    );
    const total = raw.reduce((a, b) => a + b);
    for (let j = 0; j < 4; j++) assert.ok(Math.abs(w.weights[j] - raw[j] / total) < 1e-15);
  });

  it('matches the dense definition for up- and down-sampling, rows summing to 1', () => {
    for (const [n, m] of [
      [4, 6],
      [4, 3],
      [4, 5],
      [7, 2],
      [3, 14],
      [14, 24],
      [24, 14],
      [5, 5],
    ]) {
      const w = antialiasWeights(n, m);
      const ref = referenceMatrix(n, m);
      for (let i = 0; i < m; i++) {
        const dense = new Array<number>(n).fill(0);
        let sum = 0;
        for (let j = 0; j < w.count[i]; j++) {
          dense[w.start[i] + j] = w.weights[i * w.maxTaps + j];
          sum += w.weights[i * w.maxTaps + j];
        }
        assert.ok(Math.abs(sum - 1) < 1e-12, `${n}->${m} row ${i} sums to ${sum}`);
        assert.ok(maxAbsDiff(dense, ref[i]) < 1e-12, `${n}->${m} row ${i}`);
      }
    }
  });

  it('is the identity when the size does not change', () => {
    const src = randomTensor([5, 3], rng(3)).data;
    const out = resampleAxis(src, 1, 3, antialiasWeights(5, 5));
    assert.ok(maxAbsDiff(out, src) < 1e-7);
  });

  it('keeps a constant image constant (bicubic and bilinear)', () => {
    const src = new Float32Array(6 * 5 * 2).fill(0.75);
    for (const filter of ['bicubic', 'bilinear'] as const) {
      const out = resize2d(src, 6, 5, 2, 3, 9, { filter });
      assert.equal(out.length, 3 * 9 * 2);
      assert.ok(maxAbsDiff(out, new Float32Array(out.length).fill(0.75)) < 1e-6);
    }
  });

  it('gives the same result for HWC and CHW layouts', () => {
    const [h, w, c] = [5, 7, 3];
    const hwc = randomTensor([h, w, c], rng(8)).data as Float32Array;
    const chw = new Float32Array(hwc.length);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let k = 0; k < c; k++) chw[(k * h + y) * w + x] = hwc[(y * w + x) * c + k];
    const a = resize2d(hwc, h, w, c, 4, 9);
    const b = resize2d(chw, h, w, c, 4, 9, { layout: 'chw' });
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 9; x++) {
        for (let k = 0; k < c; k++)
          assert.ok(Math.abs(a[(y * 9 + x) * c + k] - b[(k * 4 + y) * 9 + x]) < 1e-6);
      }
    }
  });
});

describe('resamplePosEmbed', () => {
  const pe = randomTensor([1, 17, 6], rng(11));

  it('keeps the CLS row and resamples the grid like the dense reference', () => {
    for (const g of [6, 3, 5, 2, 8]) {
      const out = resamplePosEmbed(pe, g);
      assert.deepEqual(out.shape, [1, 1 + g * g, 6]);
      assert.deepEqual([...out.data.slice(0, 6)], [...pe.data.slice(0, 6)]);
      assert.ok(maxAbsDiff(out.data, referenceResample(pe, g)) < 1e-6, `grid ${g}`);
    }
  });

  it('returns a copy for an unchanged grid and supports several prefix tokens', () => {
    const same = resamplePosEmbed(pe, 4);
    assert.notEqual(same.data, pe.data);
    assert.deepEqual([...same.data], [...pe.data]);
    const two = hostTensor([1, 2 + 9, 2], randomTensor([22], rng(2)).data as Float32Array);
    const out = resamplePosEmbed(two, 2, 2);
    assert.deepEqual(out.shape, [1, 6, 2]);
    assert.deepEqual([...out.data.slice(0, 4)], [...two.data.slice(0, 4)]);
    assert.equal(posEmbedGrid(two.shape, 2), 3);
  });

  it('refuses a position embedding that is not (1, 1 + g*g, D)', () => {
    assert.throws(() => resamplePosEmbed(randomTensor([1, 16, 4], rng(1)), 3), CheckpointError);
    assert.throws(() => resamplePosEmbed(randomTensor([16, 4], rng(1)), 3), CheckpointError);
  });

  it('matches PyTorch (timm resample_abs_pos_embed) on the parity fixture', function () {
    const file = path.resolve(__dirname, '../../fixtures/parity/posembed_resample.safetensors');
    if (!fs.existsSync(file)) this.skip();
    const { tensors } = readSafetensors(file);
    const src = tensors.get('pos_embed')!;
    assert.deepEqual(src.shape, [1, 17, 32]);
    for (const g of [6, 3, 5]) {
      const expected = tensors.get(`grid${g}`)!;
      const out = resamplePosEmbed(src, g);
      assert.deepEqual(out.shape, expected.shape);
      const err = maxAbsDiff(out.data, expected.data);
      assert.ok(err <= 1e-5, `grid ${g}: max abs error ${err}`);
    }
  });
});
