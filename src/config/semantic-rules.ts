/**
 * Cross-field rules of the experiment file (beyond types): each returns problems located at the key
 * that should change. Pure: no file system (the language server adds file checks on top).
 *
 * The rules run on what the schema validated even when other fields have errors (a misspelled key
 * elsewhere must not hide them): a field that is missing or invalid is `undefined` in that value, and
 * each rule runs only when every field it reads is there.
 */
import type { Document, Node } from 'yaml';
import { isMap, isScalar } from 'yaml';
import { activationBytesPerImage, NAMED_VITS, type NamedViT } from './architectures';
import type { CustomSize, ExperimentConfig } from './experiment-schema';
import { effectiveInit, methodHasPrompts, SPT_INITS } from './methods';
import type { ConfigProblem, Severity } from './validate-config';

/** Range of the value at `path` (or of its nearest written ancestor's key). */
export function rangeAt(doc: Document, path: string[], part: 'value' | 'key' = 'value'): [number, number] {
  let node = doc.contents as Node | null;
  let best: [number, number] = [0, 1];
  for (const key of path) {
    if (!isMap(node)) break;
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
    if (!pair) break;
    const k = pair.key as Node;
    if (k.range) best = [k.range[0], k.range[1]];
    node = pair.value as Node | null;
    if (key === path[path.length - 1] && part === 'value' && node?.range)
      best = [node.range[0], node.range[1]];
  }
  return best;
}

/** The ViT size the config asks for (patch, native image size, width, heads). */
export function archSize(arch: ExperimentConfig['backbone']['arch']) {
  if (typeof arch === 'string') {
    const n = NAMED_VITS[arch];
    return { patch: n.patchSize, image: n.imageSize, dim: n.embedDim, heads: n.numHeads, depth: n.depth };
  }
  return {
    patch: arch.patch_size,
    image: arch.image_size,
    dim: arch.embed_dim,
    heads: arch.num_heads,
    depth: arch.depth,
  };
}

/** A config as the schema validated it: any field may be missing (invalid or not written). */
export type PartialConfig = DeepPartial<ExperimentConfig>;
type DeepPartial<T> = T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/** Activations of one image in one training step may not exceed this (the wasm heap is 4 GiB). */
export const MAX_IMAGE_ACTIVATION_BYTES = 4 * 2 ** 30;
/** A batch is decoded into one float32 array (and two more are prefetched). */
export const MAX_BATCH_INPUT_BYTES = 2 * 2 ** 30;

const GiB = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;

/** The ViT size, when every part of it is valid. */
function partialArchSize(arch: unknown): ReturnType<typeof archSize> | undefined {
  if (typeof arch === 'string')
    return Object.hasOwn(NAMED_VITS, arch) ? archSize(arch as NamedViT) : undefined;
  if (typeof arch !== 'object' || arch === null) return undefined;
  const a = arch as Partial<CustomSize>;
  const parts = [a.embed_dim, a.depth, a.num_heads, a.patch_size, a.image_size];
  return parts.every((v) => typeof v === 'number') ? archSize(a as CustomSize) : undefined;
}

