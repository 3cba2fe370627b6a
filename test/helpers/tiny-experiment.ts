/** Writes a tiny experiment on the parity fixtures (3-block ViT of width 32, 6 images: trains in seconds). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PARITY_DIR } from './parity-fixtures';

export interface TinyExperiment {
  name: string;
  seed: number;
  pool: 'cls' | 'mean';
  init: 'random' | 'mean' | 'max' | 'kmeans';
  /** The `train:` flow mapping, e.g. `{epochs: 2, warmup_epochs: 1, batch_size: 3, lr: 0.01}`. */
  train: string;
  /** The `analysis:` flow mapping. */
  analysis: string;
  /** output.dir as written in the file. */
  outputDir: string;
  /** The `prompt:` flow mapping (default: deep SPT prompts of length 4 with `init`). */
  prompt?: string;
}

export function writeTinyExperiment(dir: string, e: TinyExperiment, extra = ''): string {
  const f = path.join(dir, `${e.name}.spt.yaml`);
  fs.writeFileSync(
    f,
    `name: ${e.name}
seed: ${e.seed}
backbone:
  arch: {embed_dim: 32, depth: 3, num_heads: 4, patch_size: 8, image_size: 32}
  checkpoint: ${path.join(PARITY_DIR, 'timm.pth')}
  pool: ${e.pool}
data: {root: ${PARITY_DIR}, train: images.txt, val: images.txt, test: images.txt, num_classes: 5}
prompt: ${e.prompt ?? `{method: spt, mode: deep, length: 4, init: ${e.init}}`}
train: ${e.train}
device: {backend: wasm}
analysis: ${e.analysis}
output: {dir: ${e.outputDir}}
${extra}`,
  );
  return f;
}
