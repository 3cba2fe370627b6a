/**
 * SPT/VPT prompt initialisers. Sampled prompts are checked against the tokens PyTorch computed for
 * the same images (test/fixtures/parity/features.safetensors), through their recorded provenance.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { vitConfig } from '../../../src/config/architectures';
import { selectBackend } from '../../../src/engine/backend/select-backend';
import { loadBackbone } from '../../../src/engine/model/load-backbone';
import { type ViTWeights, vitWeightsFromState } from '../../../src/engine/model/vit-weights';
import {
  type ImageBatches,
  poolingWindows,
  type SptInit,
  sptInitialPrompts,
} from '../../../src/engine/prompts/init-spt';
import { xavierBound, xavierPrompts } from '../../../src/engine/prompts/init-xavier';
import { kmeans } from '../../../src/engine/prompts/kmeans';
import { ReservoirPlan } from '../../../src/engine/prompts/reservoir';
import { tf } from '../../../src/engine/tf';
import { Rng } from '../../../src/engine/util/rng';
import type { HostTensor } from '../../../src/run-folder/tensors/host-tensor';
import { readSafetensors } from '../../../src/run-folder/tensors/safetensors';
import { get, normalisedImages, PARITY_DIR, parityBackbone } from '../../helpers/parity-fixtures';

const b = parityBackbone();
const cfg = vitConfig({
  embed_dim: b.embed_dim,
  depth: b.depth,
  num_heads: b.num_heads,
  patch_size: b.patch_size,
  image_size: 32,
});
const T = 16;
const D = b.embed_dim;

async function* batchesOf(data: Float32Array, n: number, batch: number): ImageBatches {
  const per = 32 * 32 * 3;
  for (let s = 0; s < n; s += batch) {
    const e = Math.min(n, s + batch);
    const images = tf.tensor4d(data.slice(s * per, e * per), [e - s, 32, 32, 3]);
    yield { images, ids: Array.from({ length: e - s }, (_, i) => s + i) };
    images.dispose();
  }
}

/** Reference candidate token of set s (PyTorch): patch embed for set 0, block s input without CLS. */
function refToken(
  features: Map<string, HostTensor>,
  set: number,
  image: number,
  patch: number,
): Float32Array {
  if (set === 0) {
    const t = get(features, 'patch_embed'); // (6, T, D)
    return t.data.slice((image * T + patch) * D, (image * T + patch + 1) * D) as Float32Array;
  }
  const t = get(features, `block${set}_in`); // (6, 1+T, D)
  const row = image * (1 + T) + 1 + patch;
  return t.data.slice(row * D, (row + 1) * D) as Float32Array;
}

function row(t: HostTensor, s: number, n: number, N: number): Float32Array {
  return t.data.slice((s * N + n) * D, (s * N + n + 1) * D) as Float32Array;
}

const close = (a: ArrayLike<number>, c: ArrayLike<number>, tol = 1e-4) =>
  Array.from(a).every((v, i) => Math.abs(v - c[i]) <= tol);

