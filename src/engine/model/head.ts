/** The task head (spec section 4): a linear layer on the pooled feature. */
import { formatShape, type HostTensor } from '../../run-folder/tensors/host-tensor';
import { type Tensor, tf } from '../tf';
import { type Rng, truncNormal } from '../util/rng';

export interface HeadParams {
  w: tf.Variable; // [D, C]
  b: tf.Variable; // [C]
}

/** Weight truncated-normal (std 0.02; 0.01 for MoCo v3), bias 0. */
export function initHead(embedDim: number, numClasses: number, rng: Rng, std = 0.02): HeadParams {
  const wt = truncNormal(rng, numClasses * embedDim, std); // (C, D) as PyTorch draws it
  return headFromHost(
    { dtype: 'float32', shape: [numClasses, embedDim], data: wt },
    { dtype: 'float32', shape: [numClasses], data: new Float32Array(numClasses) },
  );
}

/** PyTorch layout: weight (C, D), bias (C,). */
export function headFromHost(weight: HostTensor, bias: HostTensor, embedDim?: number): HeadParams {
  const [C, D] = weight.shape;
  if (
    weight.shape.length !== 2 ||
    (embedDim !== undefined && D !== embedDim) ||
    bias.shape.length !== 1 ||
    bias.shape[0] !== C
  ) {
    throw new Error(
      `head has weight ${formatShape(weight.shape)} and bias ${formatShape(bias.shape)}, expected (C, ${embedDim ?? 'D'}) and (C,)`,
    );
  }
  return tf.tidy(() => ({
    w: tf.variable(tf.transpose(tf.tensor2d(weight.data as Float32Array, [C, D])), true),
    b: tf.variable(tf.tensor1d(bias.data as Float32Array), true),
  }));
}

export async function headToHost(h: HeadParams): Promise<{ weight: HostTensor; bias: HostTensor }> {
  const [D, C] = h.w.shape;
  const t = tf.transpose(h.w); // [C, D]
  const [wt, b] = await Promise.all([t.data(), h.b.data()]).finally(() => t.dispose());
  return {
    weight: { dtype: 'float32', shape: [C, D], data: wt as Float32Array },
    bias: { dtype: 'float32', shape: [C], data: b as Float32Array },
  };
}

/** pooled [B, D] -> logits [B, C]. */
export function applyHead(pooled: Tensor, h: HeadParams): Tensor {
  return tf.add(tf.matMul(pooled as tf.Tensor2D, h.w as tf.Tensor2D), h.b);
}

export function disposeHead(h: HeadParams): void {
  h.w.dispose();
  h.b.dispose();
}
