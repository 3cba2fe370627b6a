/**
 * Decoded checkpoint -> canonical backbone (timm key names, PyTorch shapes), plus the prompts and the
 * task head of SPT output files. See spt-method.md section 7 for the layouts.
 */

import { CheckpointError } from '../../run-folder/tensors/checkpoint-error';
import {
  type CheckpointValue,
  formatShape,
  type HostTensor,
  type TensorMap,
} from '../../run-folder/tensors/host-tensor';
import { reshape } from './host-ops';
import {
  type CheckpointFormat,
  detectLayout,
  findStateDict,
  type RequestedFormat,
  resolveFormat,
  type StateDict,
} from './layout-detect';
import { convertHf } from './layout-hf';
import { type ConvertedBackbone, convertJax } from './layout-jax';
import { posEmbedGrid } from './resample-pos-embed';

export type { CheckpointFormat, RequestedFormat } from './layout-detect';

export interface MappedCheckpoint {
  format: CheckpointFormat;
  /** Canonical timm names; linear weights (out, in), patch conv (D, 3, p, p). */
  backbone: TensorMap;
  /** SPT files only: (1, N, D) shallow or (depth, N, D) deep. */
  prompts?: HostTensor;
  /** SPT files only: the trained task head, weight (C, D) and bias (C,). */
  head?: { weight: HostTensor; bias: HostTensor };
  /** Known when the layout stores per-head shapes (JAX). */
  numHeads?: number;
  /** Keys of the file's state dict that were not used (pretrained heads, decoders, momentum encoders...). */
  ignoredKeys: string[];
}

/** Canonical keys of a timm ViT backbone (what the engine loads). */
export const CANONICAL_KEY =
  /^(cls_token|pos_embed|patch_embed\.proj\.(weight|bias)|norm\.(weight|bias)|blocks\.\d+\.(norm1|norm2|attn\.qkv|attn\.proj|mlp\.fc1|mlp\.fc2)\.(weight|bias))$/;

/** numHeads reported by converters that know it, keyed by the backbone map they produced. */
const knownHeads = new WeakMap<TensorMap, number>();

/** timm / MAE / MoCo v3 / SPT: timm's names behind a prefix. */
function convertTimmNamed(sd: StateDict, prefix: string, format: CheckpointFormat, file: string) {
  const backbone: TensorMap = new Map();
  const ignoredKeys: string[] = [];
  let prompts: HostTensor | undefined;
  let headWeight: HostTensor | undefined;
  let headBias: HostTensor | undefined;
  const useFcNorm = sd.tensors.has(`${prefix}fc_norm.weight`) && !sd.tensors.has(`${prefix}norm.weight`);
  for (const [key, t] of sd.tensors) {
    if (!key.startsWith(prefix)) {
      ignoredKeys.push(key); // module.momentum_encoder.*, module.predictor.*, ...
      continue;
    }
    const name = key.slice(prefix.length);
    if (CANONICAL_KEY.test(name)) backbone.set(name, t);
    else if (useFcNorm && (name === 'fc_norm.weight' || name === 'fc_norm.bias')) {
      // MAE fine-tuned with global pooling: fc_norm after the mean is the final norm of spec section 4.
      backbone.set(name.slice(3), t);
    } else if (format === 'spt' && name === 'prompt_token') prompts = t;
    else if (format === 'spt' && name === 'head.weight') headWeight = t;
    else if (format === 'spt' && name === 'head.bias') headBias = t;
    // Unknown block parameters (layer scale, ...) stay so that checkBackbone reports them.
    else if (name.startsWith('blocks.')) backbone.set(name, t);
    else ignoredKeys.push(key); // head.* of pretrained files, decoder_*, mask_token, ...
  }
  return { backbone, ignoredKeys, ...sptTaskWeights(prompts, headWeight, headBias, prefix, file) };
}

/**
 * The trained prompts and task head of an SPT/VPT output file, shape-checked: prompt_token (N, D) or
 * (S, N, D) becomes (S, N, D); the head must be weight (C, D) with bias (C,), both or neither.
 */
