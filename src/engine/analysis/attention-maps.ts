/**
 * Attention maps and attention mass (spec section 8). `summariseAttention` reduces one layer's
 * probabilities on the device to the few rows the dashboard needs (so the full [P, H, L, L] never
 * reaches the host); `attentionMaps` turns them into patch-grid maps and mass shares.
 * Sequence order [CLS, prompts (N), patches (T)], L = 1 + N + T.
 */
import type { AttentionLayerMaps, MassShare } from '../../shared/analysis-contract';
import { type Tensor, tf } from '../tf';

/** Host summary of one layer's attention. */
export interface AttentionRows {
  P: number;
  H: number;
  N: number;
  T: number;
  clsRow: Float32Array; // [P, H, L]: the CLS query's attention over every key
  promptRow?: Float32Array; // [P, H, L]: the prompt queries' attention, mean over the N prompts
  clsMass: Float32Array; // [P, H, 3]: (cls, prompts, patches) shares of the CLS query
  patchMass: Float32Array; // [P, H, 3]: the same, mean over the T patch queries
  promptMass?: Float32Array; // [P, H, 3]: the same, mean over the N prompt queries
}

/** Shares (cls, prompts, patches) of the queries [r0, r0 + nr), mean over those queries -> [P, H, 3]. */
function groupMass(probs: Tensor, r0: number, nr: number, N: number): Tensor {
  const [P, H, , L] = probs.shape;
  const T = L - 1 - N;
  const rows = tf.slice(probs, [0, 0, r0, 0], [P, H, nr, L]); // [P, H, nr, L]
  const share = (c0: number, nc: number) =>
    nc > 0 ? tf.mean(tf.sum(tf.slice(rows, [0, 0, 0, c0], [P, H, nr, nc]), 3), 2) : tf.zeros([P, H]); // [P, H]
  return tf.stack([share(0, 1), share(1, N), share(1 + N, T)], 2); // [P, H, 3]
}

/** The device side of an AttentionRows: the same fields as tensors (to read with `readAttentionRows`). */
export interface AttentionTensors {
  P: number;
  H: number;
  N: number;
  T: number;
  rows: Record<'clsRow' | 'promptRow' | 'clsMass' | 'patchMass' | 'promptMass', Tensor | undefined>;
}

/**
 * probs [P, H, L, L] with N prompt slots -> the rows and masses, still on the device (new tensors,
 * which `readAttentionRows` reads and disposes). Does not dispose `probs`.
 */
export function summariseAttentionTensors(probs: Tensor, N: number): AttentionTensors {
  const [P, H, L, L2] = probs.shape;
  if (probs.rank !== 4 || L !== L2) throw new Error(`attention probabilities must be [P, H, L, L]`);
  const T = L - 1 - N;
  if (T <= 0) throw new Error(`attention of length ${L} leaves no patches after CLS and ${N} prompts`);
  const rows = tf.tidy(() => ({
    clsRow: tf.slice(probs, [0, 0, 0, 0], [P, H, 1, L]), // [P, H, 1, L]
    promptRow: N > 0 ? tf.mean(tf.slice(probs, [0, 0, 1, 0], [P, H, N, L]), 2) : undefined, // [P, H, L]
    clsMass: groupMass(probs, 0, 1, N),
    patchMass: groupMass(probs, 1 + N, T, N),
    promptMass: N > 0 ? groupMass(probs, 1, N, N) : undefined,
  }));
  return { P, H, N, T, rows };
}

/** Reads (asynchronously: webgpu in Node has no synchronous readback) and disposes the tensors. */
export async function readAttentionRows(a: AttentionTensors): Promise<AttentionRows> {
  const keys = ['clsRow', 'promptRow', 'clsMass', 'patchMass', 'promptMass'] as const;
  const tensors = keys.map((k) => a.rows[k]);
  const data = await Promise.all(tensors.map((t) => t?.data())).finally(() =>
    tf.dispose(tensors.filter((t) => t !== undefined)),
  );
  const host = (i: number) => (data[i] ? Float32Array.from(data[i]) : undefined);
  return {
    P: a.P,
    H: a.H,
    N: a.N,
    T: a.T,
    clsRow: host(0) as Float32Array,
    promptRow: host(1),
    clsMass: host(2) as Float32Array,
    patchMass: host(3) as Float32Array,
    promptMass: host(4),
  };
}

/** probs [P, H, L, L] with N prompt slots -> host rows and masses. Does not dispose `probs`. */
export async function summariseAttention(probs: Tensor, N: number): Promise<AttentionRows> {
  return readAttentionRows(summariseAttentionTensors(probs, N));
}

/** rows [P, H, L] -> patch columns with a head-mean appended: [P, H + 1, T] (= [P, H + 1, g, g]). */
export function patchMaps(rows: Float32Array, P: number, H: number, N: number, T: number): Float32Array {
  const L = 1 + N + T;
  const out = new Float32Array(P * (H + 1) * T);
  for (let p = 0; p < P; p++) {
    const mean = (p * (H + 1) + H) * T;
    for (let h = 0; h < H; h++) {
      const src = (p * H + h) * L + 1 + N;
      const dst = (p * (H + 1) + h) * T;
      for (let t = 0; t < T; t++) {
        out[dst + t] = rows[src + t];
        out[mean + t] += rows[src + t] / H;
      }
    }
  }
  return out;
}

/** mass [P, H, 3] -> the mean over images and heads, and the mean over images per head. */
export function meanMass(mass: Float32Array, P: number, H: number): { all: MassShare; perHead: MassShare[] } {
  const perHead: MassShare[] = [];
  for (let h = 0; h < H; h++) {
    const s = [0, 0, 0];
    for (let p = 0; p < P; p++) for (let c = 0; c < 3; c++) s[c] += mass[(p * H + h) * 3 + c] / P;
    perHead.push({ cls: s[0], prompts: s[1], patches: s[2] });
  }
  const avg = (k: keyof MassShare) => perHead.reduce((a, m) => a + m[k], 0) / H;
  return { all: { cls: avg('cls'), prompts: avg('prompts'), patches: avg('patches') }, perHead };
}

export function attentionMaps(layer: number, r: AttentionRows): AttentionLayerMaps<Float32Array> {
  const { P, H, N, T } = r;
  const g = Math.round(Math.sqrt(T));
  if (g * g !== T) throw new Error(`${T} patches do not form a square grid`);
  const cls = meanMass(r.clsMass, P, H);
  const maps: AttentionLayerMaps<Float32Array> = {
    layer,
    clsToPatch: patchMaps(r.clsRow, P, H, N, T), // [P, H + 1, g, g]
    clsMass: cls.all,
    clsMassPerHead: cls.perHead,
    patchMass: meanMass(r.patchMass, P, H).all,
  };
  if (r.promptRow) maps.promptToPatch = patchMaps(r.promptRow, P, H, N, T); // [P, H + 1, g, g]
  if (r.promptMass) maps.promptMass = meanMass(r.promptMass, P, H).all;
  return maps;
}
