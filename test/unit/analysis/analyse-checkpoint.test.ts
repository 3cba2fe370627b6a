/** End to end: a tiny random ViT, analyseCheckpoint + writeAnalysis into a temp dir, then the files. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { vitConfig } from '../../../src/config/architectures';
import type { Method, PromptMode } from '../../../src/config/methods';
import {
  analyseCheckpoint,
  indexEntry,
  writeAnalysis,
} from '../../../src/engine/analysis/analyse-checkpoint';
import { collectProbeTokens, patchTokensOf } from '../../../src/engine/analysis/probe-tokens';
import { promptPatchStats } from '../../../src/engine/analysis/prompt-patch-stats';
import { selectBackend } from '../../../src/engine/backend/select-backend';
import { initHead } from '../../../src/engine/model/head';
import { PromptedViT } from '../../../src/engine/model/prompted-vit';
import { patchEmbed } from '../../../src/engine/model/vit';
import { vitWeightsFromState } from '../../../src/engine/model/vit-weights';
import { promptParamsFromHost, promptsToHost } from '../../../src/engine/prompts/prompt-params';
import { tf } from '../../../src/engine/tf';
import { Rng } from '../../../src/engine/util/rng';
import {
  type AnalysisEpochFile,
  type AnalysisIndex,
  readF32Ref,
} from '../../../src/shared/analysis-contract';
import { randomVitState } from '../../helpers/random-state';

const cfg = vitConfig({ embed_dim: 16, depth: 2, num_heads: 2, patch_size: 4, image_size: 8 });
const N = 3;
const P = 3;
const T = 4;

function makeModel(mode: PromptMode | null, method: Method): PromptedViT {
  const w = vitWeightsFromState(randomVitState(cfg, 11), cfg, { trainable: false });
  const rng = new Rng(5);
  const head = initHead(cfg.embedDim, 3, rng, 0.3);
  const sets = mode === 'deep' ? cfg.depth : 1;
  const prompts = mode
    ? promptParamsFromHost(
        {
          dtype: 'float32',
          shape: [sets, N, 16],
          data: new Float32Array(sets * N * 16).map(() => rng.normal() * 0.5),
        },
        mode,
        cfg.depth,
        cfg.embedDim,
      )
    : undefined;
  return new PromptedViT(cfg, w, head, 'cls', method, prompts);
}

function probe() {
  const rng = new Rng(9);
  return {
    images: tf.tensor4d(
      new Float32Array(P * 8 * 8 * 3).map(() => rng.normal()),
      [P, 8, 8, 3],
    ),
    labels: [0, 2, 1],
    ids: ['a.png', 'b.png', 'c.png'],
  };
}

/** Moves every prompt a little, as a training step would. */
function nudge(model: PromptedViT): void {
  const rng = new Rng(77);
  for (const v of model.prompts!.sets) {
    tf.tidy(() => {
      v.assign(
        tf.add(
          v,
          tf.tensor(
            Float32Array.from({ length: v.size }, () => rng.normal() * 0.3),
            v.shape,
          ),
        ),
      );
    });
  }
}

