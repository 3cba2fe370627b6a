import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  inferBackboneSize,
  type MappedCheckpoint,
  mapCheckpoint,
} from '../../../src/engine/checkpoint/layouts';
import { readCheckpointFile } from '../../../src/engine/checkpoint/read-checkpoint';
import { CheckpointError } from '../../../src/run-folder/tensors/checkpoint-error';
import {
  type CheckpointDict,
  type CheckpointValue,
  type HostTensor,
  hostTensor,
  numel,
  type TensorMap,
} from '../../../src/run-folder/tensors/host-tensor';
import { LAYOUT_FILES } from '../../helpers/parity-fixtures';
import { makeEncoder, randomTensor, rng, TINY } from './synthetic-vit';

// ---------------------------------------------------------------- independent layout builders

/** A tensor whose element at multi-index idx is f(idx). */
function fromFn(shape: number[], f: (idx: number[]) => number): HostTensor {
  const out = new Float32Array(numel(shape));
  const idx = new Array<number>(shape.length).fill(0);
  for (let n = 0; n < out.length; n++) {
    out[n] = f(idx);
    for (let a = shape.length - 1; a >= 0; a--) {
      if (++idx[a] < shape[a]) break;
      idx[a] = 0;
    }
  }
  return hostTensor(shape, out);
}

/** Element of a row-major tensor. */
function at(t: HostTensor, ...idx: number[]): number {
  let off = 0;
  for (let a = 0; a < idx.length; a++) off = off * t.shape[a] + idx[a];
  return t.data[off];
}

function toJax(enc: TensorMap, headW: HostTensor, headB: HostTensor): CheckpointDict {
  const { dim: d, heads: h, depth } = TINY;
  const hd = d / h;
  const g = (k: string) => enc.get(k)!;
  const conv = g('patch_embed.proj.weight');
  const p = conv.shape[2];
  const out: CheckpointDict = {
    'embedding/kernel': fromFn([p, p, 3, d], ([y, x, c, o]) => at(conv, o, c, y, x)),
    'embedding/bias': g('patch_embed.proj.bias'),
    cls: g('cls_token'),
    'Transformer/posembed_input/pos_embedding': g('pos_embed'),
    'Transformer/encoder_norm/scale': g('norm.weight'),
    'Transformer/encoder_norm/bias': g('norm.bias'),
    'head/kernel': fromFn([d, headW.shape[0]], ([i, o]) => at(headW, o, i)),
    'head/bias': headB,
    'pre_logits/kernel': randomTensor([d, d], rng(9)),
  };
  for (let i = 0; i < depth; i++) {
    const s = `Transformer/encoderblock_${i}/`;
    const b = `blocks.${i}.`;
    const a = `${s}MultiHeadDotProductAttention_1/`;
    out[`${s}LayerNorm_0/scale`] = g(`${b}norm1.weight`);
    out[`${s}LayerNorm_0/bias`] = g(`${b}norm1.bias`);
    out[`${s}LayerNorm_2/scale`] = g(`${b}norm2.weight`);
    out[`${s}LayerNorm_2/bias`] = g(`${b}norm2.bias`);
    const qkvW = g(`${b}attn.qkv.weight`);
    const qkvB = g(`${b}attn.qkv.bias`);
    ['query', 'key', 'value'].forEach((name, part) => {
      out[`${a}${name}/kernel`] = fromFn([d, h, hd], ([c, hh, j]) => at(qkvW, part * d + hh * hd + j, c));
      out[`${a}${name}/bias`] = fromFn([h, hd], ([hh, j]) => at(qkvB, part * d + hh * hd + j));
    });
    const proj = g(`${b}attn.proj.weight`);
    out[`${a}out/kernel`] = fromFn([h, hd, d], ([hh, j, o]) => at(proj, o, hh * hd + j));
    out[`${a}out/bias`] = g(`${b}attn.proj.bias`);
    for (const [dense, fc] of [
      ['Dense_0', 'fc1'],
      ['Dense_1', 'fc2'],
    ]) {
      const w = g(`${b}mlp.${fc}.weight`);
      out[`${s}MlpBlock_3/${dense}/kernel`] = fromFn([w.shape[1], w.shape[0]], ([c, o]) => at(w, o, c));
      out[`${s}MlpBlock_3/${dense}/bias`] = g(`${b}mlp.${fc}.bias`);
    }
  }
  return out;
}

