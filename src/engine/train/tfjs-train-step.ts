/**
 * The training step in TensorFlow.js (the reference every backend's step engine is compared with):
 * forward and backward per micro-batch, gradients summed, one AdamW update, one read of the device.
 */
import { type DropPathKey, disposeDropPath, dropPathScales, dropPathTensors } from '../model/drop-path';
import { crossEntropy } from '../model/loss';
import type { PromptedViT } from '../model/prompted-vit';
import { type Tensor, tf } from '../tf';
import type { AdamW } from './adamw';
import { microChunks } from './micro-batch';

/**
 * One optimizer step over a batch, accumulating gradients over micro-batches. Returns the batch mean
 * loss, the correct predictions and (with `nanCheck`) whether every parameter is finite after the
 * update. The step reads the device once, asynchronously, after the update (webgpu in Node has no
 * synchronous readback; one read keeps a GPU step from waiting more than once). A non-finite loss
 * fails the run, so the update it makes first is never used.
 */
export async function trainStep(
  model: PromptedViT,
  opt: AdamW,
  images: Float32Array,
  labels: number[],
  size: number,
  micro: number,
  lr: number,
  nanCheck: boolean,
  /** Where the step is: keys the stochastic-depth masks when `model.dropPath` > 0 (none without it). */
  dropKey?: DropPathKey,
): Promise<{ loss: number; correct: number; paramsFinite: boolean }> {
  const B = labels.length;
  const per = size * size * 3;
  const vars = opt.params();
  const chunks = microChunks(B, micro);
  const dropScales = dropKey ? dropPathScales(model.dropPath, model.cfg.depth, B, dropKey) : null;
  let total: Record<string, Tensor> | undefined;
  const reads: Tensor[] = []; // per micro-batch: its predictions [b], then its weighted loss []
  try {
    for (const [s, e] of chunks) {
      const chunk = labels.slice(s, e);
      const x = tf.tensor4d(images.subarray(s * per, e * per), [e - s, size, size, 3]); // [b, S, S, 3]
      const dropPath = dropScales ? dropPathTensors(dropScales, model.cfg.depth, B, s, e) : undefined;
      const { value, grads } = tf.variableGrads(() => {
        const logits = model.forward(x, { dropPath }).logits; // [b, C]
        reads.push(tf.keep(tf.argMax(logits, 1)));
        return tf.mul(crossEntropy(logits, chunk), (e - s) / B) as tf.Scalar; // weighted: sum over chunks = batch mean
      }, vars);
      x.dispose();
      disposeDropPath(dropPath);
      reads.push(value);
      if (!total) total = grads;
      else {
        const prev = total;
        total = Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.add(prev[k], g)]));
        tf.dispose([...Object.values(prev), ...Object.values(grads)]);
      }
    }
    opt.apply(total ?? {}, lr);
  } catch (err) {
    tf.dispose(reads);
    throw err;
  } finally {
    tf.dispose(Object.values(total ?? {}));
  }
  let stats: Tensor;
  try {
    stats = tf.tidy(() => {
      const parts = reads.map((t) => tf.reshape(tf.cast(t, 'float32'), [-1])); // class indices < 2^24: exact
      if (nanCheck) {
        const finite = tf.stack(vars.map((v) => tf.all(tf.isFinite(v)))); // [params] bool
        parts.push(tf.reshape(tf.cast(tf.all(finite), 'float32'), [1]));
      }
      return tf.concat(parts); // [B + chunks (+ 1)]
    });
  } finally {
    tf.dispose(reads);
  }
  const v = await stats.data().finally(() => stats.dispose());
  let loss = 0;
  let correct = 0;
  let k = 0;
  for (const [s, e] of chunks) {
    for (let i = s; i < e; i++) if (v[k++] === labels[i]) correct++;
    loss += v[k++]; // summed on the host in chunk order, as the per-chunk reads did
  }
  return { loss, correct, paramsFinite: !nanCheck || v[k] === 1 };
}
