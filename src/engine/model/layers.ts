/**
 * The ViT's building blocks as pure functions over tf tensors (timm semantics, spec section 1).
 * Shapes: B batch, L sequence length (1 + N prompts + T patches), D width.
 */
import { type Tensor, tf } from '../tf';

export interface LinearWeights {
  /** [in, out]: pre-transposed from PyTorch's (out, in) so the forward matmul is a plain 2-D one. */
  w: Tensor;
  /**
   * [out, in]: PyTorch's own layout, kept for frozen layers so that dL/dx = dy @ wt is also a plain
   * matmul (the wasm backend runs transposed and batched matmuls in a scalar loop, ~10x slower).
   * Absent for trainable layers, whose gradients tfjs derives itself.
   */
  wt?: Tensor;
  b: Tensor; // [out]
}

export interface LayerNormWeights {
  g: Tensor; // [D]
  b: Tensor; // [D]
}

/**
 * x @ w + b for a frozen w and b: one fused matmul + bias kernel forward, and the input gradient as
 * a non-transposed matmul: dx = dy @ wt.
 */
function frozenLinear(x: Tensor, lin: LinearWeights, wt: Tensor): Tensor {
  const op = tf.customGrad((...args: (Tensor | tf.GradSaveFunc)[]) => ({
    value: tf.fused.matMul({ a: args[0] as tf.Tensor2D, b: lin.w as tf.Tensor2D, bias: lin.b }), // [M, out]
    gradFunc: (dy: Tensor) => tf.matMul(dy as tf.Tensor2D, wt as tf.Tensor2D), // [M, in]
  }));
  return op(x);
}

/** y = x @ w + b over the last axis. x: [..., in] -> [..., out]. */
export function linear(x: Tensor, lin: LinearWeights): Tensor {
  const inDim = x.shape[x.shape.length - 1];
  const outDim = lin.w.shape[1] as number;
  const lead = x.shape.slice(0, -1);
  const x2 = tf.reshape(x, [-1, inDim]); // [M, in]
  const y2 = lin.wt
    ? frozenLinear(x2, lin, lin.wt)
    : tf.add(tf.matMul(x2 as tf.Tensor2D, lin.w as tf.Tensor2D), lin.b); // [M, out]
  return tf.reshape(y2, [...lead, outDim]); // [..., out]
}

/** LayerNorm over the last axis with biased variance, as torch.nn.LayerNorm. */
export function layerNorm(x: Tensor, ln: LayerNormWeights, eps: number): Tensor {
  const axis = x.shape.length - 1;
  const mean = tf.mean(x, axis, true); // [..., 1]
  const xc = tf.sub(x, mean); // [..., D]
  const variance = tf.mean(tf.square(xc), axis, true); // [..., 1]
  const xhat = tf.mul(xc, tf.rsqrt(tf.add(variance, eps))); // [..., D]
  return tf.add(tf.mul(xhat, ln.g), ln.b);
}

/** GELU, exact erf form (torch.nn.GELU()); a single-pass kernel on wasm (./kernels). */
export { gelu } from './kernels';
