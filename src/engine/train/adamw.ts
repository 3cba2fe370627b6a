/**
 * AdamW exactly as torch.optim.AdamW (decoupled weight decay, bias-corrected moments), with parameter
 * groups that carry their own weight decay (spec section 5: prompts `weight_decay`, head weight
 * `wd_head`, biases 0). State lives in tf tensors; it is saved and restored for exact resumes.
 */
import type { HostTensor } from '../../run-folder/tensors/host-tensor';
import { type Tensor, tf } from '../tf';

export interface ParamGroup {
  name: string;
  params: tf.Variable[];
  weightDecay: number;
}

export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
}

export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** Steps taken (PyTorch's `state['step']`). */
  step = 0;
  private readonly m = new Map<tf.Variable, tf.Variable>();
  private readonly v = new Map<tf.Variable, tf.Variable>();

  constructor(
    readonly groups: ParamGroup[],
    opts: AdamWOptions = {},
  ) {
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    for (const g of groups) {
      for (const p of g.params) {
        this.m.set(p, tf.variable(tf.zerosLike(p), false));
        this.v.set(p, tf.variable(tf.zerosLike(p), false));
      }
    }
  }

  params(): tf.Variable[] {
    return this.groups.flatMap((g) => g.params);
  }

  /** One update with learning rate `lr`; `grads` maps variable names to gradients. */
  apply(grads: Record<string, Tensor>, lr: number): void {
    this.step++;
    const bc1 = 1 - this.beta1 ** this.step;
    const bc2 = 1 - this.beta2 ** this.step;
    tf.tidy(() => {
      for (const g of this.groups) {
        for (const p of g.params) {
          const grad = grads[p.name];
          if (!grad) throw new Error(`AdamW: no gradient for ${p.name} (group ${g.name})`);
          const m = this.m.get(p) as tf.Variable;
          const v = this.v.get(p) as tf.Variable;
          // Decoupled decay first, as torch: p <- p * (1 - lr * wd).
          const decayed = g.weightDecay ? tf.mul(p, 1 - lr * g.weightDecay) : p;
          const m1 = tf.add(tf.mul(m, this.beta1), tf.mul(grad, 1 - this.beta1));
          const v1 = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(grad), 1 - this.beta2));
          const denom = tf.add(tf.div(tf.sqrt(v1), Math.sqrt(bc2)), this.eps);
          p.assign(tf.sub(decayed, tf.mul(tf.div(m1, denom), lr / bc1)));
          m.assign(m1);
          v.assign(v1);
        }
      }
    });
  }

  /** Moments as host tensors, in params() order: `opt.m.<i>`, `opt.v.<i>` (read asynchronously, together). */
  async stateToHost(): Promise<Map<string, HostTensor>> {
    const moments = this.params().flatMap((p, i) =>
      (['m', 'v'] as const).map((kind): [string, tf.Variable] => [
        `opt.${kind}.${i}`,
        (kind === 'm' ? this.m : this.v).get(p) as tf.Variable,
      ]),
    );
    const data = await Promise.all(moments.map(([, t]) => t.data()));
    return new Map(
      moments.map(([name, t], i): [string, HostTensor] => [
        name,
        { dtype: 'float32', shape: [...t.shape], data: data[i] as Float32Array },
      ]),
    );
  }

  loadState(state: Map<string, HostTensor>, step: number): void {
    this.params().forEach((p, i) => {
      for (const [kind, store] of [
        ['m', this.m],
        ['v', this.v],
      ] as const) {
        const t = state.get(`opt.${kind}.${i}`);
        if (!t || t.data.length !== p.size)
          throw new Error(`optimizer state opt.${kind}.${i} is missing or has the wrong size`);
        (store.get(p) as tf.Variable).assign(tf.tensor(t.data as Float32Array, p.shape));
      }
    });
    this.step = step;
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }
}
