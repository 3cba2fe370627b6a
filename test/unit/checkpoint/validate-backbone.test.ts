import * as assert from 'node:assert/strict';
import { type ViTConfig, vitConfig } from '../../../src/config/architectures';
import { mapCheckpoint } from '../../../src/engine/checkpoint/layouts';
import { checkBackbone, expectedBackboneShapes } from '../../../src/engine/checkpoint/validate-backbone';
import { CheckpointError } from '../../../src/run-folder/tensors/checkpoint-error';
import type { TensorMap } from '../../../src/run-folder/tensors/host-tensor';
import { encoderShapes, makeEncoder, randomTensor, rng, TINY } from './synthetic-vit';

const TINY_CFG: ViTConfig = vitConfig({
  embed_dim: TINY.dim,
  depth: TINY.depth,
  num_heads: TINY.heads,
  patch_size: TINY.patch,
  image_size: TINY.grid * TINY.patch,
});

function failure(backbone: TensorMap, cfg: ViTConfig, file = 'ckpt.pth'): CheckpointError {
  try {
    checkBackbone(backbone, cfg, file);
  } catch (e) {
    assert.ok(e instanceof CheckpointError, String(e));
    return e;
  }
  assert.fail('checkBackbone accepted a bad backbone');
}

/** A timm-layout encoder of a named size with zero weights (shapes only matter here). */
function zeroEncoder(dim: number, depth: number, patch: number, grid: number): TensorMap {
  const m: TensorMap = new Map();
  for (const [k, s] of encoderShapes({ dim, depth, heads: 1, patch, grid })) {
    m.set(k, { dtype: 'float32', shape: s, data: new Float32Array(s.reduce((a, b) => a * b, 1)) });
  }
  return m;
}

describe('expectedBackboneShapes', () => {
  it("lists timm's keys and PyTorch shapes, pos_embed on the checkpoint's grid", () => {
    const shapes = expectedBackboneShapes(vitConfig('vit_base_patch16_224'), 24);
    assert.equal(shapes.size, 4 + 12 * 12 + 2);
    assert.deepEqual(shapes.get('pos_embed'), [1, 577, 768]);
    assert.deepEqual(shapes.get('patch_embed.proj.weight'), [768, 3, 16, 16]);
    assert.deepEqual(shapes.get('blocks.11.attn.qkv.weight'), [2304, 768]);
    assert.deepEqual(shapes.get('blocks.0.mlp.fc1.weight'), [3072, 768]);
    assert.deepEqual(shapes.get('blocks.0.mlp.fc2.weight'), [768, 3072]);
    assert.deepEqual(shapes.get('norm.bias'), [768]);
  });

  it('matches the synthetic encoder exactly', () => {
    const shapes = expectedBackboneShapes(TINY_CFG, TINY.grid);
    assert.deepEqual([...shapes], encoderShapes());
  });
});

describe('checkBackbone', () => {
  it('accepts a matching backbone, and a pos_embed on another grid (it is resampled)', () => {
    checkBackbone(makeEncoder(), TINY_CFG, 'ok.pth');
    const bigger = vitConfig(
      {
        embed_dim: TINY.dim,
        depth: TINY.depth,
        num_heads: TINY.heads,
        patch_size: TINY.patch,
        image_size: 56,
      },
      56,
    );
    checkBackbone(makeEncoder(), bigger, 'ok.pth');
  });

  it('summarises an architecture mismatch first, with the arch to set', () => {
    const small = zeroEncoder(384, 12, 16, 14);
    const e = failure(small, vitConfig('vit_base_patch16_224'), 'S-16.pth');
    const lines = e.problem.split('\n');
    assert.match(e.message, /^S-16\.pth: /);
    assert.equal(
      lines[1],
      '  - checkpoint is a ViT with embed_dim 384, depth 12, patch 16 but backbone.arch asks for ' +
        'vit_base_patch16_224 (768, 12, 16); set backbone.arch to vit_small_patch16_224',
    );
    assert.equal(e.fix, 'set backbone.arch to vit_small_patch16_224');
    assert.ok(e.problem.includes("'cls_token' has shape (1, 1, 384), expected (1, 1, 768)"));
  });

  it('suggests a custom size when no named ViT fits', () => {
    const tiny = mapCheckpoint(Object.fromEntries(makeEncoder()), 'auto', 'tiny.pth').backbone;
    const e = failure(tiny, vitConfig('vit_tiny_patch16_224'));
    assert.ok(e.problem.includes('checkpoint is a ViT with embed_dim 8, depth 2, patch 4'));
    assert.ok(e.fix?.includes('{embed_dim: 8, depth: 2, num_heads: <heads>, patch_size: 4'), e.fix);
  });

  it('collects every missing key and wrong shape in one error', () => {
    const b = makeEncoder();
    b.delete('blocks.1.mlp.fc2.bias');
    b.delete('norm.weight');
    b.set('blocks.0.attn.qkv.bias', randomTensor([3 * TINY.dim + 1], rng(1)));
    const e = failure(b, TINY_CFG);
    assert.ok(e.problem.includes("missing key 'blocks.1.mlp.fc2.bias' (expected shape (8,))"), e.problem);
    assert.ok(e.problem.includes("missing key 'norm.weight'"));
    assert.ok(e.problem.includes("'blocks.0.attn.qkv.bias' has shape (25,), expected (24,)"));
    assert.ok(e.problem.includes('3 problems'));
    assert.ok(!e.problem.includes('checkpoint is a ViT'), 'no architecture summary when the size matches');
  });

  it('reports unexpected keys (unsupported ViT variants) and a pos_embed that is not square', () => {
    const b = makeEncoder();
    b.set('blocks.0.ls1.gamma', randomTensor([TINY.dim], rng(2)));
    b.set('pos_embed', randomTensor([1, 11, TINY.dim], rng(2)));
    const e = failure(b, TINY_CFG);
    assert.ok(e.problem.includes("unexpected key 'blocks.0.ls1.gamma' (8,)"), e.problem);
    assert.ok(
      e.problem.includes("'pos_embed' has shape (1, 11, 8), which is not (1, 1 + g*g, 8)"),
      e.problem,
    );
  });

  it('names every weight holding NaN or Inf', () => {
    const b = makeEncoder();
    b.get('blocks.1.attn.proj.weight')!.data[9] = Number.NaN;
    b.get('norm.bias')!.data[0] = Number.POSITIVE_INFINITY;
    b.get('norm.bias')!.data[3] = Number.NEGATIVE_INFINITY;
    const e = failure(b, TINY_CFG);
    assert.ok(
      e.problem.includes("'blocks.1.attn.proj.weight' holds 1 non-finite value (first: NaN at [1, 1])"),
      e.problem,
    );
    assert.ok(
      e.problem.includes("'norm.bias' holds 2 non-finite values (first: Infinity at [0])"),
      e.problem,
    );
  });

  it('caps a long list and counts the rest', () => {
    const e = failure(zeroEncoder(384, 12, 16, 14), vitConfig('vit_base_patch16_224'));
    assert.match(e.problem, /\.\.\. and \d+ more$/);
  });
});
