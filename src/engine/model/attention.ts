/**
 * Multi-head self-attention with timm's fused qkv, written out explicitly (no fused kernel) so that
 * the attention probabilities can be returned for the dashboard's attention maps.
 */
import { type Tensor, tf } from '../tf';
import { type LinearWeights, linear } from './layers';

export interface AttentionWeights {
  qkv: LinearWeights; // [D, 3D]
  proj: LinearWeights; // [D, D]
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
  const [B, L, D] = x.shape;
  const hd = D / numHeads;
  const qkv = linear(x, w.qkv); // [B, L, 3D]
  const heads = tf.transpose(tf.reshape(qkv, [B, L, 3, numHeads, hd]), [2, 0, 3, 1, 4]); // [3, B, H, L, hd]
  const part = (i: number) =>
    tf.reshape(tf.slice(heads, [i, 0, 0, 0, 0], [1, B, numHeads, L, hd]), [B * numHeads, L, hd]);
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
