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
    const [loss, hits] = tf.tidy(() => {
      const images = tf.tensor4d(b.images, [B, size, size, 3]);
      const logits = model.forward(images).logits; // [B, C]
      const pred = tf.argMax(logits, 1).dataSync();
      let h = 0;
      for (let i = 0; i < B; i++) if (pred[i] === b.labels[i]) h++;
      return [crossEntropy(logits, b.labels).dataSync()[0], h];
    });
    lossSum += loss * B;
    correct += hits;
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
