/**
 * Google's original JAX/Flax ViT arrays (`ViT-B_16.npz`) -> canonical timm names and PyTorch shapes,
 * as timm's `_load_weights` converts them.
 */

import { CheckpointError } from '../../run-folder/tensors/checkpoint-error';
import { formatShape, type HostTensor, type TensorMap } from '../../run-folder/tensors/host-tensor';
import { concat0, permute, reshape, transpose2d } from './host-ops';

export interface ConvertedBackbone {
  backbone: TensorMap;
  ignoredKeys: string[];
  /** Known only where the layout stores per-head shapes (JAX). */
  numHeads?: number;
}

const BLOCK = /^Transformer\/encoderblock_(\d+)\/(.+)$/;

/**
 * `sd` holds the file's arrays; `prefix` is what precedes `embedding/kernel` in their names
 * (usually empty; `opt/target/` or `params/` in some Flax exports).
 */
export function convertJax(sd: TensorMap, prefix: string, file: string): ConvertedBackbone {
  const backbone: TensorMap = new Map();
  const ignoredKeys: string[] = [];
  const used = new Set<string>();
  let numHeads: number | undefined;
  const get = (name: string): HostTensor | undefined => {
    const t = sd.get(prefix + name);
    if (t) used.add(prefix + name);
    return t;
  };
  const need = (name: string, rank: number): HostTensor => {
    const t = get(name);
    if (!t) throw new CheckpointError(file, `JAX ViT array '${prefix}${name}' is missing`);
    if (t.shape.length !== rank) {
      throw new CheckpointError(
        file,
        `JAX ViT array '${prefix}${name}' has shape ${formatShape(t.shape)}, expected ${rank} dimensions`,
      );
    }
    return t;
  };

  // (p, p, 3, D) HWIO -> (D, 3, p, p) OIHW
  backbone.set('patch_embed.proj.weight', permute(need('embedding/kernel', 4), [3, 2, 0, 1]));
  backbone.set('patch_embed.proj.bias', need('embedding/bias', 1));
  backbone.set('cls_token', need('cls', 3));
  backbone.set('pos_embed', need('Transformer/posembed_input/pos_embedding', 3));
  backbone.set('norm.weight', need('Transformer/encoder_norm/scale', 1));
  backbone.set('norm.bias', need('Transformer/encoder_norm/bias', 1));

  const blocks = new Set<number>();
  for (const key of sd.keys()) {
    if (!key.startsWith(prefix)) continue;
    const m = BLOCK.exec(key.slice(prefix.length));
    if (m) blocks.add(Number(m[1]));
  }
  for (const i of [...blocks].sort((a, b) => a - b)) {
    const src = `Transformer/encoderblock_${i}/`;
    const dst = `blocks.${i}.`;
    const att = `${src}MultiHeadDotProductAttention_1/`;
    backbone.set(`${dst}norm1.weight`, need(`${src}LayerNorm_0/scale`, 1));
    backbone.set(`${dst}norm1.bias`, need(`${src}LayerNorm_0/bias`, 1));
    backbone.set(`${dst}norm2.weight`, need(`${src}LayerNorm_2/scale`, 1));
    backbone.set(`${dst}norm2.bias`, need(`${src}LayerNorm_2/bias`, 1));
    // q/k/v kernels (D, H, hd) -> (H*hd, D) each, stacked to (3D, D); biases (H, hd) -> (3D,)
    const qkvW: HostTensor[] = [];
    const qkvB: HostTensor[] = [];
    for (const part of ['query', 'key', 'value']) {
      const k = need(`${att}${part}/kernel`, 3);
      const b = need(`${att}${part}/bias`, 2);
      const [d, h, hd] = k.shape;
      if (numHeads === undefined) numHeads = h;
      qkvW.push(transpose2d(reshape(k, [d, h * hd])));
      qkvB.push(reshape(b, [b.shape[0] * b.shape[1]]));
    }
    backbone.set(`${dst}attn.qkv.weight`, concat0(qkvW));
    backbone.set(`${dst}attn.qkv.bias`, concat0(qkvB));
    // out kernel (H, hd, D) -> (D, H*hd)
    const ok = need(`${att}out/kernel`, 3);
    backbone.set(
      `${dst}attn.proj.weight`,
      transpose2d(reshape(ok, [ok.shape[0] * ok.shape[1], ok.shape[2]])),
    );
    backbone.set(`${dst}attn.proj.bias`, need(`${att}out/bias`, 1));
    // Dense kernels (in, out) -> (out, in)
    backbone.set(`${dst}mlp.fc1.weight`, transpose2d(need(`${src}MlpBlock_3/Dense_0/kernel`, 2)));
    backbone.set(`${dst}mlp.fc1.bias`, need(`${src}MlpBlock_3/Dense_0/bias`, 1));
    backbone.set(`${dst}mlp.fc2.weight`, transpose2d(need(`${src}MlpBlock_3/Dense_1/kernel`, 2)));
    backbone.set(`${dst}mlp.fc2.bias`, need(`${src}MlpBlock_3/Dense_1/bias`, 1));
  }
  // The pretrained classifier (`head/*`) and IN-21k's `pre_logits/*` are not part of the backbone.
  for (const key of sd.keys()) if (!used.has(key)) ignoredKeys.push(key);
  return numHeads === undefined ? { backbone, ignoredKeys } : { backbone, ignoredKeys, numHeads };
}
