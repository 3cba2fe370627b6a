/**
 * THE experiment schema (`*.spt.yaml`): the single source of truth for the trainer, the CLI, the
 * language server and the generated JSON Schema. Field docs are what users see on hover.
 */

import { NAMED_VITS } from './architectures';
import { BACKEND_NAMES } from './backends';
import { METHODS, POOLS, PROMPT_INITS, PROMPT_MODES } from './methods';
import { bool, enm, type Infer, int, nullable, num, obj, oneOf, str } from './schema-dsl';

/**
 * Upper bounds of the numeric fields. Each follows from memory or the architecture; the combinations
 * (one image's activations, one batch of decoded images) are checked by ./semantic-rules.ts.
 */
export const LIMITS = {
  /** Seeds are taken modulo 2^32 by the RNG (src/engine/util/rng.ts): larger ones would repeat smaller ones. */
  seed: 2 ** 32 - 1,
  /** Input side in pixels: one 3 x S x S float32 image is 192 MiB at 4096. */
  imageSize: 4096,
  patchSize: 1024,
  embedDim: 16384,
  depth: 256,
  numHeads: 1024,
  /** Prompt tokens per set (the paper: 20 deep, 100 shallow, at most 200). */
  promptLength: 4096,
  /** The head is num_classes x D float32 with two AdamW moments (21,843 classes in ImageNet-21k). */
  numClasses: 100_000,
  epochs: 100_000,
  batchSize: 65_536,
  /** Images streamed for the SPT initialisers (ImageNet-21k has 14 million). */
  initImages: 100_000_000,
  /** Learning rates and weight decays are float32 in the optimiser: above its largest value they are infinite. */
  float32: 3.4028234663852886e38,
  probeImages: 256,
} as const;

const FLOAT32_WHY = 'the largest float32; the optimiser computes in float32';

const customSize = obj(
  {
    embed_dim: int('Token width D.', { min: 1, max: LIMITS.embedDim, example: 192 }),
    depth: int('Number of transformer blocks.', { min: 1, max: LIMITS.depth, example: 12 }),
    num_heads: int('Attention heads; embed_dim must be divisible by it.', {
      min: 1,
      max: LIMITS.numHeads,
      example: 3,
    }),
    patch_size: int('Patch side P in pixels (conv kernel = stride = P).', {
      min: 1,
      max: LIMITS.patchSize,
      example: 16,
    }),
    image_size: int('Native input side in pixels; must be divisible by patch_size.', {
      min: 1,
      max: LIMITS.imageSize,
      example: 224,
    }),
  },
  'A custom ViT size (timm structure, MLP ratio 4, LayerNorm eps 1e-6).',
  { required: ['embed_dim', 'depth', 'num_heads', 'patch_size', 'image_size'] },
);

const namedArchs = Object.keys(NAMED_VITS) as (keyof typeof NAMED_VITS)[];

