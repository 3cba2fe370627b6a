/**
 * SPT's initialisation (spec section 3): prompts built from the downstream training images, streamed
 * through the frozen, prompt-free backbone in batches (memory stays bounded: only N sampled vectors
 * per set, or the k-means subset, are ever kept on the host).
 *
 * Candidate tokens for set i: shallow -> patch-embedding outputs (before CLS and pos_embed);
 * deep set 0 -> the same; deep set i >= 1 -> the output of block i-1 without its CLS token.
 *   random   N candidates uniformly without replacement over all images x T patches (reservoir).
 *   mean/max per image, N-1 windows of w = T // (N-1) consecutive tokens in raster order plus a last
 *            window of the final T mod w tokens (the last w when that is 0: the authors' code pools
 *            all T tokens there, a bug not copied), pooled; N of the pooled vectors drawn uniformly.
 *   kmeans   N k-means centres of a uniform subset of the candidates (k-means++, mini-batch Lloyd).
 */

import type { ViTConfig } from '../../config/architectures';
import type { PromptMode } from '../../config/methods';
import type { HostTensor } from '../../run-folder/tensors/host-tensor';
import { forwardFeatures, patchEmbed } from '../model/vit';
import type { ViTWeights } from '../model/vit-weights';
import { type Tensor, tf } from '../tf';
import type { Rng } from '../util/rng';
import { kmeans } from './kmeans';
import { ReservoirPlan } from './reservoir';

export type SptInit = 'random' | 'mean' | 'max' | 'kmeans';

/** Where a prompt came from, for the dashboard. */
export interface PromptProvenance {
  set: number;
  index: number;
  /** The layer whose input tokens were sampled (-1: patch-embedding output). */
  layer: number;
  kind: SptInit;
  /** Training image id (position in the image stream's id list). */
  image?: number;
  /** random: the patch index in raster order. */
  patch?: number;
  /** mean/max: the pooled window [start, end) of patch indices. */
  window?: [number, number];
  /** kmeans: how many subset tokens the centre owns. */
  clusterSize?: number;
}

/** Training images in batches; `images` are normalised NHWC [B, H, W, 3], owned by the caller. */
export type ImageBatches = AsyncIterable<{ images: Tensor; ids: number[] }>;

export interface SptInitOptions {
  init: SptInit;
  mode: PromptMode;
  length: number;
  rng: Rng;
  /** kmeans: tokens kept per set for clustering (default max(20 N, 4096)). */
  kmeansSubset?: number;
  kmeansIterations?: number;
}

export interface SptInitResult {
  prompts: HostTensor; // (S, N, D)
  provenance: PromptProvenance[];
  imagesSeen: number;
}

/** The pooling windows over T tokens for N prompts (spec section 3). */
export function poolingWindows(T: number, N: number): [number, number][] {
  if (N === 1) return [[0, T]];
  const w = Math.floor(T / (N - 1));
  if (w < 1)
    throw new Error(
      `mean/max pooling needs prompt.length <= ${T + 1} (one window per prompt over ${T} patches), got ${N}`,
    );
  const windows: [number, number][] = [];
  for (let i = 0; i < N - 1; i++) windows.push([i * w, (i + 1) * w]);
  const rest = T % w === 0 ? w : T % w;
  windows.push([T - rest, T]);
  return windows;
}

/** tokens [B, T, D] -> pooled [B*N, D], row b*N + n = window n of image b. */
function poolWindows(tokens: Tensor, windows: [number, number][], how: 'mean' | 'max'): Tensor {
  const [B, , D] = tokens.shape;
  const pooled = windows.map(([s, e]) => {
    const win = tf.slice(tokens, [0, s, 0], [B, e - s, D]); // [B, w, D]
    return how === 'mean' ? tf.mean(win, 1, true) : tf.max(win, 1, true); // [B, 1, D]
  });
  return tf.reshape(tf.concat(pooled, 1), [B * windows.length, D]); // [B*N, D]
}

interface SetSampler {
  plan: ReservoirPlan;
  rows: Float32Array; // [capacity, D]
  origin: Omit<PromptProvenance, 'set' | 'index' | 'kind' | 'layer'>[];
}

