/** Reads the PyTorch parity fixtures made by scripts/make_parity_fixtures.py. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { vitConfig } from '../../src/config/architectures';
import { headFromHost } from '../../src/engine/model/head';
import { loadBackbone } from '../../src/engine/model/load-backbone';
import { PromptedViT } from '../../src/engine/model/prompted-vit';
import { vitWeightsFromState } from '../../src/engine/model/vit-weights';
import { promptParamsFromHost } from '../../src/engine/prompts/prompt-params';
import type { HostTensor, TensorMap } from '../../src/run-folder/tensors/host-tensor';
import { readSafetensors } from '../../src/run-folder/tensors/safetensors';

export const PARITY_DIR = path.join(__dirname, '..', 'fixtures', 'parity');

/** The same backbone in every checkpoint layout the fixture script writes. */
export const LAYOUT_FILES = [
  'timm.pth',
  'timm.safetensors',
  'mae.pth',
  'mocov3.pth.tar',
  'mocov3_linear.pth.tar',
  'jax.npz',
  'hf_vit.safetensors',
  'hf_vitmae.safetensors',
  'spt_authors_deep.pth',
  'spt_authors_shallow.pth',
] as const;

export interface ParityCase {
  name: string;
  method: 'linear' | 'vpt';
  mode: 'shallow' | 'deep' | null;
  length: number;
  pool: 'cls' | 'mean';
  image_size: number;
  split: string;
  weights: string;
  loss: number;
  logits: number[][];
}

export interface ParityBackbone {
  embed_dim: number;
  depth: number;
  num_heads: number;
  patch_size: number;
  image_size: number;
  num_classes: number;
  num_prompts: number;
}

export const parityBackbone = (): ParityBackbone =>
  JSON.parse(fs.readFileSync(path.join(PARITY_DIR, 'backbone.json'), 'utf8'));

export const parityCases = (): ParityCase[] =>
  JSON.parse(fs.readFileSync(path.join(PARITY_DIR, 'cases.json'), 'utf8'));

export function caseTensors(c: ParityCase): TensorMap {
  return readSafetensors(path.join(PARITY_DIR, c.weights)).tensors;
}

export function splitEntries(split: string): { image: string; label: number }[] {
  return fs
    .readFileSync(path.join(PARITY_DIR, split), 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const [image, label] = l.trim().split(/\s+/);
      return { image, label: Number(label) };
    });
}

/** Independent of the product's pipeline: sharp decode, /255, ImageNet normalisation, NHWC. */
export async function normalisedImages(
  split: string,
): Promise<{ data: Float32Array; shape: number[]; labels: number[] }> {
  const entries = splitEntries(split);
  const mean = [0.485, 0.456, 0.406];
  const std = [0.229, 0.224, 0.225];
  const parts: Float32Array[] = [];
  let size = 0;
  for (const e of entries) {
    const { data, info } = await sharp(path.join(PARITY_DIR, e.image))
      .raw()
      .toBuffer({ resolveWithObject: true });
    size = info.width;
    const f = new Float32Array(info.width * info.height * 3);
    for (let i = 0; i < f.length; i++) f[i] = (data[i] / 255 - mean[i % 3]) / std[i % 3];
    parts.push(f);
  }
  const data = new Float32Array(parts.length * size * size * 3);
  parts.forEach((p, i) => {
    data.set(p, i * p.length);
  });
  return { data, shape: [parts.length, size, size, 3], labels: entries.map((e) => e.label) };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function get(m: TensorMap, k: string): HostTensor {
  const t = m.get(k);
  if (!t) throw new Error(`fixture has no '${k}'`);
  return t;
}

/** A case's model: the backbone from `checkpoint` (frozen), its prompts and head, on the current backend. */
export function parityCaseModel(c: ParityCase, checkpoint = 'timm.pth'): PromptedViT {
  const b = parityBackbone();
  const cfg = vitConfig(
    {
      embed_dim: b.embed_dim,
      depth: b.depth,
      num_heads: b.num_heads,
      patch_size: b.patch_size,
      image_size: b.image_size,
    },
    c.image_size,
  );
  const loaded = loadBackbone(path.join(PARITY_DIR, checkpoint), 'auto', cfg);
  const w = vitWeightsFromState(loaded.state, cfg, { trainable: false });
  const t = caseTensors(c);
  const head = headFromHost(get(t, 'head.weight'), get(t, 'head.bias'), cfg.embedDim);
  const prompts = c.mode
    ? promptParamsFromHost(get(t, 'prompts'), c.mode, cfg.depth, cfg.embedDim)
    : undefined;
  return new PromptedViT(cfg, w, head, c.pool, c.method, prompts);
}