export function sptTaskWeights(
  promptToken: HostTensor | undefined,
  headWeight: HostTensor | undefined,
  headBias: HostTensor | undefined,
  prefix: string,
  file: string,
): { prompts?: HostTensor; head?: MappedCheckpoint['head'] } {
  let prompts = promptToken;
  if (prompts && prompts.shape.length === 2) prompts = reshape(prompts, [1, ...prompts.shape]);
  if (prompts && prompts.shape.length !== 3) {
    throw new CheckpointError(
      file,
      `'${prefix}prompt_token' has shape ${formatShape(prompts.shape)}, expected (1, N, D) or (depth, N, D)`,
    );
  }
  let head: MappedCheckpoint['head'];
  if (headWeight || headBias) {
    if (!headWeight || !headBias) {
      throw new CheckpointError(
        file,
        `the SPT checkpoint has only one of '${prefix}head.weight' and 'head.bias'`,
      );
    }
    if (
      headWeight.shape.length !== 2 ||
      headBias.shape.length !== 1 ||
      headBias.shape[0] !== headWeight.shape[0]
    ) {
      throw new CheckpointError(
        file,
        `the SPT task head has weight ${formatShape(headWeight.shape)} and bias ${formatShape(headBias.shape)}, expected (C, D) and (C,)`,
      );
    }
    head = { weight: headWeight, bias: headBias };
  }
  return { prompts, head };
}

/**
 * Maps the decoded content of a checkpoint file to the canonical backbone. `format` is the user's
 * `backbone.format`; `file` names the file in error messages.
 */
export function mapCheckpoint(
  value: CheckpointValue,
  format: RequestedFormat = 'auto',
  file = 'checkpoint',
): MappedCheckpoint {
  const sd = findStateDict(value, file);
  const detection = detectLayout(sd, file);
  const resolved = resolveFormat(format, detection, file);
  let out: MappedCheckpoint;
  if (resolved === 'jax' || resolved === 'hf') {
    const c: ConvertedBackbone =
      resolved === 'jax'
        ? convertJax(sd.tensors, detection.prefix, file)
        : convertHf(sd.tensors, detection.prefix, file);
    out = { format: resolved, backbone: c.backbone, ignoredKeys: c.ignoredKeys };
    if (c.numHeads !== undefined) {
      out.numHeads = c.numHeads;
      knownHeads.set(c.backbone, c.numHeads);
    }
  } else {
    const c = convertTimmNamed(sd, detection.prefix, resolved, file);
    out = { format: resolved, backbone: c.backbone, ignoredKeys: c.ignoredKeys };
    if (c.prompts) out.prompts = c.prompts;
    if (c.head) out.head = c.head;
  }
  out.ignoredKeys.push(...sd.nonTensorKeys);
  return out;
}

export interface BackboneSize {
  embedDim: number;
  depth: number;
  patchSize: number;
  /** Patches per side of the checkpoint's position embedding. */
  gridSize: number;
  /** Only when the layout stores it (JAX per-head kernels). */
  numHeads?: number;
}

/**
 * The size of the ViT a canonical backbone belongs to: D and the patch from the conv weight
 * (D, 3, p, p), the depth from the block indices, the grid from pos_embed (1, 1 + g*g, D).
 */
export function inferBackboneSize(backbone: TensorMap): BackboneSize {
  const conv = backbone.get('patch_embed.proj.weight');
  const pos = backbone.get('pos_embed');
  if (conv?.shape.length !== 4) {
    throw new Error(
      `cannot infer the ViT size: 'patch_embed.proj.weight' is ${conv ? formatShape(conv.shape) : 'missing'}, expected (D, 3, p, p)`,
    );
  }
  let depth = 0;
  for (const key of backbone.keys()) {
    const m = /^blocks\.(\d+)\./.exec(key);
    if (m) depth = Math.max(depth, Number(m[1]) + 1);
  }
  const grid = pos ? posEmbedGrid(pos.shape) : undefined;
  if (grid === undefined) {
    throw new Error(
      `cannot infer the patch grid: 'pos_embed' is ${pos ? formatShape(pos.shape) : 'missing'}, expected (1, 1 + g*g, D)`,
    );
  }
  const size: BackboneSize = { embedDim: conv.shape[0], depth, patchSize: conv.shape[2], gridSize: grid };
  const heads = knownHeads.get(backbone);
  if (heads !== undefined) size.numHeads = heads;
  return size;
}