describe('prompt initialisation', () => {
  let w: ViTWeights;
  let images: Float32Array;
  let features: Map<string, HostTensor>;
  before(async () => {
    await selectBackend('cpu');
    w = vitWeightsFromState(loadBackbone(path.join(PARITY_DIR, 'timm.pth'), 'auto', cfg).state, cfg, {
      trainable: false,
    });
    images = (await normalisedImages('images.txt')).data;
    features = readSafetensors(path.join(PARITY_DIR, 'features.safetensors')).tensors;
  });

  const run = (init: SptInit, mode: 'deep' | 'shallow', seed: number, length = 4, batch = 4) =>
    sptInitialPrompts(batchesOf(images, 6, batch), w, cfg, { init, mode, length, rng: new Rng(seed) });

  it('random (deep): every prompt is the PyTorch token its provenance names, per layer', async () => {
    const r = await run('random', 'deep', 1);
    assert.deepEqual(r.prompts.shape, [3, 4, D]);
    assert.equal(r.imagesSeen, 6);
    assert.equal(r.provenance.length, 12);
    for (const p of r.provenance) {
      assert.equal(p.layer, p.set - 1, 'set i samples the output of block i-1');
      assert.ok(p.image !== undefined && p.patch !== undefined);
      assert.ok(close(row(r.prompts, p.set, p.index, 4), refToken(features, p.set, p.image, p.patch)));
    }
    const picks = r.provenance.filter((p) => p.set === 1).map((p) => `${p.image}:${p.patch}`);
    assert.equal(new Set(picks).size, 4, 'drawn without replacement');
  });

  it('random (shallow): patch-embedding outputs; the same seed gives the same prompts, another seed others', async () => {
    const a = await run('random', 'shallow', 7);
    const a2 = await run('random', 'shallow', 7, 4, 1); // streamed one image at a time
    const c = await run('random', 'shallow', 8);
    assert.deepEqual(a.prompts.shape, [1, 4, D]);
    for (const p of a.provenance)
      assert.ok(close(row(a.prompts, 0, p.index, 4), refToken(features, 0, p.image!, p.patch!)));
    assert.deepEqual(
      Array.from(a.prompts.data),
      Array.from(a2.prompts.data),
      'batching does not change the sample',
    );
    assert.notDeepEqual(Array.from(a.prompts.data), Array.from(c.prompts.data));
  });

  for (const how of ['mean', 'max'] as const) {
    it(`${how}: each prompt pools its recorded window of one image`, async () => {
      const r = await run(how, 'deep', 3);
      for (const p of r.provenance) {
        const [s, e] = p.window!;
        const ref = new Float32Array(D).fill(how === 'max' ? Number.NEGATIVE_INFINITY : 0);
        for (let k = s; k < e; k++) {
          const t = refToken(features, p.set, p.image!, k);
          for (let d = 0; d < D; d++)
            ref[d] = how === 'max' ? Math.max(ref[d], t[d]) : ref[d] + t[d] / (e - s);
        }
        assert.ok(close(row(r.prompts, p.set, p.index, 4), ref), `set ${p.set} prompt ${p.index}`);
      }
    });
  }

  it('kmeans: centres with cluster sizes that cover the token subset', async () => {
    const r = await run('kmeans', 'deep', 4);
    for (let s = 0; s < 3; s++) {
      const sizes = r.provenance.filter((p) => p.set === s).map((p) => p.clusterSize ?? 0);
      assert.equal(
        sizes.reduce((x, y) => x + y, 0),
        6 * T,
        'all 96 candidate tokens are clustered',
      );
    }
    assert.ok(Array.from(r.prompts.data).every(Number.isFinite));
  });

  it('pooling windows follow the spec, with the fix for a zero remainder', () => {
    const w20 = poolingWindows(196, 20);
    assert.equal(w20.length, 20);
    assert.deepEqual(w20[0], [0, 10]);
    assert.deepEqual(w20[18], [180, 190]);
    assert.deepEqual(w20[19], [190, 196], 'the last window holds the 196 mod 10 = 6 remaining tokens');
    const w50 = poolingWindows(196, 50); // w = 4, 196 mod 4 = 0: the last w tokens, not all 196
    assert.deepEqual(w50[49], [192, 196]);
    assert.deepEqual(poolingWindows(196, 1), [[0, 196]]);
    assert.throws(() => poolingWindows(16, 40), /prompt.length <= 17/);
  });

  it('xavier: U(-a, a) with a = sqrt(6 / (3 P^2 + D)), 0.0625 for ViT-B/16', () => {
    assert.equal(xavierBound(16, 768), 0.0625);
    const p = xavierPrompts(new Rng(1), 12, 20, 768, 16);
    assert.deepEqual(p.shape, [12, 20, 768]);
    const vals = Array.from(p.data);
    assert.ok(vals.every((v) => Math.abs(v) <= 0.0625));
    const variance = vals.reduce((s, v) => s + v * v, 0) / vals.length;
    assert.ok(Math.abs(variance - 0.0625 ** 2 / 3) < 0.05 * 0.0625 ** 2, `variance ${variance}`);
  });
});

describe('reservoir sampling', () => {
  it('draws every item with equal probability, without replacement', () => {
    const counts = new Array(10).fill(0);
    const rng = new Rng(2);
    const trials = 20000;
    for (let t = 0; t < trials; t++) {
      const plan = new ReservoirPlan(3, rng);
      const slots = new Array(3).fill(-1);
      for (const chunk of [4, 1, 5]) {
        const base = plan.itemsSeen;
        for (const a of plan.next(chunk)) slots[a.slot] = base + a.offset;
      }
      assert.equal(new Set(slots).size, 3);
      for (const s of slots) counts[s]++;
    }
    for (const c of counts) assert.ok(Math.abs(c / trials - 0.3) < 0.015, `inclusion rate ${c / trials}`);
  });
});

describe('k-means', () => {
  it('finds well separated clusters and is deterministic for a seed', () => {
    const rng = new Rng(3);
    const centres = [
      [0, 0],
      [10, 0],
      [0, 10],
    ];
    const pts = new Float32Array(300 * 2);
    for (let i = 0; i < 300; i++) {
      const c = centres[i % 3];
      pts[2 * i] = c[0] + rng.normal() * 0.5;
      pts[2 * i + 1] = c[1] + rng.normal() * 0.5;
    }
    const r = kmeans(pts, 2, 3, new Rng(1), { iterations: 50, batchSize: 64 });
    assert.deepEqual(Array.from(r.sizes).sort(), [100, 100, 100]);
    assert.ok(r.inertia / 300 < 0.6, `mean inertia ${r.inertia / 300}`);
    const again = kmeans(pts, 2, 3, new Rng(1), { iterations: 50, batchSize: 64 });
    assert.deepEqual(Array.from(again.centers), Array.from(r.centers));
  });
});
