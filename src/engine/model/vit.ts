/**
 * The prompted ViT forward pass (spec sections 1, 2 and 4), timm's structure:
 * patch embed -> [CLS] + pos -> insert prompts -> blocks (deep: replace prompts before each) -> pool.
 * Shapes: B batch, g grid side, P patch side, T = g*g patches, N prompts, L = 1 + N + T, D width.
 */

import type { ViTConfig } from '../../config/architectures';
import type { Pool, PromptMode } from '../../config/methods';
import { type Tensor, tf } from '../tf';
import { attention } from './attention';
import type { BlockDropPath } from './drop-path';
import { frozenBlock } from './frozen-block';
import { gelu, layerNorm, linear } from './layers';
import type { BlockWeights, ViTWeights } from './vit-weights';

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
  /** Training with stochastic depth: per block, the per-sample branch scales (null: none). */
  dropPath?: readonly (BlockDropPath | null)[];
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
  drop?: BlockDropPath | null,
): { x: Tensor; probs?: Tensor } {
  if (b.attn.heads && !keepProbs) return { x: frozenBlock(x, b, cfg, drop ?? undefined) };
  // stochastic depth (timm's DropPath): each residual branch times its per-sample scale [B, 1, 1]
  const scaled = (t: Tensor, s: Tensor | undefined) => (s ? tf.mul(t, s) : t);
  const a = attention(layerNorm(x, b.norm1, cfg.layerNormEps), b.attn, cfg.numHeads, keepProbs);
  const x1 = tf.add(x, scaled(a.out, drop?.attn)); // [B, L, D]
  const h = gelu(linear(layerNorm(x1, b.norm2, cfg.layerNormEps), b.fc1)); // [B, L, 4D]
  return { x: tf.add(x1, scaled(linear(h, b.fc2), drop?.mlp)), probs: a.probs }; // [B, L, D]
}

/** [CLS] + pos_embed, then prompts inserted right after CLS (prompts get no position embedding). */
function embedTokens(images: Tensor, w: ViTWeights, cfg: ViTConfig, prompts?: PromptInput): Tensor {
  const patches = patchEmbed(images, w, cfg); // [B, T, D]
  const B = patches.shape[0];
  const cls = broadcastRows(w.cls, B); // [B, 1, D]
  if (!prompts) return tf.add(tf.concat([cls, patches], 1), w.pos); // [B, 1+T, D]
  // [CLS, 0 x N, patches] + pos with a zero gap, then the prompts added into the gap: the prompts'
  // gradient is a sum, not the split of a concat (one full copy of dy per part on wasm).
  const set = prompts.sets[0]; // [1, N, D]
  const [N, D] = [set.shape[1] as number, cfg.embedDim];
  const T = patches.shape[1] as number;
  const pos = tf.concat(
    [tf.slice(w.pos, [0, 0, 0], [1, 1, D]), tf.zeros([1, N, D]), tf.slice(w.pos, [0, 1, 0], [1, T, D])],
    1,
  ); // [1, L, D]
  const x = tf.add(tf.concat([cls, tf.zeros([B, N, D]), patches], 1), pos); // [B, 1+N+T, D]
  return replacePrompts(x, set, false); // [B, 1+N+T, D]
}

/**
 * [B, N, D] copies of `set` ([1, N, D]). An add to zeros, not tf.broadcastTo: broadcastTo is a Tile,
 * whose gradient is one slice and one add per batch row; an add's gradient is a single sum.
 */
function broadcastRows(set: Tensor, B: number): Tensor {
  return tf.add(set, tf.zeros([B, ...set.shape.slice(1)])); // [B, N, D]
}

/**
 * Rows 1..N of x ([B, L, D]) replaced by `set` ([1, N, D]) (deep prompts: replace, never accumulate),
 * as x * keep + padded prompts: two passes forward and two back, where slices and a concat copy x
 * several times over (tfjs-wasm's slice copies its whole input per call). `clear` false: those rows
 * of x are already zero. The values are those of a concat (x * 1, x + 0 and 0 + p are exact).
 */
function replacePrompts(x: Tensor, set: Tensor, clear = true): Tensor {
  const L = x.shape[1] as number;
  const N = set.shape[1] as number;
  const padded = tf.pad(set, [
    [0, 0],
    [1, L - 1 - N],
    [0, 0],
  ]); // [1, L, D], zero outside rows 1..N
  if (!clear) return tf.add(x, padded);
  const keep = new Float32Array(L).fill(1).fill(0, 1, 1 + N);
  return tf.add(tf.mul(x, tf.tensor3d(keep, [1, L, 1])), padded); // [B, L, D]
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
      x = replacePrompts(x, prompts.sets[i]); // replace, never accumulate
    }
    opts.onBlockInput?.(i, x);
    const keep = opts.attentionLayers?.has(i) ?? false;
    // One scope per block: its intermediates go as soon as it returns (what the backward pass needs,
    // tfjs keeps anyway), so the forward pass never holds every block's temporaries at once.
    const [out, probs] = tf.tidy(() => {
      const o = block(x, w.blocks[i], cfg, keep, opts.dropPath?.[i]);
      return o.probs ? [o.x, o.probs] : [o.x];
    });
    x = out;
    if (probs) attn.set(i, probs);
  }
  return { tokens: x, attention: attn };
}

/** cls: norm then token 0 (supervised, MoCo v3). mean: mean of all but CLS, then norm (MAE). */
export function pool(tokens: Tensor, w: ViTWeights, cfg: ViTConfig, how: Pool): Tensor {
  const [B, L, D] = tokens.shape;
  if (how === 'cls') {
    // LayerNorm is per token: norm the CLS token alone (the same numbers as norm-then-slice).
    return layerNorm(tf.reshape(tf.slice(tokens, [0, 0, 0], [B, 1, D]), [B, D]), w.norm, cfg.layerNormEps); // [B, D]
  }
  const avg = tf.mean(tf.slice(tokens, [0, 1, 0], [B, L - 1, D]), 1); // [B, D]
  return layerNorm(avg, w.norm, cfg.layerNormEps); // [B, D]
}