function rows(t: HostTensor, from: number, to: number): HostTensor {
  const w = t.shape.length === 2 ? t.shape[1] : 1;
  const shape = t.shape.length === 2 ? [to - from, w] : [to - from];
  return hostTensor(shape, t.data.slice(from * w, to * w) as Float32Array);
}

function toHf(enc: TensorMap, prefix = ''): CheckpointDict {
  const d = TINY.dim;
  const g = (k: string) => enc.get(k)!;
  const out: CheckpointDict = {
    [`${prefix}embeddings.cls_token`]: g('cls_token'),
    [`${prefix}embeddings.position_embeddings`]: g('pos_embed'),
    [`${prefix}embeddings.patch_embeddings.projection.weight`]: g('patch_embed.proj.weight'),
    [`${prefix}embeddings.patch_embeddings.projection.bias`]: g('patch_embed.proj.bias'),
  };
  for (let i = 0; i < TINY.depth; i++) {
    const s = `${prefix}encoder.layer.${i}.`;
    const b = `blocks.${i}.`;
    for (const p of ['weight', 'bias']) {
      const qkv = g(`${b}attn.qkv.${p}`);
      out[`${s}attention.attention.query.${p}`] = rows(qkv, 0, d);
      out[`${s}attention.attention.key.${p}`] = rows(qkv, d, 2 * d);
      out[`${s}attention.attention.value.${p}`] = rows(qkv, 2 * d, 3 * d);
      out[`${s}attention.output.dense.${p}`] = g(`${b}attn.proj.${p}`);
      out[`${s}intermediate.dense.${p}`] = g(`${b}mlp.fc1.${p}`);
      out[`${s}output.dense.${p}`] = g(`${b}mlp.fc2.${p}`);
      out[`${s}layernorm_before.${p}`] = g(`${b}norm1.${p}`);
      out[`${s}layernorm_after.${p}`] = g(`${b}norm2.${p}`);
    }
  }
  out[`${prefix}layernorm.weight`] = g('norm.weight');
  out[`${prefix}layernorm.bias`] = g('norm.bias');
  return out;
}

function withPrefix(enc: TensorMap, prefix: string): CheckpointDict {
  return Object.fromEntries([...enc].map(([k, v]) => [prefix + k, v]));
}

function assertSameBackbone(actual: TensorMap, expected: TensorMap, tol = 0): void {
  assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort());
  for (const [k, e] of expected) {
    const a = actual.get(k)!;
    assert.deepEqual(a.shape, e.shape, k);
    let max = 0;
    for (let i = 0; i < e.data.length; i++) max = Math.max(max, Math.abs(a.data[i] - e.data[i]));
    assert.ok(max <= tol, `${k}: max abs diff ${max} > ${tol}`);
  }
}

function throwsCheckpointError(fn: () => unknown, ...fragments: (string | RegExp)[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CheckpointError, String(e));
    for (const f of fragments) {
      if (typeof f === 'string') assert.ok(e.message.includes(f), `'${f}' not in: ${e.message}`);
      else assert.match(e.message, f);
    }
    return true;
  });
}

// ---------------------------------------------------------------- synthetic layouts

