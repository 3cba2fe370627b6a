/** Puts checkpoint tensors (prompts, head, and the backbone for full fine-tuning) back into a model. */
import type { HostTensor } from '../../run-folder/tensors/host-tensor';
import type { PromptedViT } from '../model/prompted-vit';
import { backboneTensors } from '../model/vit-weights';
import { tf } from '../tf';

function need(tensors: Map<string, HostTensor>, key: string): HostTensor {
  const t = tensors.get(key);
  if (!t) throw new Error(`the checkpoint has no '${key}'`);
  return t;
}

export function restoreModelTensors(model: PromptedViT, tensors: Map<string, HostTensor>): void {
  if (model.prompts) {
    const p = need(tensors, 'prompts'); // (S, N, D)
    const per = p.data.length / model.prompts.sets.length;
    model.prompts.sets.forEach((v, s) => {
      v.assign(tf.tensor((p.data as Float32Array).subarray(s * per, (s + 1) * per), v.shape));
    });
  }
  const w = need(tensors, 'head.weight'); // (C, D)
  tf.tidy(() =>
    model.head.w.assign(tf.transpose(tf.tensor2d(w.data as Float32Array, w.shape as [number, number]))),
  );
  model.head.b.assign(tf.tensor1d(need(tensors, 'head.bias').data as Float32Array));
  if (model.method === 'full') {
    // Same traversal order as backboneTensors (no pre-transposed copies when trainable).
    const vars = backboneTensors(model.backbone) as tf.Variable[];
    const byName = new Map<string, tf.Variable>();
    const ordered = orderedBackboneNames(model.backbone.blocks.length);
    for (let i = 0; i < ordered.length; i++) byName.set(ordered[i], vars[i]);
    for (const [name, v] of byName) {
      const t = need(tensors, `backbone.${name}`);
      tf.tidy(() => {
        const x = tf.tensor(t.data as Float32Array, t.shape);
        v.assign(
          v.rank === 2 && /weight$/.test(name)
            ? tf.transpose(tf.reshape(x, [t.shape[0], -1]))
            : tf.reshape(x, v.shape),
        );
      });
    }
  }
}

/** timm names in backboneTensors() order: patch (w, b), cls, pos, blocks..., norm. */
function orderedBackboneNames(depth: number): string[] {
  const blockKeys = (i: number) =>
    [
      'norm1.weight',
      'norm1.bias',
      'attn.qkv.weight',
      'attn.qkv.bias',
      'attn.proj.weight',
      'attn.proj.bias',
      'norm2.weight',
      'norm2.bias',
      'mlp.fc1.weight',
      'mlp.fc1.bias',
      'mlp.fc2.weight',
      'mlp.fc2.bias',
    ].map((k) => `blocks.${i}.${k}`);
  return [
    'patch_embed.proj.weight',
    'patch_embed.proj.bias',
    'cls_token',
    'pos_embed',
    ...Array.from({ length: depth }, (_, i) => blockKeys(i)).flat(),
    'norm.weight',
    'norm.bias',
  ];
}
