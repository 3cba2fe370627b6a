/**
 * Runs the model on the fixed probe batch and brings to the host, per analysed layer, the tokens
 * entering the block ([P, L, D]) and a device-side summary of its attention probabilities.
 * Bounded: P is small (default 8 images), and the full attention tensors never leave the device.
 */
import type { PromptedViT } from '../model/prompted-vit';
import { forwardFeatures, patchEmbed } from '../model/vit';
import { type Tensor, tf } from '../tf';
import {
  type AttentionRows,
  type AttentionTensors,
  readAttentionRows,
  summariseAttentionTensors,
} from './attention-maps';

export const DEFAULT_PROBE_SIZE = 8;

export interface ProbeTokens {
  P: number; // probe images
  N: number; // prompt slots (0 without prompts)
  T: number; // patches
  L: number; // 1 + N + T
  D: number;
  layers: number[];
  /** layer -> tokens entering that block, [P, L, D]. */
  tokens: Map<number, Float32Array>;
  /** layer -> that block's attention, summarised. */
  attention: Map<number, AttentionRows>;
  /**
   * The patch-embedding outputs before CLS and the position embedding, [P*T, D] (image-major, raster
   * order): the space SPT samples its first prompt set from. Present when layer 0 is wanted.
   */
  patchEmbeddings?: Float32Array;
}

/**
 * images [P, H, W, 3] (normalised) -> tokens and attention of `layers`. The forward pass keeps what
 * it brings to the host on the device, and reads it after, asynchronously (webgpu in Node has no
 * synchronous readback).
 */
export async function collectProbeTokens(
  model: PromptedViT,
  images: Tensor,
  layers: readonly number[],
): Promise<ProbeTokens> {
  const wanted = new Set(layers);
  const N = model.prompts?.length ?? 0;
  const onDevice = new Map<number, Tensor>();
  const summaries = new Map<number, AttentionTensors>();
  try {
    tf.tidy(() => {
      if (wanted.has(0)) onDevice.set(-1, tf.keep(patchEmbed(images, model.backbone, model.cfg))); // [P, T, D]
      const out = model.forward(images, {
        onBlockInput: (i, x) => {
          if (wanted.has(i)) onDevice.set(i, tf.keep(tf.clone(x))); // [P, L, D]
        },
        attentionLayers: wanted,
      });
      for (const [i, probs] of out.attention) {
        const s = summariseAttentionTensors(probs, N); // [P, H, L, L] -> rows
        for (const t of Object.values(s.rows)) if (t) tf.keep(t);
        summaries.set(i, s);
      }
    });
  } catch (err) {
    tf.dispose([...onDevice.values()]);
    for (const s of summaries.values()) tf.dispose(Object.values(s.rows).filter((t) => t !== undefined));
    throw err;
  }
  const tokens = new Map<number, Float32Array>();
  const attention = new Map<number, AttentionRows>();
  const [tokenData, rows] = await Promise.all([
    Promise.all([...onDevice.values()].map((t) => t.data())).finally(() =>
      tf.dispose([...onDevice.values()]),
    ),
    Promise.all([...summaries.values()].map(readAttentionRows)),
  ]);
  let patchEmbeddings: Float32Array | undefined;
  [...onDevice.keys()].forEach((i, j) => {
    if (i === -1) patchEmbeddings = Float32Array.from(tokenData[j]);
    else tokens.set(i, Float32Array.from(tokenData[j]));
  });
  [...summaries.keys()].forEach((i, j) => {
    attention.set(i, rows[j]);
  });
  const ps = model.cfg.patchSize;
  const [P, Hh, Ww] = images.shape;
  const T = (Hh / ps) * (Ww / ps);
  const L = 1 + N + T;
  const D = model.cfg.embedDim;
  for (const [i, t] of tokens) {
    if (t.length !== P * L * D)
      throw new Error(`layer ${i}: ${t.length} token values, expected ${P}x${L}x${D}`);
  }
  if (patchEmbeddings && patchEmbeddings.length !== P * T * D)
    throw new Error(`patch embeddings: ${patchEmbeddings.length} values, expected ${P}x${T}x${D}`);
  const sorted = [...layers].sort((a, b) => a - b);
  return { P, N, T, L, D, layers: sorted, tokens, attention, patchEmbeddings };
}

/**
 * The prompt-slot tokens ([P, N, D]) entering each of `layers` when the model runs with other prompt
 * sets (the initial ones): for shallow prompts these depend on the image at every layer after 0.
 */
export async function collectPromptSlots(
  model: PromptedViT,
  images: Tensor,
  sets: Tensor[], // S x [1, N, D]
  layers: readonly number[],
): Promise<Map<number, Float32Array>> {
  if (!model.prompts) throw new Error('the model has no prompts');
  const { mode } = model.prompts;
  const wanted = new Set(layers);
  const onDevice = new Map<number, Tensor>();
  try {
    tf.tidy(() => {
      forwardFeatures(
        images,
        model.backbone,
        model.cfg,
        { mode, sets },
        {
          onBlockInput: (i, x) => {
            if (!wanted.has(i)) return;
            const [P, , D] = x.shape;
            const N = sets[0].shape[1] as number;
            onDevice.set(i, tf.keep(tf.slice(x, [0, 1, 0], [P, N, D]))); // [P, N, D]
          },
        },
      );
    });
  } catch (err) {
    tf.dispose([...onDevice.values()]);
    throw err;
  }
  const data = await Promise.all([...onDevice.values()].map((t) => t.data())).finally(() =>
    tf.dispose([...onDevice.values()]),
  );
  const slots = new Map<number, Float32Array>();
  [...onDevice.keys()].forEach((i, j) => {
    slots.set(i, Float32Array.from(data[j]));
  });
  return slots;
}

/** tokens [P, L, D] -> the patch tokens [P*T, D] (image-major, raster order). */
export function patchTokensOf(
  tokens: Float32Array,
  P: number,
  L: number,
  D: number,
  N: number,
): Float32Array {
  const T = L - 1 - N;
  const out = new Float32Array(P * T * D);
  for (let p = 0; p < P; p++) {
    out.set(tokens.subarray((p * L + 1 + N) * D, (p * L + L) * D), p * T * D);
  }
  return out;
}

/** tokens [P, L, D] -> the prompt-slot tokens [P*N, D]. */
export function promptSlotsOf(
  tokens: Float32Array,
  P: number,
  L: number,
  D: number,
  N: number,
): Float32Array {
  const out = new Float32Array(P * N * D);
  for (let p = 0; p < P; p++) out.set(tokens.subarray((p * L + 1) * D, (p * L + 1 + N) * D), p * N * D);
  return out;
}

/** rows [S, N, D] -> their mean over S: [N, D]. */
export function meanOverSets(rows: Float32Array, S: number, N: number, D: number): Float32Array {
  const out = new Float32Array(N * D);
  for (let s = 0; s < S; s++) for (let j = 0; j < N * D; j++) out[j] += rows[s * N * D + j] / S;
  return out;
}
