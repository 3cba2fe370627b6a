/**
 * Hugging Face `ViTModel` / `ViTMAEModel` weights (optionally under `vit.`) -> canonical timm names.
 * Separate query/key/value linears are stacked into timm's fused qkv (q rows first, then k, then v).
 */

import { CheckpointError } from '../../run-folder/tensors/checkpoint-error';
import type { HostTensor, TensorMap } from '../../run-folder/tensors/host-tensor';
import { concat0 } from './host-ops';
import type { ConvertedBackbone } from './layout-jax';

const LAYER = /^encoder\.layer\.(\d+)\./;

const RENAMES: [string, string][] = [
  ['embeddings.cls_token', 'cls_token'],
  ['embeddings.position_embeddings', 'pos_embed'],
  ['embeddings.patch_embeddings.projection.weight', 'patch_embed.proj.weight'],
  ['embeddings.patch_embeddings.projection.bias', 'patch_embed.proj.bias'],
  ['layernorm.weight', 'norm.weight'],
  ['layernorm.bias', 'norm.bias'],
];

const BLOCK_RENAMES: [string, string][] = [
  ['layernorm_before', 'norm1'],
  ['layernorm_after', 'norm2'],
  ['attention.output.dense', 'attn.proj'],
  ['intermediate.dense', 'mlp.fc1'],
  ['output.dense', 'mlp.fc2'],
];

/** `prefix` is what precedes `embeddings.` in the key names (`vit.` or empty). */
export function convertHf(sd: TensorMap, prefix: string, file: string): ConvertedBackbone {
  const backbone: TensorMap = new Map();
  const used = new Set<string>();
  const get = (name: string): HostTensor | undefined => {
    const t = sd.get(prefix + name);
    if (t) used.add(prefix + name);
    return t;
  };
  const need = (name: string): HostTensor => {
    const t = get(name);
    if (!t) throw new CheckpointError(file, `Hugging Face ViT weight '${prefix}${name}' is missing`);
    return t;
  };
  for (const [from, to] of RENAMES) backbone.set(to, need(from));

  const layers = new Set<number>();
  for (const key of sd.keys()) {
    if (!key.startsWith(prefix)) continue;
    const m = LAYER.exec(key.slice(prefix.length));
    if (m) layers.add(Number(m[1]));
  }
  for (const i of [...layers].sort((a, b) => a - b)) {
    const src = `encoder.layer.${i}.`;
    const dst = `blocks.${i}.`;
    for (const p of ['weight', 'bias']) {
      for (const [from, to] of BLOCK_RENAMES) backbone.set(`${dst}${to}.${p}`, need(`${src}${from}.${p}`));
      const qkv = ['query', 'key', 'value'].map((n) => need(`${src}attention.attention.${n}.${p}`));
      backbone.set(`${dst}attn.qkv.${p}`, concat0(qkv));
    }
  }
  // pooler.*, classifier.*, decoder.* (ViTMAE pre-training) and anything else are not the backbone.
  const ignoredKeys = [...sd.keys()].filter((k) => !used.has(k));
  return { backbone, ignoredKeys };
}
