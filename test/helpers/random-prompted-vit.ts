/**
 * A frozen random ViT with deep VPT (xavier) prompts and a CLS linear head, as the bench and the
 * wasm measurement scripts train it: the model's numbers do not matter there, only its shapes.
 */

import type { ViTConfig } from '../../src/config/architectures';
import { initHead } from '../../src/engine/model/head';
import { PromptedViT } from '../../src/engine/model/prompted-vit';
import { vitWeightsFromState } from '../../src/engine/model/vit-weights';
import { xavierPrompts } from '../../src/engine/prompts/init-xavier';
import { promptParamsFromHost } from '../../src/engine/prompts/prompt-params';
import { Rng } from '../../src/engine/util/rng';
import { randomVitState } from './random-state';

export function randomPromptedViT(
  cfg: ViTConfig,
  opts: { prompts?: number; classes?: number; pretransposed?: boolean } = {},
): PromptedViT {
  const { prompts = 10, classes = 10, pretransposed } = opts;
  const w = vitWeightsFromState(randomVitState(cfg, 1), cfg, { trainable: false, pretransposed });
  const rng = new Rng(1);
  const params = promptParamsFromHost(
    xavierPrompts(rng, cfg.depth, prompts, cfg.embedDim, cfg.patchSize),
    'deep',
    cfg.depth,
    cfg.embedDim,
  );
  return new PromptedViT(cfg, w, initHead(cfg.embedDim, classes, rng), 'cls', 'vpt', params);
}
