/** Small deterministic timm-layout ViT state dicts for the checkpoint unit tests. */

import {
  type HostTensor,
  hostTensor,
  numel,
  type TensorMap,
} from '../../../src/run-folder/tensors/host-tensor';

export interface TinyViT {
  dim: number;
  depth: number;
  heads: number;
  patch: number;
  grid: number;
}

export const TINY: TinyViT = { dim: 8, depth: 2, heads: 2, patch: 4, grid: 3 };

/** A deterministic pseudo-random generator (mulberry32), values in [-1, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}

export function randomTensor(shape: number[], next: () => number): HostTensor {
  const d = new Float32Array(numel(shape));
  for (let i = 0; i < d.length; i++) d[i] = next();
  return hostTensor(shape, d);
}

/** The canonical encoder keys and shapes of a tiny ViT, in timm's order. */
export function encoderShapes(v: TinyViT = TINY): [string, number[]][] {
  const { dim: d, patch: p } = v;
  const out: [string, number[]][] = [
    ['cls_token', [1, 1, d]],
    ['pos_embed', [1, 1 + v.grid * v.grid, d]],
    ['patch_embed.proj.weight', [d, 3, p, p]],
    ['patch_embed.proj.bias', [d]],
  ];
  for (let i = 0; i < v.depth; i++) {
    const b = `blocks.${i}.`;
    out.push(
      [`${b}norm1.weight`, [d]],
      [`${b}norm1.bias`, [d]],
      [`${b}attn.qkv.weight`, [3 * d, d]],
      [`${b}attn.qkv.bias`, [3 * d]],
      [`${b}attn.proj.weight`, [d, d]],
      [`${b}attn.proj.bias`, [d]],
      [`${b}norm2.weight`, [d]],
      [`${b}norm2.bias`, [d]],
      [`${b}mlp.fc1.weight`, [4 * d, d]],
      [`${b}mlp.fc1.bias`, [4 * d]],
      [`${b}mlp.fc2.weight`, [d, 4 * d]],
      [`${b}mlp.fc2.bias`, [d]],
    );
  }
  out.push(['norm.weight', [d]], ['norm.bias', [d]]);
  return out;
}

/** A random tiny encoder (canonical names). */
export function makeEncoder(v: TinyViT = TINY, seed = 1): TensorMap {
  const next = rng(seed);
  return new Map(encoderShapes(v).map(([k, s]) => [k, randomTensor(s, next)]));
}
