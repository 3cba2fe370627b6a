/**
 * The prompted ViT forward pass (spec sections 1, 2 and 4), timm's structure:
 * patch embed -> [CLS] + pos -> insert prompts -> blocks (deep: replace prompts before each) -> pool.
 * Shapes: B batch, g grid side, P patch side, T = g*g patches, N prompts, L = 1 + N + T, D width.
 */
import { type Tensor, tf } from '../tf';
import { attention } from './attention';
import { gelu, layerNorm, linear } from './layers';
import type { ViTConfig } from './vit-config';
import type { BlockWeights, ViTWeights } from './vit-weights';

export type PromptMode = 'shallow' | 'deep';
export type Pool = 'cls' | 'mean';

export interface PromptInput {
  mode: PromptMode;
  /** shallow: one [1, N, D]; deep: `depth` tensors [1, N, D], set i enters before block i. */
  sets: Tensor[];
}

export interface ForwardOptions {
  /** Called with the tokens entering block i ([B, L, D]; no prompts when none are given). */
  onBlockInput?: (layer: number, tokens: Tensor) => void;
  /** Layers whose attention probabilities [B, H, L, L] are returned. */
  attentionLayers?: ReadonlySet<number>;
}

export interface FeaturesOutput {
  tokens: Tensor; // [B, L, D] out of the last block, before the final norm
  attention: Map<number, Tensor>;
}

/** Images [B, H, W, C] (normalised, NHWC) -> patch tokens [B, T, D]. */
export function patchEmbed(images: Tensor, w: ViTWeights, cfg: ViTConfig): Tensor {
  const [B, Hh, Ww, C] = images.shape;
  const P = cfg.patchSize;
  const gh = Hh / P;
  const gw = Ww / P;
  const patches = tf.reshape(
    tf.transpose(tf.reshape(images, [B, gh, P, gw, P, C]), [0, 1, 3, 5, 2, 4]), // [B, gh, gw, C, P, P]
    [B * gh * gw, C * P * P],
  ); // [B*T, C*P*P], flattened in PyTorch's conv-weight order (C, ph, pw)
  return tf.reshape(linear(patches, w.patch), [B, gh * gw, cfg.embedDim]); // [B, T, D]
}

function block(
  x: Tensor,
  b: BlockWeights,
  cfg: ViTConfig,
  keepProbs: boolean,
): { x: Tensor; probs?: Tensor } {
  const a = attention(layerNorm(x, b.norm1, cfg.layerNormEps), b.attn, cfg.numHeads, keepProbs);
  const x1 = tf.add(x, a.out); // [B, L, D]
  const h = gelu(linear(layerNorm(x1, b.norm2, cfg.layerNormEps), b.fc1)); // [B, L, 4D]
  return { x: tf.add(x1, linear(h, b.fc2)), probs: a.probs }; // [B, L, D]
}

/** [CLS] + pos_embed, then prompts inserted right after CLS (prompts get no position embedding). */
function embedTokens(images: Tensor, w: ViTWeights, cfg: ViTConfig, prompts?: PromptInput): Tensor {
  const patches = patchEmbed(images, w, cfg); // [B, T, D]
  const B = patches.shape[0];
  const cls = tf.broadcastTo(w.cls, [B, 1, cfg.embedDim]); // [B, 1, D]
  const x = tf.add(tf.concat([cls, patches], 1), w.pos); // [B, 1+T, D]
  if (!prompts) return x;
  return insertPrompts(x, prompts.sets[0], 0); // [B, 1+N+T, D]
}

/** [CLS, P, patches]: `drop` prompt slots after CLS are replaced by `set` ([1, N, D]). */
function insertPrompts(x: Tensor, set: Tensor, drop: number): Tensor {
  const [B, L, D] = x.shape;
  const N = set.shape[1] as number;
  const cls = tf.slice(x, [0, 0, 0], [B, 1, D]); // [B, 1, D]
  const rest = tf.slice(x, [0, 1 + drop, 0], [B, L - 1 - drop, D]); // [B, T, D]
  return tf.concat([cls, tf.broadcastTo(set, [B, N, D]), rest], 1); // [B, 1+N+T, D]
}

/** Runs the blocks; returns the last block's tokens before the final norm. */
export function forwardFeatures(
  images: Tensor,
  w: ViTWeights,
  cfg: ViTConfig,
  prompts?: PromptInput,
  opts: ForwardOptions = {},
): FeaturesOutput {
  let x = embedTokens(images, w, cfg, prompts); // [B, L, D]
  const attn = new Map<number, Tensor>();
  for (let i = 0; i < w.blocks.length; i++) {
    if (prompts?.mode === 'deep' && i > 0) {
      x = insertPrompts(x, prompts.sets[i], prompts.sets[i].shape[1] as number); // replace, never accumulate
    }
    opts.onBlockInput?.(i, x);
    const keep = opts.attentionLayers?.has(i) ?? false;
    const out = block(x, w.blocks[i], cfg, keep);
    x = out.x;
    if (out.probs) attn.set(i, out.probs);
  }
  return { tokens: x, attention: attn };
}

/** cls: norm then token 0 (supervised, MoCo v3). mean: mean of all but CLS, then norm (MAE). */
export function pool(tokens: Tensor, w: ViTWeights, cfg: ViTConfig, how: Pool): Tensor {
  const [B, L, D] = tokens.shape;
  if (how === 'cls') {
    const normed = layerNorm(tokens, w.norm, cfg.layerNormEps); // [B, L, D]
    return tf.reshape(tf.slice(normed, [0, 0, 0], [B, 1, D]), [B, D]); // [B, D]
  }
  const avg = tf.mean(tf.slice(tokens, [0, 1, 0], [B, L - 1, D]), 1); // [B, D]
  return layerNorm(avg, w.norm, cfg.layerNormEps); // [B, D]
}
