/** Layout and ViT size from checkpoint headers only (safetensors header, torch pickle stubs, npz listing). */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { archMismatch, readCheckpointHeaderInfo } from '../../../src/engine/checkpoint/header-check';
import { CheckpointError } from '../../../src/run-folder/tensors/checkpoint-error';
import {
  hfShapes,
  PARITY,
  tempDir,
  vitShapes,
  writeHeaderOnlySafetensors,
  writeHostileTorch,
} from '../server/checkpoint-fixtures';

const TINY = { embedDim: 32, depth: 3, patchSize: 8, numHeads: 4 };
const VIT_B = { name: 'vit_base_patch16_224', embedDim: 768, depth: 12, patchSize: 16, numHeads: 12 };

describe('checkpoint header check', () => {
  const cases: [string, string, string, string][] = [
    ['timm.pth', 'torch', 'timm', ''],
    ['timm.safetensors', 'safetensors', 'timm', ''],
    ['mae.pth', 'torch', 'mae', ''],
    ['mocov3.pth.tar', 'torch', 'mocov3', 'module.base_encoder.'],
    ['mocov3_linear.pth.tar', 'torch', 'mocov3', 'module.'],
    ['jax.npz', 'npz', 'jax', ''],
    ['hf_vit.safetensors', 'safetensors', 'hf', ''],
    ['hf_vitmae.safetensors', 'safetensors', 'hf', 'vit.'],
    ['spt_authors_shallow.pth', 'torch', 'spt', ''],
  ];
  for (const [file, format, layout, prefix] of cases) {
    it(`${file}: ${format} file, ${layout} layout, D 32, depth 3, patch 8, grid 4`, () => {
      const info = readCheckpointHeaderInfo(path.join(PARITY, file));
      assert.equal(info.format, format);
      assert.equal(info.layout, layout);
      assert.equal(info.prefix, prefix);
      assert.deepEqual([info.embedDim, info.depth, info.patchSize, info.grid], [32, 3, 8, 4]);
      assert.equal(
        info.numHeads,
        layout === 'jax' ? 4 : undefined,
        'heads only where the layout stores them',
      );
      assert.equal(archMismatch(info, TINY), undefined);
    });
  }

  it('names the layout and what it expects when the arch does not fit', () => {
    const jax = readCheckpointHeaderInfo(path.join(PARITY, 'jax.npz'));
    assert.equal(
      archMismatch(jax, VIT_B),
      "the checkpoint (Google JAX layout) is a ViT with embed_dim 32, depth 3, patch 8, 4 heads, but backbone.arch is vit_base_patch16_224 (embed_dim 768, depth 12, patch 16, 12 heads); in the Google JAX layout that arch expects 'embedding/kernel' of shape (16, 16, 3, 768) and 12 blocks ('Transformer/encoderblock_0.*' .. 'Transformer/encoderblock_11.*')",
    );
    const moco = readCheckpointHeaderInfo(path.join(PARITY, 'mocov3.pth.tar'));
    assert.match(
      archMismatch(moco, VIT_B) ?? '',
      /MoCo v3 layout.*'module\.base_encoder\.patch_embed\.proj\.weight' of shape \(768, 3, 16, 16\) and 12 blocks \('module\.base_encoder\.blocks\.0\.\*'/,
    );
    assert.match(archMismatch(jax, { ...TINY, numHeads: 8 }) ?? '', /4 heads, but .*8 heads\)/);
  });

  it('reads a ViT-B header (sparse data, never read) and reports the mismatch with a small arch', () => {
    const dir = tempDir();
    const file = path.join(dir, 'vit_b.safetensors');
    writeHeaderOnlySafetensors(file, vitShapes('vit_base_patch16_224'));
    assert.ok(fs.statSync(file).size > 150e6, 'the header claims all of ViT-B');
    const t0 = performance.now();
    const info = readCheckpointHeaderInfo(file);
    assert.ok(performance.now() - t0 < 1000, 'header only');
    assert.deepEqual(
      [info.format, info.layout, info.embedDim, info.depth, info.patchSize, info.grid],
      ['safetensors', 'timm', 768, 12, 16, 14],
    );
    assert.equal(archMismatch(info, VIT_B), undefined);
    assert.equal(
      archMismatch(info, { name: 'vit_tiny_patch16_224', embedDim: 192, depth: 12, patchSize: 16 }),
      "the checkpoint (timm layout) is a ViT with embed_dim 768, depth 12, patch 16, but backbone.arch is vit_tiny_patch16_224 (embed_dim 192, depth 12, patch 16); in the timm layout that arch expects 'patch_embed.proj.weight' of shape (192, 3, 16, 16) and 12 blocks ('blocks.0.*' .. 'blocks.11.*')",
    );

    const hf = path.join(dir, 'model.safetensors');
    writeHeaderOnlySafetensors(hf, hfShapes('vit_base_patch16_224'));
    const hfInfo = readCheckpointHeaderInfo(hf);
    assert.deepEqual([hfInfo.layout, hfInfo.embedDim, hfInfo.depth, hfInfo.patchSize], ['hf', 768, 12, 16]);
    assert.match(
      archMismatch(hfInfo, TINY) ?? '',
      /Hugging Face layout.*'embeddings\.patch_embeddings\.projection\.weight' of shape \(32, 3, 8, 8\) and 3 blocks \('encoder\.layer\.0\.\*' \.\. 'encoder\.layer\.2\.\*'\)/,
    );
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a hostile pickle without running it', () => {
    const dir = tempDir();
    const file = path.join(dir, 'evil.pth');
    writeHostileTorch(file);
    assert.throws(
      () => readCheckpointHeaderInfo(file),
      (e: Error) =>
        e.name === 'UnsafePickleError' && /refused to load: the pickle asks for 'os\.system'/.test(e.message),
    );
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reports files that are not a ViT checkpoint or in no supported format', () => {
    assert.throws(
      () => readCheckpointHeaderInfo(path.join(PARITY, 'features.safetensors')),
      (e: Error) => e instanceof CheckpointError && /do not look like a Vision Transformer/.test(e.message),
    );
    assert.throws(
      () => readCheckpointHeaderInfo(path.join(PARITY, 'images.txt')),
      (e: Error) => e instanceof CheckpointError && /in no format SPT Studio reads/.test(e.message),
    );
    assert.throws(
      () => readCheckpointHeaderInfo(path.join(PARITY, 'missing.pth')),
      (e: Error) => e instanceof CheckpointError && /does not exist/.test(e.message),
    );
  });
});