describe('checkpoint layouts (synthetic)', () => {
  const enc = makeEncoder();
  const next = rng(42);
  const headW = randomTensor([7, TINY.dim], next);
  const headB = randomTensor([7], next);
  const timmFlat: CheckpointDict = { ...withPrefix(enc, ''), 'head.weight': headW, 'head.bias': headB };

  it('reads a flat timm state dict and ignores the pretrained head', () => {
    const m = mapCheckpoint(timmFlat, 'auto', 'vit.pth');
    assert.equal(m.format, 'timm');
    assertSameBackbone(m.backbone, enc);
    assert.deepEqual(m.ignoredKeys.sort(), ['head.bias', 'head.weight']);
    assert.equal(m.head, undefined);
    assert.equal(m.prompts, undefined);
  });

  it('reads timm weights under state_dict or model (with a head) as timm', () => {
    for (const container of ['state_dict', 'model']) {
      const m = mapCheckpoint({ [container]: timmFlat, epoch: 3 }, 'auto', 'x.pth');
      assert.equal(m.format, 'timm', container);
      assertSameBackbone(m.backbone, enc);
    }
  });

  it('reads an MAE pre-training checkpoint, dropping decoder_* and mask_token', () => {
    const mae: CheckpointDict = {
      ...withPrefix(enc, ''),
      mask_token: randomTensor([1, 1, 4], next),
      'decoder_embed.weight': randomTensor([4, TINY.dim], next),
      'decoder_blocks.0.norm1.weight': randomTensor([4], next),
    };
    const m = mapCheckpoint({ model: mae, optimizer: { state: {} }, epoch: 1 }, 'auto', 'mae.pth');
    assert.equal(m.format, 'mae');
    assertSameBackbone(m.backbone, enc);
    assert.deepEqual(m.ignoredKeys.sort(), [
      'decoder_blocks.0.norm1.weight',
      'decoder_embed.weight',
      'mask_token',
    ]);
    // the released MAE encoder (no decoder, no head) is MAE too
    assert.equal(mapCheckpoint({ model: withPrefix(enc, '') }, 'auto', 'mae.pth').format, 'mae');
  });

  it("reads an MAE fine-tuned checkpoint's fc_norm as the final norm", () => {
    const ft: CheckpointDict = {};
    for (const [k, v] of enc) ft[k.startsWith('norm.') ? `fc_${k}` : k] = v;
    ft['head.weight'] = headW;
    ft['head.bias'] = headB;
    const m = mapCheckpoint({ model: ft }, 'auto', 'mae_ft.pth');
    assert.equal(m.format, 'mae');
    assertSameBackbone(m.backbone, enc);
  });

  it('reads a MoCo v3 pre-training checkpoint from module.base_encoder', () => {
    const sd: CheckpointDict = {
      ...withPrefix(enc, 'module.base_encoder.'),
      'module.base_encoder.head.0.weight': randomTensor([16, TINY.dim], next),
      'module.base_encoder.head.1.running_mean': randomTensor([16], next),
      ...withPrefix(makeEncoder(TINY, 5), 'module.momentum_encoder.'),
      'module.predictor.0.weight': randomTensor([16, 16], next),
    };
    const m = mapCheckpoint({ epoch: 300, arch: 'vit_small', state_dict: sd }, 'auto', 'moco.pth.tar');
    assert.equal(m.format, 'mocov3');
    assertSameBackbone(m.backbone, enc);
    assert.ok(m.ignoredKeys.includes('module.base_encoder.head.0.weight'));
    assert.ok(m.ignoredKeys.includes('module.momentum_encoder.blocks.0.attn.qkv.weight'));
    assert.ok(m.ignoredKeys.includes('module.predictor.0.weight'));
    assert.ok(!m.ignoredKeys.includes('arch'), 'file-level metadata is not a state-dict key');
  });

  it('reads a MoCo v3 linear-probe checkpoint (module. prefix)', () => {
    const sd = { ...withPrefix(enc, 'module.'), 'module.head.weight': headW, 'module.head.bias': headB };
    const m = mapCheckpoint({ state_dict: sd, best_acc1: 76.5 }, 'auto', 'lin.pth.tar');
    assert.equal(m.format, 'mocov3');
    assertSameBackbone(m.backbone, enc);
    assert.ok(m.ignoredKeys.includes('module.head.weight'));
    assert.equal(m.head, undefined);
  });

  it('converts Google JAX arrays exactly and reports the head count', () => {
    const m = mapCheckpoint(toJax(enc, headW, headB), 'auto', 'ViT-B_16.npz');
    assert.equal(m.format, 'jax');
    assertSameBackbone(m.backbone, enc);
    assert.equal(m.numHeads, TINY.heads);
    assert.deepEqual(m.ignoredKeys.sort(), ['head/bias', 'head/kernel', 'pre_logits/kernel']);
    assert.deepEqual(inferBackboneSize(m.backbone), {
      embedDim: TINY.dim,
      depth: TINY.depth,
      patchSize: TINY.patch,
      gridSize: TINY.grid,
      numHeads: TINY.heads,
    });
  });

  it('accepts .npy suffixes and an opt/target/ prefix in JAX names', () => {
    const jax = toJax(enc, headW, headB);
    const renamed = Object.fromEntries(Object.entries(jax).map(([k, v]) => [`opt/target/${k}.npy`, v]));
    const m = mapCheckpoint(renamed, 'jax', 'old.npz');
    assertSameBackbone(m.backbone, enc);
  });

  it('converts Hugging Face ViTModel and ViTMAEModel weights exactly', () => {
    const vit = { ...toHf(enc), 'pooler.dense.weight': randomTensor([TINY.dim, TINY.dim], next) };
    const m1 = mapCheckpoint(vit, 'auto', 'model.safetensors');
    assert.equal(m1.format, 'hf');
    assertSameBackbone(m1.backbone, enc);
    assert.deepEqual(m1.ignoredKeys, ['pooler.dense.weight']);

    const mae = {
      ...toHf(enc, 'vit.'),
      'decoder.mask_token': randomTensor([1, 1, 4], next),
      'decoder.decoder_embed.weight': randomTensor([4, TINY.dim], next),
      'classifier.weight': headW,
    };
    const m2 = mapCheckpoint(mae, 'hf', 'model.safetensors');
    assert.equal(m2.format, 'hf');
    assertSameBackbone(m2.backbone, enc);
    assert.deepEqual(m2.ignoredKeys.sort(), [
      'classifier.weight',
      'decoder.decoder_embed.weight',
      'decoder.mask_token',
    ]);
    assert.equal(inferBackboneSize(m2.backbone).numHeads, undefined);
  });

  it('reads SPT output files: deep prompts with module. keys, shallow without', () => {
    const deep = randomTensor([TINY.depth, 4, TINY.dim], next);
    const task = { w: randomTensor([5, TINY.dim], next), b: randomTensor([5], next) };
    const deepSd = {
      ...withPrefix(enc, 'module.'),
      'module.prompt_token': deep,
      'module.head.weight': task.w,
      'module.head.bias': task.b,
    };
    const m = mapCheckpoint({ epoch: 99, model: deepSd, best_acc: 81.25 }, 'auto', 'spt.pth');
    assert.equal(m.format, 'spt');
    assertSameBackbone(m.backbone, enc);
    assert.equal(m.prompts, deep);
    assert.equal(m.head?.weight, task.w);
    assert.equal(m.head?.bias, task.b);

    const shallow = randomTensor([1, 4, TINY.dim], next);
    const sh = { ...withPrefix(enc, ''), prompt_token: shallow, 'head.weight': task.w, 'head.bias': task.b };
    const m2 = mapCheckpoint({ model: sh }, 'mae', 'spt_shallow.pth');
    assert.equal(m2.format, 'spt');
    assert.deepEqual(m2.prompts?.shape, [1, 4, TINY.dim]);
    assert.deepEqual(m2.head?.weight.shape, [5, TINY.dim]);
  });

  it('gives identical canonical tensors for every layout', () => {
    const layouts: CheckpointValue[] = [
      timmFlat,
      { model: { ...withPrefix(enc, ''), mask_token: randomTensor([1, 1, 4], next) } },
      { state_dict: withPrefix(enc, 'module.base_encoder.') },
      { state_dict: withPrefix(enc, 'module.') },
      toJax(enc, headW, headB),
      toHf(enc),
      toHf(enc, 'vit.'),
      {
        model: { ...withPrefix(enc, 'module.'), 'module.prompt_token': randomTensor([1, 2, TINY.dim], next) },
      },
    ];
    const maps: MappedCheckpoint[] = layouts.map((v) => mapCheckpoint(v, 'auto', 'f'));
    assert.deepEqual(
      maps.map((m) => m.format),
      ['timm', 'mae', 'mocov3', 'mocov3', 'jax', 'hf', 'hf', 'spt'],
    );
    for (const m of maps) assertSameBackbone(m.backbone, maps[0].backbone);
  });

  it('honours an explicit timm/mae/mocov3 choice where the keys allow it', () => {
    assert.equal(mapCheckpoint(timmFlat, 'mae', 'f').format, 'mae');
    assert.equal(mapCheckpoint(timmFlat, 'mocov3', 'f').format, 'mocov3');
    assert.equal(mapCheckpoint({ state_dict: withPrefix(enc, 'module.') }, 'timm', 'f').format, 'timm');
  });

  it('refuses a requested format that the keys contradict, naming file, request, keys and fix', () => {
    throwsCheckpointError(
      () => mapCheckpoint(timmFlat, 'jax', 'vit.pth'),
      'vit.pth',
      "'jax'",
      'timm state dict',
      'format: auto',
      'format: timm',
    );
    throwsCheckpointError(
      () => mapCheckpoint(toJax(enc, headW, headB), 'timm', 'ViT-B_16.npz'),
      'ViT-B_16.npz',
      "'timm'",
      'Google JAX',
      'format: jax',
    );
    throwsCheckpointError(
      () => mapCheckpoint(toHf(enc), 'mae', 'model.safetensors'),
      'Hugging Face',
      'format: hf',
    );
    throwsCheckpointError(
      () => mapCheckpoint({ model: { ...withPrefix(enc, ''), mask_token: headB } }, 'mocov3', 'mae.pth'),
      'MAE',
      'format: mae',
    );
    throwsCheckpointError(
      () => mapCheckpoint({ state_dict: withPrefix(enc, 'module.base_encoder.') }, 'timm', 'm.pth.tar'),
      'MoCo v3',
      'format: mocov3',
    );
    throwsCheckpointError(() => mapCheckpoint(toHf(enc), 'jax', 'model.safetensors'), 'format: hf');
  });

  it('explains files that hold no ViT weights', () => {
    throwsCheckpointError(() => mapCheckpoint([1, 2], 'auto', 'a.pth'), 'a.pth', 'a list');
    throwsCheckpointError(
      () => mapCheckpoint({ epoch: 3, args: 'x' }, 'auto', 'b.pth'),
      'found no weights',
      'epoch',
    );
    throwsCheckpointError(
      () => mapCheckpoint({ 'conv1.weight': headW }, 'auto', 'resnet.pth'),
      'do not look like a Vision Transformer',
      'conv1.weight',
    );
  });

  it('keeps unknown block parameters in the backbone so that validation reports them', () => {
    const m = mapCheckpoint({ ...timmFlat, 'blocks.0.ls1.gamma': headB }, 'auto', 'f');
    assert.ok(m.backbone.has('blocks.0.ls1.gamma'));
  });

  it('infers the backbone size from a timm backbone', () => {
    assert.deepEqual(inferBackboneSize(enc), { embedDim: 8, depth: 2, patchSize: 4, gridSize: 3 });
    assert.throws(() => inferBackboneSize(new Map()), /patch_embed\.proj\.weight/);
  });
});

