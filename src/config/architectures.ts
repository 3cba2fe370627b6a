/**
 * Vision Transformer sizes, as timm names them (spec section 1).
 * A custom size is given by embed_dim, depth, num_heads, patch_size and image_size.
 */
export interface ViTConfig {
  /** Token width D. */
  embedDim: number;
  /** Number of transformer blocks. */
  depth: number;
  /** Attention heads; head_dim = embedDim / numHeads. */
  numHeads: number;
  /** Square patch side P (conv kernel = stride = P). */
  patchSize: number;
  /** Square input side; the patch grid is imageSize / patchSize per side. */
  imageSize: number;
  /** MLP hidden width = mlpRatio * embedDim (4 for every timm ViT used here). */
  mlpRatio: number;
  /** Input channels (RGB). */
  inChans: number;
  /** LayerNorm epsilon (1e-6 in timm's ViTs). */
  layerNormEps: number;
}

export const NAMED_VITS = {
  vit_tiny_patch16_224: { embedDim: 192, depth: 12, numHeads: 3, patchSize: 16, imageSize: 224 },
  vit_small_patch16_224: { embedDim: 384, depth: 12, numHeads: 6, patchSize: 16, imageSize: 224 },
  vit_base_patch16_224: { embedDim: 768, depth: 12, numHeads: 12, patchSize: 16, imageSize: 224 },
  vit_large_patch16_224: { embedDim: 1024, depth: 24, numHeads: 16, patchSize: 16, imageSize: 224 },
  vit_huge_patch14_224: { embedDim: 1280, depth: 32, numHeads: 16, patchSize: 14, imageSize: 224 },
} as const;

export type NamedViT = keyof typeof NAMED_VITS;

export interface CustomViTSize {
  embed_dim: number;
  depth: number;
  num_heads: number;
  patch_size: number;
  image_size: number;
}

/** Builds a full config from a timm name or a custom size; `imageSize` overrides the native size. */
export function vitConfig(arch: NamedViT | CustomViTSize, imageSize?: number): ViTConfig {
  const base =
    typeof arch === 'string'
      ? NAMED_VITS[arch]
      : {
          embedDim: arch.embed_dim,
          depth: arch.depth,
          numHeads: arch.num_heads,
          patchSize: arch.patch_size,
          imageSize: arch.image_size,
        };
  if (!base) throw new Error(`unknown ViT architecture '${String(arch)}'`);
  const cfg: ViTConfig = {
    ...base,
    imageSize: imageSize ?? base.imageSize,
    mlpRatio: 4,
    inChans: 3,
    layerNormEps: 1e-6,
  };
  checkViTConfig(cfg);
  return cfg;
}

export function checkViTConfig(cfg: ViTConfig): void {
  const problems: string[] = [];
  for (const k of ['embedDim', 'depth', 'numHeads', 'patchSize', 'imageSize'] as const) {
    if (!Number.isInteger(cfg[k]) || cfg[k] < 1)
      problems.push(`${k} must be a positive integer (got ${cfg[k]})`);
  }
  if (cfg.embedDim % cfg.numHeads !== 0)
    problems.push(`embed_dim ${cfg.embedDim} is not divisible by num_heads ${cfg.numHeads}`);
  if (cfg.imageSize % cfg.patchSize !== 0)
    problems.push(`image_size ${cfg.imageSize} is not divisible by patch_size ${cfg.patchSize}`);
  if (problems.length) throw new Error(`invalid ViT size: ${problems.join('; ')}`);
}

/** Patches per side and in all: grid = imageSize / patchSize, T = grid^2. */
export function patchGrid(cfg: ViTConfig): { grid: number; numPatches: number } {
  const grid = cfg.imageSize / cfg.patchSize;
  return { grid, numPatches: grid * grid };
}

/**
 * Bytes of wasm heap one image of a training step needs (float32), an upper bound for frozen backbones.
 * Calibrated by `npm run bench` (docs/PERFORMANCE.md), which measures the peak heap of one training step
 * at several batch sizes: ~22 [L, D] tensors and one [H, L, L] map per block and image (the nine tensors a
 * frozen block saves, the transients of the block being run and the allocator's slack); 24 and 2 leave a
 * margin. Full fine-tuning (autodiff through every op) needs several times more.
 */
export function activationBytesPerImage(cfg: ViTConfig, promptLength: number): number {
  const L = 1 + promptLength + (cfg.imageSize / cfg.patchSize) ** 2;
  const D = cfg.embedDim;
  return 4 * cfg.depth * (24 * L * D + 2 * cfg.numHeads * L * L);
}
