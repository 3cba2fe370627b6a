/**
 * The benchmark's model configurations and their FLOPs per step: 2*M*N*K for every matrix product
 * (element-wise work not counted). Training = forward + the backward a frozen backbone needs with
 * prompts and head trainable: input gradients only through the frozen linears (one product each),
 * two products per attention product, none through the patch embedding, and the head's weight and
 * input gradients.
 */
import type { ViTConfig, vitConfig } from '../src/config/architectures';

export const CONFIG_ARCHS: Record<string, Parameters<typeof vitConfig>[0]> = {
  tiny: 'vit_tiny_patch16_224',
  small: { embed_dim: 192, depth: 6, num_heads: 3, patch_size: 4, image_size: 32 },
};

export const CONFIG_LABELS: Record<string, string> = {
  tiny: 'ViT-Ti/16, 224 px',
  small: 'small (dim 192, depth 6, 3 heads, 32 px / patch 4)',
};

export function flopsPerStep(
  cfg: ViTConfig,
  batch: number,
  mode: 'train' | 'forward',
  prompts: number,
  classes: number,
): number {
  const T = (cfg.imageSize / cfg.patchSize) ** 2;
  const L = 1 + prompts + T;
  const D = cfg.embedDim;
  const hidden = D * cfg.mlpRatio;
  const patch = 2 * batch * T * cfg.inChans * cfg.patchSize ** 2 * D;
  const linears = 2 * batch * L * (D * 3 * D + D * D + 2 * D * hidden); // qkv, proj, fc1, fc2
  const attention = 2 * 2 * batch * L * L * D; // q k^T and p v over all heads
  const head = 2 * batch * D * classes;
  const forward = patch + cfg.depth * (linears + attention) + head;
  if (mode === 'forward') return forward;
  return forward + cfg.depth * (linears + 2 * attention) + 2 * head;
}
