/**
 * A transformer block over frozen weights as one differentiable op with a hand-written backward pass
 * (only the input gradient: nothing in the block is trained). The block's math is vit.ts's `block`
 * (timm: x + attn(norm1(x)), then + mlp(norm2(.)), each branch optionally scaled per sample for
 * stochastic depth); the gain is in what tfjs never has to do:
 *
 * - autodiff would put ~40 ops per block on the tape, clone what each one saves and keep the gradient
 *   of every intermediate until the whole backward pass ends (tfjs frees nothing earlier); here the
 *   tape holds one node per block, nine saved tensors, and the backward pass's temporaries are freed
 *   block by block;
 * - LayerNorm and softmax get their closed-form gradients (three passes instead of a dozen);
 * - every product is a plain (non-transposed) GEMM: frozen (out, in) copies for the linears, `bmmRaw`
 *   on explicitly transposed operands for attention.
 *
 * Used for frozen backbones with split attention weights (vit-weights.ts) when no attention maps are
 * asked for; the parity and finite-difference tests cover both paths.
 */

import type { ViTConfig } from '../../config/architectures';
import { type Tensor, tf } from '../tf';
import type { BlockDropPath } from './drop-path';
import { bmmRaw, geluGradRaw, geluRaw } from './kernels';
import type { LayerNormWeights, LinearWeights } from './layers';
import type { BlockWeights } from './vit-weights';

interface Normed {
  y: Tensor; // [M, D]
  xhat: Tensor; // [M, D]
  rstd: Tensor; // [M, 1]
}

/** torch.nn.LayerNorm over the last axis of x [M, D], keeping what the backward pass needs. */
function layerNormForward(x: Tensor, ln: LayerNormWeights, eps: number): Normed {
  const mean = tf.mean(x, 1, true); // [M, 1]
  const xc = tf.sub(x, mean); // [M, D]
  const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(xc), 1, true), eps)); // [M, 1]
  const xhat = tf.mul(xc, rstd); // [M, D]
  return { y: tf.add(tf.mul(xhat, ln.g), ln.b), xhat, rstd };
}

/** dx of LayerNorm: rstd * (g*dy - mean(g*dy) - xhat * mean(g*dy * xhat)). */
function layerNormBackward(dy: Tensor, xhat: Tensor, rstd: Tensor, ln: LayerNormWeights): Tensor {
  const dxhat = tf.mul(dy, ln.g); // [M, D]
  const m1 = tf.mean(dxhat, 1, true); // [M, 1]
  const m2 = tf.mean(tf.mul(dxhat, xhat), 1, true); // [M, 1]
  return tf.mul(tf.sub(tf.sub(dxhat, m1), tf.mul(xhat, m2)), rstd); // [M, D]
}

const affine = (x: Tensor, lin: LinearWeights) =>
  tf.fused.matMul({ a: x as tf.Tensor2D, b: lin.w as tf.Tensor2D, bias: lin.b }); // x @ w + b
const backThrough = (dy: Tensor, lin: LinearWeights) => tf.matMul(dy as tf.Tensor2D, lin.wt as tf.Tensor2D); // dy @ w^T
const t3 = (x: Tensor) => tf.transpose(x, [0, 2, 1]);

/**
 * x [B, L, D] -> [B, L, D]; differentiable in x only. `drop` (training with stochastic depth): each
 * residual branch is multiplied by its per-sample scale, forward and backward.
 */