describe('analysis: analyseCheckpoint + writeAnalysis', () => {
  let dir: string;
  before(async () => {
    await selectBackend('cpu');
  });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-analysis-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const mode of ['deep', 'shallow'] as const) {
    it(`${mode} prompts: statistics, maps, PCA, drift, files and index`, async () => {
      const model = makeModel(mode, 'spt');
      const pb = probe();
      const init = await promptsToHost(model.prompts!);
      const tensorsBefore = tf.memory().numTensors;
      const r0 = await analyseCheckpoint(model, pb, init, { epoch: 0, seed: 3, createdAt: 't0' });
      assert.equal(tf.memory().numTensors, tensorsBefore, 'no tensor leaks');

      assert.deepEqual(r0.layers, [0, 1]);
      assert.equal(r0.model.grid, 2);
      assert.equal(r0.model.promptLength, N);
      assert.equal(r0.model.promptMode, mode);
      assert.equal(r0.promptPatch.length, 2);
      for (const s of r0.promptPatch) {
        assert.equal(s.promptSource, mode === 'deep' || s.layer === 0 ? 'parameters' : 'slot-tokens');
        assert.equal(s.patchCount, P * T);
        assert.equal(
          s.promptUsage.reduce((a, b) => a + b, 0),
          P * T,
        );
        assert.ok(s.nmi >= 0 && s.nmi <= 1 + 1e-12);
        if (s.promptSource === 'parameters') assert.ok(s.inertiaRatio >= 1 - 1e-9, `${s.inertiaRatio}`);
        assert.ok(s.nearestCosine >= s.meanCosine);
      }
      for (const a of r0.attention) {
        assert.equal(a.clsToPatch.length, P * (cfg.numHeads + 1) * T);
        assert.equal(a.promptToPatch!.length, P * (cfg.numHeads + 1) * T);
        assert.ok(Math.abs(a.clsMass.cls + a.clsMass.prompts + a.clsMass.patches - 1) < 1e-5);
        assert.ok(Math.abs(a.patchMass.cls + a.patchMass.prompts + a.patchMass.patches - 1) < 1e-5);
      }
      for (const p of r0.pca) {
        assert.equal(p.points.length, P * T * 2);
        assert.equal(p.prompts!.length, N);
        // at initialisation the initial prompts are where the prompts are
        p.initialPrompts!.forEach(([x, y], n) => {
          assert.ok(Math.abs(x - p.prompts![n][0]) < 1e-4 && Math.abs(y - p.prompts![n][1]) < 1e-4);
        });
      }
      assert.equal(r0.drift!.length, mode === 'deep' ? 2 : 1);
      for (const d of r0.drift!) assert.equal(d.meanL2, 0);

      nudge(model);
      const r1 = await analyseCheckpoint(model, pb, init, { epoch: 1, seed: 3, layers: [1] });
      assert.deepEqual(r1.layers, [1]);
      assert.ok(r1.drift!.every((d) => d.meanL2 > 0));
      const moved = r1.pca[0].initialPrompts!.some(
        ([x, y], n) => Math.abs(x - r1.pca[0].prompts![n][0]) + Math.abs(y - r1.pca[0].prompts![n][1]) > 1e-3,
      );
      assert.ok(moved, 'the projected prompts left their initial place');

      const written0 = writeAnalysis(dir, r0);
      const written1 = writeAnalysis(dir, r1);
      const adir = path.join(dir, 'analysis');
      assert.deepEqual(written0.map((f) => path.relative(adir, f)).sort(), [
        'epoch-000.f32',
        'epoch-000.json',
        'index.json',
      ]);
      assert.ok(written1.every((f) => fs.existsSync(f)));
      assert.deepEqual(fs.readdirSync(adir).sort(), [
        'epoch-000.f32',
        'epoch-000.json',
        'epoch-001.f32',
        'epoch-001.json',
        'index.json',
      ]);

      const file = JSON.parse(
        fs.readFileSync(path.join(adir, 'epoch-000.json'), 'utf8'),
      ) as AnalysisEpochFile;
      const side = fs.readFileSync(path.join(adir, file.sidecar));
      assert.equal(file.epoch, 0);
      assert.equal(file.createdAt, 't0');
      assert.deepEqual(file.probe, { count: P, labels: [0, 2, 1], ids: ['a.png', 'b.png', 'c.png'] });
      const ref = file.attention[1].clsToPatch;
      assert.deepEqual(ref.shape, [P, cfg.numHeads + 1, 2, 2]);
      assert.deepEqual([...readF32Ref(side, ref)], [...r0.attention[1].clsToPatch]);
      assert.deepEqual([...readF32Ref(side, file.pca[0].points)], [...r0.pca[0].points]);
      assert.deepEqual(file.pca[0].points.shape, [P * T, 2]);
      const refs = [
        ...file.attention.flatMap((a) => [a.clsToPatch, a.promptToPatch!]),
        ...file.pca.map((p) => p.points),
      ];
      assert.equal(
        side.length,
        refs.reduce((n, r) => n + r.length, 0) * 4,
        'the sidecar holds exactly the arrays',
      );
      assert.ok(Math.abs(file.promptPatch[0].nmi - r0.promptPatch[0].nmi) < 1e-6);

      // index: both epochs, ascending; re-writing an epoch replaces its entry
      writeAnalysis(dir, { ...r1, createdAt: 'again' });
      const index = JSON.parse(fs.readFileSync(path.join(adir, 'index.json'), 'utf8')) as AnalysisIndex;
      assert.deepEqual(
        index.epochs.map((e) => [e.epoch, e.file, e.sidecar]),
        [
          [0, 'epoch-000.json', 'epoch-000.f32'],
          [1, 'epoch-001.json', 'epoch-001.f32'],
        ],
      );
      assert.equal(index.epochs[1].createdAt, 'again');
      assert.equal(index.model.promptMode, mode);
      const l0 = index.epochs[0].layers;
      assert.deepEqual(
        l0.map((l) => l.layer),
        [0, 1],
      );
      assert.equal(l0[0].driftL2, 0);
      assert.equal(l0[1].driftL2, mode === 'deep' ? 0 : null);
      assert.ok(l0.every((l) => typeof l.nmi === 'number' && typeof l.inertiaRatio === 'number'));
      assert.ok(index.epochs[1].layers[0].clsPatchMass > 0);
      assert.ok(fs.readdirSync(adir).every((f) => !f.endsWith('.tmp')));

      pb.images.dispose();
      model.dispose();
    });
  }

  it('the maps are the model’s own attention, and the tokens the block inputs', async () => {
    const model = makeModel('deep', 'spt');
    const pb = probe();
    const pt = await collectProbeTokens(model, pb.images, [0, 1]);
    const L = 1 + N + T;
    // deep: the prompt slots entering block i are prompt set i
    for (const i of [0, 1]) {
      const set = model.prompts!.sets[i].dataSync();
      const tok = pt.tokens.get(i)!;
      for (let p = 0; p < P; p++) {
        for (let j = 0; j < N * 16; j++) assert.ok(Math.abs(tok[(p * L + 1) * 16 + j] - set[j]) < 1e-6);
      }
    }
    const r = await analyseCheckpoint(model, pb, undefined, { epoch: 2, seed: 1 });
    assert.equal(r.drift, null);
    assert.equal(r.pca[0].initialPrompts, undefined);
    const probs = tf.tidy(
      () => model.forward(pb.images, { attentionLayers: new Set([1]) }).attention.get(1)!,
    );
    const host = probs.dataSync();
    probs.dispose();
    const H = cfg.numHeads;
    for (let p = 0; p < P; p++) {
      for (let h = 0; h < H; h++) {
        for (let k = 0; k < T; k++) {
          const want = host[((p * H + h) * L + 0) * L + 1 + N + k];
          assert.ok(Math.abs(r.attention[1].clsToPatch[(p * (H + 1) + h) * T + k] - want) < 1e-6);
        }
      }
    }
    // The attention share to prompts (the mechanism the paper names), from the probabilities themselves:
    // the CLS query's and the patch queries' attention summed over the N prompt keys, mean over heads,
    // images (and patch queries); recorded per block in the index.
    let clsToPrompts = 0;
    let patchesToPrompts = 0;
    for (let p = 0; p < P; p++) {
      for (let h = 0; h < H; h++) {
        for (let n = 0; n < N; n++) {
          clsToPrompts += host[((p * H + h) * L + 0) * L + 1 + n] / (P * H);
          for (let q = 0; q < T; q++)
            patchesToPrompts += host[((p * H + h) * L + 1 + N + q) * L + 1 + n] / (P * H * T);
        }
      }
    }
    assert.ok(clsToPrompts > 0.01 && patchesToPrompts > 0.01, 'random prompts get some attention');
    const entry = indexEntry(r, 'e.json', 'e.f32').layers.find((l) => l.layer === 1)!;
    assert.ok(
      Math.abs(entry.clsPromptMass - clsToPrompts) < 1e-6,
      `${entry.clsPromptMass} vs ${clsToPrompts}`,
    );
    assert.ok(
      Math.abs(entry.patchPromptMass! - patchesToPrompts) < 1e-6,
      `${entry.patchPromptMass} vs ${patchesToPrompts}`,
    );
    pb.images.dispose();
    model.dispose();
  });

  it('layer 0 compares the prompts with the patch embeddings before the position embedding', async () => {
    // Set 0 made of N patch embeddings of the probe images, as SPT's random init samples them: in that
    // space every prompt IS a patch token (cosine 1); after the position embedding it is not.
    const model = makeModel('deep', 'spt');
    const pb = probe();
    const D = cfg.embedDim;
    const pre = tf.tidy(() => patchEmbed(pb.images, model.backbone, cfg)).dataSync(); // [P*T, D]
    const picks = [0, 5, 10]; // patch tokens of images 0, 1 and 2
    const set0 = new Float32Array(N * D);
    picks.forEach((j, n) => {
      set0.set(pre.subarray(j * D, (j + 1) * D), n * D);
    });
    model.prompts!.sets[0].assign(tf.tensor3d(set0, [1, N, D]));

    const r = await analyseCheckpoint(model, pb, undefined, { epoch: 0, seed: 3 });
    const s0 = r.promptPatch.find((s) => s.layer === 0)!;
    const s1 = r.promptPatch.find((s) => s.layer === 1)!;
    assert.equal(s0.tokenSpace, 'patch-embedding');
    assert.equal(s1.tokenSpace, 'block-input');
    assert.equal(r.pca[0].tokenSpace, 'patch-embedding');
    assert.equal(r.pca[1].tokenSpace, 'block-input');
    assert.ok(Math.abs(s0.nearestCosine - 1) < 1e-6, `nearest cosine ${s0.nearestCosine}`);
    // the statistics are exactly those of the pre-position-embedding patch tokens
    const want = promptPatchStats(
      { patches: Float32Array.from(pre), prompts: set0, S: 1, N, D, T },
      new Rng('3:analysis:layer-0'),
    );
    assert.equal(s0.inertiaPrompts, want.inertiaPrompts);
    assert.equal(s0.inertiaKMeans, want.inertiaKMeans);
    assert.equal(s0.nmi, want.nmi);
    assert.deepEqual(s0.promptUsage, want.promptUsage);
    assert.ok(
      s0.promptUsage.every((u) => u >= 1),
      'each prompt is at least its own patch token’s nearest',
    );

    // the tokens entering block 0 (position embedding added) would not give cosine 1
    const pt = await collectProbeTokens(model, pb.images, [0]);
    assert.deepEqual([...pt.patchEmbeddings!], [...pre]);
    const post = patchTokensOf(pt.tokens.get(0)!, P, pt.L, D, N);
    const after = promptPatchStats(
      { patches: post, prompts: set0, S: 1, N, D, T },
      new Rng('3:analysis:layer-0'),
    );
    assert.ok(after.nearestCosine < 0.99, `after pos: ${after.nearestCosine}`);
    assert.notEqual(after.inertiaPrompts, s0.inertiaPrompts);

    writeAnalysis(dir, r);
    const index = JSON.parse(
      fs.readFileSync(path.join(dir, 'analysis', 'index.json'), 'utf8'),
    ) as AnalysisIndex;
    assert.deepEqual(
      index.epochs[0].layers.map((l) => l.tokenSpace),
      ['patch-embedding', 'block-input'],
    );
    pb.images.dispose();
    model.dispose();
  });

  it('linear probe: attention maps (CLS -> patch) and PCA only', async () => {
    const model = makeModel(null, 'linear');
    const pb = probe();
    const r = await analyseCheckpoint(model, pb, undefined, { epoch: 5, seed: 1 });
    assert.equal(r.model.promptMode, null);
    assert.equal(r.model.promptLength, 0);
    assert.deepEqual(r.promptPatch, []);
    assert.equal(r.drift, null);
    for (const a of r.attention) {
      assert.equal(a.promptToPatch, undefined);
      assert.equal(a.clsMass.prompts, 0);
    }
    for (const p of r.pca) assert.equal(p.prompts, undefined);
    writeAnalysis(dir, r);
    const index = JSON.parse(
      fs.readFileSync(path.join(dir, 'analysis', 'index.json'), 'utf8'),
    ) as AnalysisIndex;
    assert.deepEqual(
      index.epochs.map((e) => e.epoch),
      [5],
    );
    assert.equal(index.epochs[0].layers[0].nmi, null);
    assert.equal(index.epochs[0].layers[0].patchPromptMass, 0, 'no prompts: no attention to prompts');
    await assert.rejects(
      analyseCheckpoint(model, pb, undefined, { epoch: 5, seed: 1, layers: [2] }),
      /not a block/,
    );
    await assert.rejects(
      analyseCheckpoint(model, { ...pb, labels: [0] }, undefined, { epoch: 5, seed: 1 }),
      /labels/,
    );
    pb.images.dispose();
    model.dispose();
  });
});
