import { type Tensor, tf } from '../tf';

/** Mean softmax cross-entropy, as torch.nn.CrossEntropyLoss(). logits [B, C], labels B ints -> scalar. */
export function crossEntropy(logits: Tensor, labels: readonly number[]): Tensor {
  const [B, C] = logits.shape;
  const onehot = tf.oneHot(tf.tensor1d(labels as number[], 'int32'), C); // [B, C]
  const logp = tf.logSoftmax(logits); // [B, C]
  return tf.div(tf.neg(tf.sum(tf.mul(onehot, logp))), B); // []
}

/** Number of rows whose argmax equals the label. */
export async function countCorrect(logits: Tensor, labels: readonly number[]): Promise<number> {
  const argmax = tf.argMax(logits, 1);
  const pred = await argmax.data(); // never dataSync: webgpu in Node has no synchronous readback
  argmax.dispose();
  let n = 0;
  for (let i = 0; i < labels.length; i++) if (pred[i] === labels[i]) n++;
  return n;
}
