/**
 * Multi-head self-attention with timm's fused qkv, written out explicitly (no fused kernel) so that
 * the attention probabilities can be returned for the dashboard's attention maps.
 *
 * Frozen weights take a faster route (docs/PERFORMANCE.md): q, k and v are three linears (q's
 * weight and bias pre-scaled by head_dim^-0.5, as timm scales q), laid out per head by 4-D
 * transposes (k straight into [B*H, hd, L]), and both products are `bmm`s, so no 5-D transpose,
 * no slice and no batched or transposed matmul kernel is left in the forward or backward pass.
 */
import { type Tensor, tf } from '../tf';
import { bmm } from './kernels';
import { type LinearWeights, linear } from './layers';

export interface AttentionWeights {
  qkv: LinearWeights; // [D, 3D]
  proj: LinearWeights; // [D, D]
  /** Frozen backbones only: qkv split into q (pre-scaled), k and v, each [D, D]. */
  heads?: { q: LinearWeights; k: LinearWeights; v: LinearWeights };
}

export interface AttentionOutput {
  out: Tensor; // [B, L, D]
  /** Softmax probabilities [B, H, L, L], only when asked for. */
  probs?: Tensor;
}

export function attention(
  x: Tensor,
  w: AttentionWeights,
  numHeads: number,
  keepProbs = false,
): AttentionOutput {
  if (w.heads) return splitAttention(x, w, w.heads, numHeads, keepProbs);
  const [B, L, D] = x.shape;
  const hd = D / numHeads;
  const qkv = linear(x, w.qkv); // [B, L, 3D]
  // Split q, k, v on the last axis first: every tensor stays rank <= 4 (tfjs-webgpu cannot pad a
  // rank-5 tensor, which the gradient of a rank-5 slice needs).
  const part = (i: number) =>
    tf.reshape(
      tf.transpose(tf.reshape(tf.slice(qkv, [0, 0, i * D], [B, L, D]), [B, L, numHeads, hd]), [0, 2, 1, 3]), // [B, H, L, hd]
      [B * numHeads, L, hd],
    );
  const q = tf.mul(part(0), hd ** -0.5); // [B*H, L, hd], scaled before the product as timm does
  const k = part(1); // [B*H, L, hd]
  const v = part(2); // [B*H, L, hd]
  const scores = tf.matMul(q as tf.Tensor3D, k as tf.Tensor3D, false, true); // [B*H, L, L]
  const probs = tf.softmax(scores); // [B*H, L, L]
  const o = tf.matMul(probs as tf.Tensor3D, v as tf.Tensor3D); // [B*H, L, hd]
  const merged = tf.reshape(tf.transpose(tf.reshape(o, [B, numHeads, L, hd]), [0, 2, 1, 3]), [B, L, D]); // [B, L, D]
  return {
    out: linear(merged, w.proj), // [B, L, D]
    probs: keepProbs ? tf.reshape(probs, [B, numHeads, L, L]) : undefined,
  };
}

function splitAttention(
  x: Tensor,
  w: AttentionWeights,
  split: NonNullable<AttentionWeights['heads']>,
  numHeads: number,
  keepProbs: boolean,
): AttentionOutput {
  const [B, L, D] = x.shape;
  const H = numHeads;
  const hd = D / H;
  const perHead = (t: Tensor, perm: number[], shape: number[]) =>
    tf.reshape(tf.transpose(tf.reshape(t, [B, L, H, hd]), perm), shape);
  const q = perHead(linear(x, split.q), [0, 2, 1, 3], [B * H, L, hd]); // [B*H, L, hd], already scaled
  const kT = perHead(linear(x, split.k), [0, 2, 3, 1], [B * H, hd, L]); // [B*H, hd, L]
  const v = perHead(linear(x, split.v), [0, 2, 1, 3], [B * H, L, hd]); // [B*H, L, hd]
  const probs = tf.softmax(bmm(q, kT)); // [B*H, L, L]
  const o = bmm(probs, v); // [B*H, L, hd]
  const merged = tf.reshape(tf.transpose(tf.reshape(o, [B, H, L, hd]), [0, 2, 1, 3]), [B, L, D]); // [B, L, D]
  return {
    out: linear(merged, w.proj), // [B, L, D]
    probs: keepProbs ? tf.reshape(probs, [B, H, L, L]) : undefined,
  };
}