// ---------------------------------------------------------------- real PyTorch fixtures

const FIXTURES = path.resolve(__dirname, '../../fixtures/parity');
describe('checkpoint layouts (PyTorch fixtures)', () => {
  const files = LAYOUT_FILES;
  const expectedFormat: Record<string, string> = {
    'timm.pth': 'timm',
    'timm.safetensors': 'timm',
    'mae.pth': 'mae',
    'mocov3.pth.tar': 'mocov3',
    'mocov3_linear.pth.tar': 'mocov3',
    'jax.npz': 'jax',
    'hf_vit.safetensors': 'hf',
    'hf_vitmae.safetensors': 'hf',
    'spt_authors_deep.pth': 'spt',
    'spt_authors_shallow.pth': 'spt',
  };
  const cache = new Map<string, MappedCheckpoint>();
  function load(ctx: Mocha.Context, name: string): MappedCheckpoint {
    const file = path.join(FIXTURES, name);
    if (!fs.existsSync(file)) ctx.skip();
    let m = cache.get(name);
    if (!m) {
      m = mapCheckpoint(readCheckpointFile(file).value, 'auto', file);
      cache.set(name, m);
    }
    return m;
  }

  for (const name of files) {
    it(`${name}: format ${expectedFormat[name]}, same backbone as timm.pth`, function () {
      const ref = load(this, 'timm.pth');
      const m = load(this, name);
      assert.equal(m.format, expectedFormat[name]);
      assertSameBackbone(m.backbone, ref.backbone, 1e-6);
      assert.deepEqual(inferBackboneSize(m.backbone), {
        embedDim: 32,
        depth: 3,
        patchSize: 8,
        gridSize: 4,
        ...(name === 'jax.npz' ? { numHeads: 4 } : {}),
      });
    });
  }

  it('SPT files yield deep (3,4,32) / shallow (1,4,32) prompts and a (5,32) head', function () {
    const deep = load(this, 'spt_authors_deep.pth');
    const shallow = load(this, 'spt_authors_shallow.pth');
    assert.deepEqual(deep.prompts?.shape, [3, 4, 32]);
    assert.deepEqual(shallow.prompts?.shape, [1, 4, 32]);
    for (const m of [deep, shallow]) {
      assert.deepEqual(m.head?.weight.shape, [5, 32]);
      assert.deepEqual(m.head?.bias.shape, [5]);
    }
  });

  it('pretrained heads, decoders and momentum encoders end up in ignoredKeys', function () {
    assert.ok(load(this, 'timm.pth').ignoredKeys.includes('head.weight'));
    assert.ok(load(this, 'mae.pth').ignoredKeys.includes('mask_token'));
    const moco = load(this, 'mocov3.pth.tar');
    assert.ok(moco.ignoredKeys.includes('module.base_encoder.head.0.weight'));
    assert.ok(moco.ignoredKeys.includes('module.predictor.0.weight'));
    assert.ok(load(this, 'jax.npz').ignoredKeys.includes('head/kernel'));
    assert.ok(load(this, 'hf_vit.safetensors').ignoredKeys.includes('pooler.dense.weight'));
  });
});
