/**
 * AdamW parameter groups (spec section 5): prompts decay with `weight_decay`, the head weight with
 * `wd_head` (deliberately strong), biases not at all. For full fine-tuning the backbone follows timm:
 * matrices decay with `weight_decay`; biases, LayerNorm weights, cls_token and pos_embed do not.
 */
import type { PromptedViT } from '../model/prompted-vit';
import { backboneTensors } from '../model/vit-weights';
import { tf } from '../tf';
import type { ParamGroup } from './adamw';

export function paramGroups(model: PromptedViT, weightDecay: number, wdHead: number): ParamGroup[] {
  const groups: ParamGroup[] = [];
  if (model.prompts) groups.push({ name: 'prompts', params: [...model.prompts.sets], weightDecay });
  groups.push({ name: 'head.weight', params: [model.head.w], weightDecay: wdHead });
  const noDecay: tf.Variable[] = [model.head.b];
  if (model.method === 'full') {
    const decay: tf.Variable[] = [];
    const special = new Set([model.backbone.cls, model.backbone.pos]);
    for (const t of backboneTensors(model.backbone)) {
      if (!(t instanceof tf.Variable)) continue;
      if (t.rank >= 2 && !special.has(t)) decay.push(t);
      else noDecay.push(t);
    }
    groups.push({ name: 'backbone', params: decay, weightDecay });
  }
  groups.push({ name: 'no-decay', params: noDecay, weightDecay: 0 });
  return groups;
}