export function frozenBlock(x: Tensor, b: BlockWeights, cfg: ViTConfig, drop?: BlockDropPath): Tensor {
  const split = b.attn.heads;
  if (!split || !b.attn.proj.wt || !b.fc1.wt || !b.fc2.wt)
    throw new Error('frozenBlock needs frozen, split weights');
  const [B, L, D] = x.shape as [number, number, number];
  const H = cfg.numHeads;
  const hd = D / H;
  const M = B * L;
  const eps = cfg.layerNormEps;
  // [M, D] <-> per-head layouts (4-D transposes: fast kernels)
  const heads = (t: Tensor, perm: number[], shape: number[]) =>
    tf.reshape(tf.transpose(tf.reshape(t, [B, L, H, hd]), perm), shape);
  const merge = (t: Tensor) => tf.reshape(tf.transpose(tf.reshape(t, [B, H, L, hd]), [0, 2, 1, 3]), [M, D]);
  // [M, D] rows times their sample's scale [B, 1, 1] (stochastic depth); the identity without it
  const perSample = (t: Tensor, s: Tensor | undefined) =>
    s ? tf.reshape(tf.mul(tf.reshape(t, [B, L, D]), s), [M, D]) : t;

  const op = tf.customGrad((...args: (Tensor | tf.GradSaveFunc)[]) => {
    const save = args[1] as tf.GradSaveFunc;
    const x2 = tf.reshape(args[0] as Tensor, [M, D]);
    const n1 = layerNormForward(x2, b.norm1, eps);
    const q = heads(affine(n1.y, split.q), [0, 2, 1, 3], [B * H, L, hd]); // pre-scaled by hd^-0.5
    const kT = heads(affine(n1.y, split.k), [0, 2, 3, 1], [B * H, hd, L]);
    const v = heads(affine(n1.y, split.v), [0, 2, 1, 3], [B * H, L, hd]);
    const p = tf.softmax(bmmRaw(q, kT)); // [B*H, L, L]
    const x1 = tf.add(x2, perSample(affine(merge(bmmRaw(p, v)), b.attn.proj), drop?.attn)); // [M, D]
    const n2 = layerNormForward(x1, b.norm2, eps);
    const f = affine(n2.y, b.fc1); // [M, 4D]
    const y = tf.add(x1, perSample(affine(geluRaw(f), b.fc2), drop?.mlp)); // [M, D]
    save([n1.xhat, n1.rstd, q, kT, v, p, n2.xhat, n2.rstd, f]);
    return {
      value: tf.reshape(y, [B, L, D]),
      gradFunc: (dy: Tensor, saved: Tensor[]) =>
        tf.tidy(() => {
          const [xhat1, rstd1, qs, kTs, vs, ps, xhat2, rstd2, fs] = saved;
          const dy2 = tf.reshape(dy, [M, D]);
          // MLP branch: y = x1 + fc2(gelu(fc1(norm2(x1))))
          const df = geluGradRaw(fs, backThrough(perSample(dy2, drop?.mlp), b.fc2)); // [M, 4D]
          const dx1 = tf.add(dy2, layerNormBackward(backThrough(df, b.fc1), xhat2, rstd2, b.norm2)); // [M, D]
          // attention branch: x1 = x + proj(merge(softmax(q k^T) v))
          const dO = heads(
            backThrough(perSample(dx1, drop?.attn), b.attn.proj),
            [0, 2, 1, 3],
            [B * H, L, hd],
          );
          const dP = bmmRaw(dO, t3(vs)); // [B*H, L, L]
          const dv = bmmRaw(t3(ps), dO); // [B*H, L, hd]
          const dS = tf.mul(ps, tf.sub(dP, tf.sum(tf.mul(dP, ps), -1, true))); // softmax backward
          const dq = bmmRaw(dS, t3(kTs)); // [B*H, L, hd]
          const dkT = bmmRaw(t3(qs), dS); // [B*H, hd, L]
          const dk = tf.reshape(tf.transpose(tf.reshape(dkT, [B, H, hd, L]), [0, 3, 1, 2]), [M, D]);
          const dh1 = tf.add(
            tf.add(backThrough(merge(dq), split.q), backThrough(dk, split.k)),
            backThrough(merge(dv), split.v),
          ); // [M, D]
          return tf.reshape(tf.add(dx1, layerNormBackward(dh1, xhat1, rstd1, b.norm1)), [B, L, D]);
        }),
    };
  });
  return op(x);
}
