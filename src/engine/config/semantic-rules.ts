/**
 * Cross-field rules of the experiment file (beyond types): each returns problems located at the key
 * that should change. Pure: no file system (the language server adds file checks on top).
 */
import type { Document, Node } from 'yaml';
import { isMap, isScalar } from 'yaml';
import { NAMED_VITS } from '../model/vit-config';
import type { ExperimentConfig } from './experiment-schema';
import type { ConfigProblem, Severity } from './validate-config';

export const SPT_INITS = ['random', 'mean', 'max', 'kmeans'] as const;

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

/** The initialiser actually used: the written one, or the method's default. */
export function effectiveInit(c: ExperimentConfig): string | null {
  if (c.prompt.init) return c.prompt.init;
  if (c.prompt.method === 'spt') return 'random';
  if (c.prompt.method === 'vpt') return 'xavier';
  return null;
}

export function semanticProblems(c: ExperimentConfig, doc: Document): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const add = (path: string[], message: string, severity: Severity = 'error', code = 'semantic') =>
    out.push({ path, message, severity, range: rangeAt(doc, path), code });
  const size = archSize(c.backbone.arch);
  const imageSize = c.data.image_size ?? size.image;
  if (size.dim % size.heads !== 0) {
    add(
      ['backbone', 'arch', 'num_heads'],
      `backbone.arch: embed_dim ${size.dim} is not divisible by num_heads ${size.heads}`,
      'error',
      'heads',
    );
  }
  if (imageSize % size.patch !== 0) {
    const path = c.data.image_size !== null ? ['data', 'image_size'] : ['backbone', 'arch', 'image_size'];
    const lo = imageSize - (imageSize % size.patch);
    add(
      path,
      `image size ${imageSize} is not divisible by the patch size ${size.patch} (try ${lo} or ${lo + size.patch})`,
      'error',
      'image-size',
    );
  }
  const { method, mode, length } = c.prompt;
  const written = c.prompt.init;
  if (written) {
    if (method === 'spt' && !(SPT_INITS as readonly string[]).includes(written)) {
      add(
        ['prompt', 'init'],
        `prompt.init: ${written} is a VPT initialiser; spt uses random, mean, max or kmeans (or set method: vpt)`,
        'error',
        'init-method',
      );
    } else if (method === 'vpt' && written !== 'xavier') {
      add(
        ['prompt', 'init'],
        `prompt.init: ${written} is an SPT initialiser; vpt uses xavier (or set method: spt)`,
        'error',
        'init-method',
      );
    } else if (method === 'linear' || method === 'full') {
      add(
        ['prompt', 'init'],
        `prompt.init: method ${method} has no prompts to initialise; remove init`,
        'error',
        'init-method',
      );
    }
  }
  if ((method === 'spt' || method === 'vpt') && length < 1) {
    add(['prompt', 'length'], `prompt.length must be >= 1 for method ${method}`, 'error', 'length');
  }
  if (method === 'linear' && length > 0 && doc.getIn(['prompt', 'length']) !== undefined) {
    add(
      ['prompt', 'length'],
      'prompt.length is ignored by method linear (it trains the head only); remove it or set 0',
      'warning',
      'length',
    );
  }
  if (method === 'full' && length > 0 && mode === 'deep' && doc.getIn(['prompt', 'length']) !== undefined) {
    add(
      ['prompt', 'mode'],
      'method full with deep prompts trains both the whole backbone and the prompts; the full fine-tuning baseline has none (set length: 0)',
      'warning',
      'full-deep',
    );
  }
  const init = effectiveInit(c);
  if (method === 'spt' && (init === 'mean' || init === 'max')) {
    const T = (imageSize / size.patch) ** 2;
    if (length - 1 > T)
      add(
        ['prompt', 'length'],
        `prompt.length ${length} needs at least ${length - 1} patches per image for ${init} pooling; the image has ${T}`,
        'error',
        'length',
      );
  }
  if (c.train.warmup_epochs >= c.train.epochs) {
    add(
      ['train', 'warmup_epochs'],
      `train.warmup_epochs (${c.train.warmup_epochs}) must be less than train.epochs (${c.train.epochs})`,
      'error',
      'warmup',
    );
  }
  if (c.train.min_lr > c.train.lr)
    add(
      ['train', 'min_lr'],
      `train.min_lr (${c.train.min_lr}) is larger than train.lr (${c.train.lr})`,
      'warning',
      'min-lr',
    );
  return out;
}