export const experimentSchema = obj(
  {
    name: str('Experiment name: runs are written to `<output.dir>/<name>/<timestamp>/`.', {
      pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
      example: 'cub-spt-deep',
    }),
    seed: int(
      'Seed of every random choice (data split, shuffling, augmentation, prompt and head init). Recorded in the run.',
      {
        min: 0,
        max: LIMITS.seed,
        maxWhy: 'the random number generator takes 32-bit seeds',
        default: 42,
      },
    ),
    backbone: obj(
      {
        arch: oneOf(
          [enm(namedArchs, 'A timm ViT name.'), customSize],
          'The frozen ViT: a timm name or a custom size.',
          {
            example: 'vit_base_patch16_224',
          },
        ),
        checkpoint: nullable(
          str('Pretrained weights: .pth/.pth.tar (PyTorch zip), .safetensors, or .npz (Google JAX).', {
            path: 'file',
          }),
          'Pretrained weights file, relative to this file. null: random weights (only for tests).',
          { example: './checkpoints/mae_pretrain_vit_base.pth' },
        ),
        format: enm(
          ['auto', 'timm', 'mae', 'mocov3', 'jax', 'hf'],
          'Key layout of the checkpoint; auto detects it from the keys.',
          {
            default: 'auto',
            valueDocs: {
              auto: 'Detect from the keys.',
              timm: 'timm state dict (cls_token, pos_embed, blocks.N....).',
              mae: "MAE: the encoder under 'model'.",
              mocov3: "MoCo v3: 'state_dict' with module.base_encoder. (or module.) prefixes.",
              jax: "Google's original ViT .npz (Transformer/encoderblock_N/...).",
              hf: 'Hugging Face ViTModel / ViTMAEModel safetensors.',
            },
          },
        ),
        pool: enm(
          POOLS,
          'How the head reads the tokens: cls (supervised, MoCo v3) or mean of all but CLS then norm (MAE).',
          {
            default: 'cls',
            recipes: [
              { value: 'mean', source: 'MAE backbones' },
              { value: 'cls', source: 'supervised and MoCo v3 backbones' },
            ],
            valueDocs: {
              cls: 'Final norm, then the CLS token (supervised IN-21k and MoCo v3 backbones).',
              mean: 'Mean of all tokens except CLS (prompts and patches), then the final norm (MAE backbones).',
            },
          },
        ),
      },
      'The frozen Vision Transformer.',
      { required: ['arch'] },
    ),
    data: obj(
      {
        format: enm(['imagefolder', 'vtab', 'fgvc', 'vpt-json', 'synthetic'], 'Dataset layout.', {
          default: 'vtab',
          valueDocs: {
            imagefolder: 'One folder per class under root (train/val/test name sub-folders).',
            vtab: 'VTAB-1k split files: `<path> <label>` lines (train800.txt, val200.txt, test.txt).',
            fgvc: "FGVC split files in the SPT authors' layout (`<path> <label>` lines).",
            'vpt-json': 'VPT layout: {train,val,test}.json mapping relative paths to labels.',
            synthetic: 'Images generated from the seed (tests and benchmarks).',
          },
        }),
        root: str('Dataset folder, relative to this file; split files and image paths are relative to it.', {
          path: 'dir',
          example: './data/CUB_200_2011',
        }),
        train: str('Training split file (or folder/json for imagefolder and vpt-json), relative to root.', {
          example: 'train800.txt',
        }),
        val: nullable(
          str('Validation split, relative to root.'),
          'Validation split; null holds out val_fraction of train, stratified and seeded.',
          { default: null },
        ),
        val_fraction: num('Share of train held out for validation when val is null.', {
          min: 0,
          exclusiveMin: true,
          max: 0.5,
          default: 0.1,
        }),
        test: nullable(
          str('Test split, relative to root.'),
          'Test split, evaluated once with the epoch chosen on val.',
          { default: null },
        ),
        num_classes: int('Number of classes; labels must be in [0, num_classes).', {
          min: 1,
          max: LIMITS.numClasses,
          example: 200,
        }),
        image_size: nullable(
          int(
            'Input side in pixels; position embeddings are resampled when it differs from the checkpoint.',
            { min: 1, max: LIMITS.imageSize },
          ),
          "Model input side; null: the backbone's native size.",
          { default: null },
        ),
        augment: enm(
          ['none', 'fgvc'],
          'Training augmentation: none (VTAB) or fgvc (random resized crop + flip).',
          { default: 'none' },
        ),
        allow_outside_root: bool(
          'Allow split-file entries (and `spt predict --images` entries) whose path resolves outside data.root, such as `../other/x.jpg` or `/abs/x.jpg`. Off by default: such an entry is refused (exit 2), so a split file cannot make the trainer read files elsewhere (`../../etc/passwd`). The check is on the written path; symbolic links under data.root are followed either way.',
          { default: false },
        ),
      },
      'The downstream dataset.',
      { required: ['root', 'train', 'num_classes'] },
    ),
    prompt: obj(
      {
        method: enm(METHODS, 'What is trained.', {
          default: 'spt',
          valueDocs: {
            spt: "Self-Prompt Tuning: prompts initialised from the training images' own tokens, + head.",
            vpt: 'Visual Prompt Tuning: xavier-initialised prompts + head.',
            linear: 'Linear probe: the head only (no prompts).',
            full: 'Full fine-tuning: every backbone weight + head (a baseline).',
          },
        }),
        mode: enm(
          PROMPT_MODES,
          'shallow: one prompt set before block 0; deep: a set before every block (replaced, not accumulated).',
          { default: 'deep' },
        ),
        length: int('Prompt tokens per set N (deep default 20, shallow 100 in the paper).', {
          min: 0,
          max: LIMITS.promptLength,
          default: 20,
          recipes: [
            { value: 20, source: 'deep prompts' },
            { value: 100, source: 'shallow prompts' },
          ],
        }),
        init: nullable(
          enm(PROMPT_INITS, 'Prompt initialiser.', {
            valueDocs: {
              random: 'SPT: N patch tokens drawn uniformly from all training images.',
              mean: "SPT: mean-pooled windows of each image's tokens, N of them drawn.",
              max: 'SPT: max-pooled windows, N of them drawn.',
              kmeans: 'SPT: k-means centres of a sample of the training tokens.',
              xavier: 'VPT: Xavier-uniform.',
            },
          }),
          'Prompt initialiser; null picks random for spt and xavier for vpt.',
          { default: null },
        ),
        init_images: oneOf(
          [
            enm(['all'], 'Every training image.'),
            int('A seeded random subset of this many training images.', { min: 1, max: LIMITS.initImages }),
          ],
          'Training images streamed through the backbone for the SPT initialisers.',
          { default: 'all' },
        ),
      },
      'Prompts and the trainable set.',
    ),
    train: obj(
      {
        epochs: int('Training epochs.', {
          min: 1,
          max: LIMITS.epochs,
          default: 100,
          recipes: [{ value: 100, source: 'every published recipe' }],
        }),
        warmup_epochs: num('Linear warm-up epochs, then cosine decay to min_lr.', {
          min: 0,
          max: LIMITS.epochs,
          default: 10,
          recipes: [{ value: 10, source: 'every published recipe' }],
        }),
        batch_size: int(
          'Global batch (drop_last); split into micro-batches with gradient accumulation when memory requires.',
          {
            min: 1,
            max: LIMITS.batchSize,
            default: 32,
            recipes: [{ value: 32, source: 'every published recipe (global batch)' }],
          },
        ),
        lr: num('Base learning rate (not scaled by batch size).', {
          min: 0,
          exclusiveMin: true,
          max: LIMITS.float32,
          maxWhy: FLOAT32_WHY,
          default: 0.001,
          recipes: [
            { value: 5e-2, source: 'MAE backbone, CUB-200' },
            { value: 1e-3, source: 'supervised or MoCo v3 backbone, Stanford Dogs' },
          ],
          typical: [1e-5, 0.5],
        }),
        min_lr: num('Learning rate at the end of the cosine schedule.', {
          min: 0,
          max: LIMITS.float32,
          maxWhy: FLOAT32_WHY,
          default: 1e-8,
        }),
        weight_decay: num('AdamW decoupled weight decay of the prompts.', {
          min: 0,
          max: LIMITS.float32,
          maxWhy: FLOAT32_WHY,
          default: 0.01,
          recipes: [{ value: 1e-2, source: 'every published recipe' }],
          typical: [0, 1],
        }),
        wd_head: num(
          'Weight decay of the head weight (deliberately strong in the recipe); biases get none.',
          {
            min: 0,
            max: LIMITS.float32,
            maxWhy: FLOAT32_WHY,
            default: 0.5,
            recipes: [
              { value: 0.5, source: 'MAE backbone, CUB-200' },
              { value: 3.0, source: 'supervised or MoCo v3 backbone, Stanford Dogs' },
            ],
            typical: [0, 30],
          },
        ),
        micro_batch: nullable(
          int('Micro-batch size.', { min: 1, max: LIMITS.batchSize }),
          'Micro-batch size; null chooses one from the memory budget.',
          { default: null },
        ),
        drop_path: num(
          'Stochastic depth in the frozen backbone during training steps, as timm (the SPT authors train with 0.1, backbone in train mode): per sample, each block drops its attention and its MLP branch with a rate rising linearly from 0 at the first block to this value at the last, and scales kept branches by 1/(1 - rate). The masks come from `seed`, the epoch and the step, so runs repeat and resume exactly. 0: none (deterministic). Evaluation, analysis and prediction never drop. The webgpu and native step engines do not implement it: with a rate above 0 those backends step through tfjs.',
          {
            min: 0,
            max: 0.9,
            default: 0,
            recipes: [{ value: 0.1, source: 'the SPT authors (timm drop_path_rate)' }],
            typical: [0, 0.5],
          },
        ),
      },
      'The optimisation recipe (AdamW, warm-up + cosine, set every step).',
    ),
    device: obj(
      {
        backend: enm(
          ['auto', ...BACKEND_NAMES],
          'Compute backend; auto tries tensorflow-gpu, tensorflow, webgpu, native, then wasm.',
          {
            default: 'auto',
            valueDocs: {
              auto: 'The fastest that loads here (see `spt doctor`).',
              'tensorflow-gpu': '@tensorflow/tfjs-node-gpu (CUDA 11.2, cuDNN 8.1).',
              tensorflow: '@tensorflow/tfjs-node (libtensorflow on the CPU).',
              webgpu: 'WebGPU through Dawn (npm webgpu).',
              native:
                'Training steps on the native CPU engine (OpenBLAS, ships prebuilt for linux-x64; `npm run build:native` elsewhere); evaluation on wasm.',
              wasm: 'WebAssembly with XNNPACK (ships with SPT Studio).',
              cpu: 'Pure JavaScript: slow, for debugging.',
            },
          },
        ),
        threads: nullable(
          int('Threads of the wasm backend.', { min: 1, max: 8 }),
          'Threads for the wasm backend (XNNPACK runs its matrix products on them) and the native CPU engine; null: one per CPU core (wasm: at most 8, and one for a backbone narrower than 128, too small to gain). On wasm the numbers do not depend on it; on native they agree within 1e-5. Lower it to leave cores to other work. The other backends manage their own threads.',
          { default: null },
        ),
      },
      'Where the numbers are computed.',
    ),
    output: obj(
      { dir: str('Folder for runs, relative to this file.', { path: 'dir', default: 'runs' }) },
      'Where runs are written.',
    ),
    analysis: obj(
      {
        every_epochs: int('Analyse prompts and attention every this many epochs (0: never).', {
          min: 0,
          max: LIMITS.epochs,
          default: 5,
        }),
        probe_images: int(
          'At most this many fixed validation images for the analysis (prompt-patch statistics, attention maps, prototype plots): one per class, a seeded choice within each class; with more classes than this, a seeded subset of the classes.',
          {
            min: 0,
            max: LIMITS.probeImages,
            default: 32,
          },
        ),
      },
      'Prompt and attention analysis for the dashboard.',
    ),
    predict: obj(
      {
        transform: enm(
          ['auto', 'vtab', 'fgvc'],
          'Evaluation transform: auto follows data.augment (fgvc: shorter side to 256/224 of the input size, then centre crop; otherwise VTAB: shorter side to the input size, then centre crop).',
          { default: 'auto' },
        ),
      },
      'Options of `spt predict` and evaluation.',
    ),
    debug: obj(
      { nan_check: bool('Check every step for non-finite values (slower).', { default: true }) },
      'Diagnostics.',
    ),
  },
  'An SPT Studio experiment.',
  { required: ['name', 'backbone', 'data'] },
);

export type ExperimentConfig = Infer<typeof experimentSchema>;
export type CustomSize = Infer<typeof customSize>;