export async function sptInitialPrompts(
  batches: ImageBatches,
  w: ViTWeights,
  cfg: ViTConfig,
  opts: SptInitOptions,
): Promise<SptInitResult> {
  const D = cfg.embedDim;
  const N = opts.length;
  const T = (cfg.imageSize / cfg.patchSize) ** 2;
  const sets = opts.mode === 'deep' ? cfg.depth : 1;
  const windows = opts.init === 'mean' || opts.init === 'max' ? poolingWindows(T, N) : [];
  const capacity = opts.init === 'kmeans' ? (opts.kmeansSubset ?? Math.max(20 * N, 4096)) : N;
  const samplers: SetSampler[] = Array.from({ length: sets }, (_, s) => ({
    plan: new ReservoirPlan(capacity, opts.rng.fork(`set${s}`)),
    rows: new Float32Array(capacity * D),
    origin: [],
  }));
  let imagesSeen = 0;

  // The accepted rows of one batch stay on the device until the batch's forward pass is done, then
  // are read together, asynchronously (webgpu in Node has no synchronous readback).
  type Taken = { s: SetSampler; accepted: ReturnType<ReservoirPlan['next']>; rows: Tensor; perImage: number };
  let taken: Taken[] = [];
  // candidates [B*K, D] of one set, K tokens (or pooled windows) per image
  const take = (set: number, candidates: Tensor, perImage: number) => {
    const s = samplers[set];
    const accepted = s.plan.next(candidates.shape[0]);
    if (!accepted.length) return;
    const rows = tf.gather(
      candidates,
      accepted.map((a) => a.offset),
    ); // [A, D]
    taken.push({ s, accepted, rows: tf.keep(rows), perImage });
  };
  const store = async (ids: number[]) => {
    const batch = taken;
    taken = [];
    const data = await Promise.all(batch.map((t) => t.rows.data())).finally(() =>
      tf.dispose(batch.map((t) => t.rows)),
    );
    batch.forEach(({ s, accepted, perImage }, j) => {
      const rows = data[j] as Float32Array; // [A, D]
      accepted.forEach((a, r) => {
        s.rows.set(rows.subarray(r * D, (r + 1) * D), a.slot * D);
        const image = ids[Math.floor(a.offset / perImage)];
        const k = a.offset % perImage;
        s.origin[a.slot] = windows.length ? { image, window: windows[k] } : { image, patch: k };
      });
    });
  };
  const handle = (set: number, tokens: Tensor) => {
    const [B, , Dd] = tokens.shape; // [B, T, D]
    if (windows.length) take(set, poolWindows(tokens, windows, opts.init as 'mean' | 'max'), N);
    else take(set, tf.reshape(tokens, [B * T, Dd]), T);
  };

  for await (const { images, ids } of batches) {
    try {
      tf.tidy(() => {
        const B = images.shape[0];
        handle(0, patchEmbed(images, w, cfg)); // [B, T, D]
        if (sets > 1) {
          forwardFeatures(images, w, cfg, undefined, {
            onBlockInput: (i, x) => {
              if (i >= 1) handle(i, tf.slice(x, [0, 1, 0], [B, T, D])); // drop CLS: [B, T, D]
            },
          });
        }
      });
    } catch (err) {
      tf.dispose(taken.map((t) => t.rows));
      throw err;
    }
    await store(ids);
    imagesSeen += ids.length;
  }

  const needed = N;
  const prompts = new Float32Array(sets * N * D);
  const provenance: PromptProvenance[] = [];
  for (let s = 0; s < sets; s++) {
    const sampler = samplers[s];
    const have = Math.min(sampler.plan.itemsSeen, capacity);
    if (have < needed) {
      throw new Error(
        `SPT ${opts.init} initialisation needs at least ${needed} candidate tokens per set, the training images gave ${have}`,
      );
    }
    const layer = opts.mode === 'deep' ? s - 1 : -1; // set i samples the output of block i-1
    if (opts.init === 'kmeans') {
      const km = kmeans(sampler.rows.subarray(0, have * D), D, N, opts.rng.fork(`kmeans${s}`), {
        iterations: opts.kmeansIterations,
      });
      prompts.set(km.centers, s * N * D);
      for (let n = 0; n < N; n++)
        provenance.push({ set: s, index: n, layer, kind: 'kmeans', clusterSize: km.sizes[n] });
    } else {
      prompts.set(sampler.rows.subarray(0, N * D), s * N * D);
      for (let n = 0; n < N; n++)
        provenance.push({ set: s, index: n, layer, kind: opts.init, ...sampler.origin[n] });
    }
  }
  return { prompts: { dtype: 'float32', shape: [sets, N, D], data: prompts }, provenance, imagesSeen };
}
