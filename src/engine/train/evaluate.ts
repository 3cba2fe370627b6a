/** Loss and accuracy of a model over a split (no gradients, micro-batched like training). */

import { crossEntropy } from '../model/loss';
import type { PromptedViT } from '../model/prompted-vit';
import { tf } from '../tf';

export interface EvalBatch {
  images: Float32Array; // [B, S, S, 3]
  labels: number[];
}

export interface EvalResult {
  loss: number;
  acc: number;
  n: number;
  ips: number;
}

export async function evaluate(
  model: PromptedViT,
  batches: AsyncIterable<EvalBatch>,
  size: number,
): Promise<EvalResult> {
  const t0 = performance.now();
  let lossSum = 0;
  let correct = 0;
  let n = 0;
  for await (const b of batches) {
    const B = b.labels.length;
    if (!B) continue;
    // One asynchronous read per batch (webgpu in Node has no synchronous readback): [pred (B), loss].
    const stats = tf.tidy(() => {
      const images = tf.tensor4d(b.images, [B, size, size, 3]);
      const logits = model.forward(images).logits; // [B, C]
      const pred = tf.cast(tf.argMax(logits, 1), 'float32'); // [B], exact (class indices < 2^24)
      return tf.concat([pred, tf.reshape(crossEntropy(logits, b.labels), [1])]); // [B + 1]
    });
    const v = await stats.data().finally(() => stats.dispose());
    for (let i = 0; i < B; i++) if (v[i] === b.labels[i]) correct++;
    lossSum += v[B] * B;
    n += B;
  }
  const secs = (performance.now() - t0) / 1000;
  return {
    loss: n ? lossSum / n : Number.NaN,
    acc: n ? correct / n : Number.NaN,
    n,
    ips: secs > 0 ? n / secs : 0,
  };
}
