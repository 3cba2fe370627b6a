/**
 * A frozen (or, for `full`, trainable) ViT with optional prompts and a task head: the model every
 * method of the project trains. `forwardFeatures -> pool -> head`, as timm.
 */

import type { ViTConfig } from '../../config/architectures';
import { type Method, methodHasPrompts, type Pool } from '../../config/methods';
import { asPromptInput, disposePrompts, type PromptParams } from '../prompts/prompt-params';
import { type Tensor, tf } from '../tf';
import { applyHead, disposeHead, type HeadParams } from './head';
import { type ForwardOptions, forwardFeatures, pool } from './vit';
import { backboneParamCount, backboneTensors, disposeViTWeights, type ViTWeights } from './vit-weights';

export interface ModelOutput {
  logits: Tensor; // [B, C]
  attention: Map<number, Tensor>; // layer -> [B, H, L, L]
}

export class PromptedViT {
  /**
   * `train.drop_path`: stochastic depth in the backbone during training steps (0: none). The trainer's
   * step draws the masks (drop-path.ts); `forward` applies only masks it is given.
   */
  dropPath = 0;

  constructor(
    readonly cfg: ViTConfig,
    readonly backbone: ViTWeights,
    readonly head: HeadParams,
    readonly poolMode: Pool,
    readonly method: Method,
    readonly prompts?: PromptParams,
  ) {
    if (!methodHasPrompts(method) && prompts)
      throw new Error('method linear trains no prompts: set prompt.length to 0');
    if ((method === 'vpt' || method === 'spt') && !prompts) throw new Error(`method ${method} needs prompts`);
  }

  /** images [B, H, W, 3] normalised -> logits [B, C]. */
  forward(images: Tensor, opts: ForwardOptions = {}): ModelOutput {
    const prompts = this.prompts ? asPromptInput(this.prompts) : undefined;
    const { tokens, attention } = forwardFeatures(images, this.backbone, this.cfg, prompts, opts); // [B, L, D]
    const pooled = pool(tokens, this.backbone, this.cfg, this.poolMode); // [B, D]
    return { logits: applyHead(pooled, this.head), attention }; // [B, C]
  }

  /** The variables the optimizer updates, in a stable order: prompts, head, then backbone (full). */
  trainableVariables(): tf.Variable[] {
    const vars: tf.Variable[] = [...(this.prompts?.sets ?? []), this.head.w, this.head.b];
    if (this.method === 'full') {
      for (const t of backboneTensors(this.backbone)) {
        if (!(t instanceof tf.Variable)) throw new Error('full fine-tuning needs a trainable backbone');
        vars.push(t);
      }
    }
    return vars;
  }

  paramCounts(): { trainable: number; prompts: number; head: number; backbone: number } {
    const promptCount = (this.prompts?.sets ?? []).reduce((n, v) => n + v.size, 0);
    const head = this.head.w.size + this.head.b.size;
    const backbone = backboneParamCount(this.backbone);
    const trainable = promptCount + head + (this.method === 'full' ? backbone : 0);
    return { trainable, prompts: promptCount, head, backbone };
  }

  dispose(): void {
    disposeViTWeights(this.backbone);
    disposeHead(this.head);
    if (this.prompts) disposePrompts(this.prompts);
  }
}