export function semanticProblems(c: PartialConfig, doc: Document): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const add = (path: string[], message: string, severity: Severity = 'error', code = 'semantic') =>
    out.push({ path, message, severity, range: rangeAt(doc, path), code });
  const written = (path: string[]) => doc.getIn(path) !== undefined;
  const size = partialArchSize(c.backbone?.arch);
  const dataImageSize = c.data?.image_size;
  // null: the backbone's native size; undefined: invalid or no data section.
  const imageSize = dataImageSize === undefined ? undefined : (dataImageSize ?? size?.image);
  if (size && size.dim % size.heads !== 0) {
    add(
      ['backbone', 'arch', 'num_heads'],
      `backbone.arch: embed_dim ${size.dim} is not divisible by num_heads ${size.heads}`,
      'error',
      'heads',
    );
  }
  const imageSizeOk = size !== undefined && imageSize !== undefined && imageSize % size.patch === 0;
  if (size && imageSize !== undefined && imageSize % size.patch !== 0) {
    const path = dataImageSize !== null ? ['data', 'image_size'] : ['backbone', 'arch', 'image_size'];
    const lo = imageSize - (imageSize % size.patch);
    add(
      path,
      `image size ${imageSize} is not divisible by the patch size ${size.patch} (try ${lo > 0 ? `${lo} or ` : ''}${lo + size.patch})`,
      'error',
      'image-size',
    );
  }
  const prompt = c.prompt ?? {};
  const { method, mode, length } = prompt;
  const init = prompt.init;
  if (init && method !== undefined) {
    if (method === 'spt' && !(SPT_INITS as readonly string[]).includes(init)) {
      add(
        ['prompt', 'init'],
        `prompt.init: ${init} is a VPT initialiser; spt uses random, mean, max or kmeans (or set prompt.method: vpt)`,
        'error',
        'init-method',
      );
    } else if (method === 'vpt' && init !== 'xavier') {
      add(
        ['prompt', 'init'],
        `prompt.init: ${init} is an SPT initialiser; vpt uses xavier (or set prompt.method: spt)`,
        'error',
        'init-method',
      );
    } else if (!methodHasPrompts(method) || method === 'full') {
      add(
        ['prompt', 'init'],
        `prompt.init: method ${method} has no prompts to initialise; remove prompt.init`,
        'error',
        'init-method',
      );
    }
  }
  if ((method === 'spt' || method === 'vpt') && length !== undefined && length < 1) {
    add(['prompt', 'length'], `prompt.length must be >= 1 for method ${method}`, 'error', 'length');
  }
  if (!methodHasPrompts(method) && length !== undefined && length > 0 && written(['prompt', 'length'])) {
    add(
      ['prompt', 'length'],
      'prompt.length is ignored by method linear (it trains the head only); remove it or set 0',
      'warning',
      'length',
    );
  }
  if (
    method === 'full' &&
    length !== undefined &&
    length > 0 &&
    mode === 'deep' &&
    written(['prompt', 'length'])
  ) {
    add(
      ['prompt', 'mode'],
      'method full with deep prompts trains both the whole backbone and the prompts; the full fine-tuning baseline has none (set prompt.length: 0)',
      'warning',
      'full-deep',
    );
  }
  const used =
    method !== undefined && init !== undefined ? effectiveInit({ prompt: { method, init } }) : undefined;
  if (method === 'spt' && (used === 'mean' || used === 'max') && imageSizeOk && length !== undefined) {
    const T = (imageSize / size.patch) ** 2;
    if (length - 1 > T)
      add(
        ['prompt', 'length'],
        `prompt.length ${length} needs at least ${length - 1} patches per image for ${used} pooling; the image has ${T}`,
        'error',
        'length',
      );
  }
  // Memory: one image's activations in a training step, and one batch of decoded images.
  if (imageSizeOk && size.dim % size.heads === 0 && method !== undefined && length !== undefined) {
    const n = methodHasPrompts(method) ? length : 0;
    const bytes = (S: number, N: number) =>
      activationBytesPerImage(
        {
          embedDim: size.dim,
          depth: size.depth,
          numHeads: size.heads,
          patchSize: size.patch,
          imageSize: S,
          mlpRatio: 4,
          inChans: 3,
          layerNormEps: 1e-6,
        },
        N,
      );
    const need = bytes(imageSize, n);
    if (need > MAX_IMAGE_ACTIVATION_BYTES) {
      const patches = (imageSize / size.patch) ** 2;
      // What would fit: the largest image size (a multiple of the patch) at this length, and the
      // largest length at this image size.
      let S = imageSize - size.patch;
      while (S > 0 && bytes(S, n) > MAX_IMAGE_ACTIVATION_BYTES) S -= size.patch;
      let [lo, hi] = [0, n]; // bytes(imageSize, hi) does not fit; find the largest length that does
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (bytes(imageSize, mid) <= MAX_IMAGE_ACTIVATION_BYTES) lo = mid;
        else hi = mid;
      }
      const fixes = [S > 0 && `data.image_size to ${S}`, lo > 0 && `prompt.length to ${lo}`].filter(Boolean);
      const at =
        n > patches && written(['prompt', 'length'])
          ? ['prompt', 'length']
          : written(['data', 'image_size'])
            ? ['data', 'image_size']
            : ['backbone', 'arch'];
      add(
        at,
        `one training image needs ${GiB(need)} of activations (${1 + n + patches} tokens of width ${size.dim} through ${size.depth} blocks), more than the ${GiB(MAX_IMAGE_ACTIVATION_BYTES)} a training step can hold; ${fixes.length ? `lower ${fixes.join(' or ')}` : 'choose a smaller backbone.arch'}`,
        'error',
        'memory',
      );
    }
  }
  const batch = c.train?.batch_size;
  if (imageSize !== undefined && batch !== undefined) {
    const bytes = batch * 3 * imageSize * imageSize * 4;
    if (bytes > MAX_BATCH_INPUT_BYTES) {
      const most = Math.max(1, Math.floor(MAX_BATCH_INPUT_BYTES / (3 * imageSize * imageSize * 4)));
      add(
        ['train', 'batch_size'],
        `train.batch_size ${batch} at ${imageSize} px is ${GiB(bytes)} of decoded images per batch (at most ${GiB(MAX_BATCH_INPUT_BYTES)}); lower train.batch_size to ${most} or less (train.micro_batch splits a batch for the model, not for decoding)`,
        'error',
        'memory',
      );
    }
  }
  const train = c.train ?? {};
  if (
    train.warmup_epochs !== undefined &&
    train.epochs !== undefined &&
    train.warmup_epochs >= train.epochs
  ) {
    add(
      ['train', 'warmup_epochs'],
      `train.warmup_epochs (${train.warmup_epochs}) must be less than train.epochs (${train.epochs})`,
      'error',
      'warmup',
    );
  }
  if (train.min_lr !== undefined && train.lr !== undefined && train.min_lr > train.lr)
    add(
      ['train', 'min_lr'],
      `train.min_lr (${train.min_lr}) is larger than train.lr (${train.lr})`,
      'warning',
      'min-lr',
    );
  return out;
}
