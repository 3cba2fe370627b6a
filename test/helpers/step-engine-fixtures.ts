/**
 * The tiny models and batches the step-engine tests train (test/webgpu/step-engine.test.ts,
 * test/unit/native/native-step-engine.test.ts): a frozen random ViT with xavier prompts (deep, shallow or
 * none) and a 5-class head, and seeded image batches.
 */

import type { ViTConfig } from '../../src/config/architectures';
import type { Pool, PromptMode } from '../../src/config/methods';
import { initHead } from '../../src/engine/model/head';
import { PromptedViT } from '../../src/engine/model/prompted-vit';
import { vitWeightsFromState } from '../../src/engine/model/vit-weights';
import { xavierPrompts } from '../../src/engine/prompts/init-xavier';
import { promptParamsFromHost } from '../../src/engine/prompts/prompt-params';
import { AdamW } from '../../src/engine/train/adamw';
import { paramGroups } from '../../src/engine/train/param-groups';
import { Rng } from '../../src/engine/util/rng';
import { randomVitState } from './random-state';

export const STEP_TEST_CLASSES = 5;

export function stepTestModel(
  cfg: ViTConfig,
  mode: PromptMode | null,
  pool: Pool,
): { m: PromptedViT; opt: AdamW } {
  const w = vitWeightsFromState(randomVitState(cfg, 7), cfg, { trainable: false });
  const rng = new Rng(11);
  const sets = mode === 'deep' ? cfg.depth : 1;
  const prompts = mode
    ? promptParamsFromHost(
        xavierPrompts(rng, sets, 3, cfg.embedDim, cfg.patchSize),
        mode,
        cfg.depth,
        cfg.embedDim,
      )
    : undefined;
  const head = initHead(cfg.embedDim, STEP_TEST_CLASSES, rng);
  const m = new PromptedViT(cfg, w, head, pool, mode ? 'vpt' : 'linear', prompts);
  return { m, opt: new AdamW(paramGroups(m, 0.001, 0.01)) };
}

export function stepTestBatch(
  cfg: ViTConfig,
  step: number,
  B: number,
): { images: Float32Array; labels: number[] } {
  const rng = new Rng(100 + step);
  const S = cfg.imageSize;
  const images = new Float32Array(B * S * S * 3);
  for (let i = 0; i < images.length; i++) images[i] = rng.uniform() * 4 - 2;
  return { images, labels: Array.from({ length: B }, (_, i) => (i * 2 + step) % STEP_TEST_CLASSES) };
}
