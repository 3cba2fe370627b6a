/**
 * Finding the state dict inside a decoded checkpoint and recognising its layout from the key names.
 * Detection never trusts the file extension: only keys decide.
 */

import { CheckpointError } from '../../run-folder/tensors/checkpoint-error';
import {
  type CheckpointDict,
  type CheckpointValue,
  isHostTensor,
  type TensorMap,
} from '../../run-folder/tensors/host-tensor';

export type CheckpointFormat = 'timm' | 'mae' | 'mocov3' | 'jax' | 'hf' | 'spt';
export type RequestedFormat = 'auto' | Exclude<CheckpointFormat, 'spt'>;

export interface StateDict {
  /** The top-level key holding the weights (`model`, `state_dict`), or undefined for a flat file. */
  container?: string;
  tensors: TensorMap;
  /** Entries of the state dict that are not tensors (kept for ignoredKeys). */
  nonTensorKeys: string[];
}

export interface Detection {
  format: CheckpointFormat;
  /** What precedes the canonical names (`module.`, `module.base_encoder.`, `vit.`, ...). */
  prefix: string;
  /** True when the keys prove the format; false when it is only the most likely reading. */
  certain: boolean;
  /** For messages: what the keys look like. */
  description: string;
}

function isDict(v: CheckpointValue | undefined): v is CheckpointDict {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !isHostTensor(v);
}

function flatten(dict: CheckpointDict, prefix: string, into: StateDict): void {
  for (const [k, v] of Object.entries(dict)) {
    const name = prefix + k;
    if (isHostTensor(v)) into.tensors.set(name.endsWith('.npy') ? name.slice(0, -4) : name, v);
    else if (isDict(v)) flatten(v, `${name}.`, into);
    else into.nonTensorKeys.push(name);
  }
}

function countTensors(v: CheckpointValue | undefined): number {
  if (isHostTensor(v)) return 1;
  if (!isDict(v)) return 0;
  let n = 0;
  for (const x of Object.values(v)) n += countTensors(x);
  return n;
}

const CONTAINERS = ['model', 'state_dict'];

/** The weights of a checkpoint: the whole file when its top level holds tensors, else `model`/`state_dict`. */
export function findStateDict(value: CheckpointValue, file: string): StateDict {
  if (!isDict(value)) {
    throw new CheckpointError(
      file,
      `the file decodes to ${Array.isArray(value) ? 'a list' : typeof value}, not a dict of weights`,
      'point backbone.checkpoint at a timm, MAE, MoCo v3, JAX .npz, Hugging Face or SPT checkpoint',
    );
  }
  const direct = Object.values(value).filter(isHostTensor).length;
  let container: string | undefined;
  if (direct === 0) {
    let best = 0;
    for (const name of CONTAINERS) {
      const n = countTensors(value[name]);
      if (n > best) {
        best = n;
        container = name;
      }
    }
    if (container === undefined) {
      const keys = Object.keys(value).slice(0, 12).join(', ');
      throw new CheckpointError(
        file,
        `found no weights: the top level holds no tensors and no 'model' or 'state_dict' dict (keys: ${keys})`,
        'point backbone.checkpoint at a file holding a ViT state dict',
      );
    }
  }
  const sd: StateDict = { container, tensors: new Map(), nonTensorKeys: [] };
  flatten(container === undefined ? value : (value[container] as CheckpointDict), '', sd);
  return sd;
}

function findPrefix(keys: string[], suffix: string, prefer?: string): string | undefined {
  const prefixes = keys.filter((k) => k.endsWith(suffix)).map((k) => k.slice(0, k.length - suffix.length));
  if (prefixes.length === 0) return undefined;
  if (prefer !== undefined) {
    const p = prefixes.find((x) => x.endsWith(prefer));
    if (p !== undefined) return p;
  }
  return prefixes.sort((a, b) => a.length - b.length)[0];
}

function sample(keys: string[], n = 3): string {
  return keys
    .slice(0, n)
    .map((k) => `'${k}'`)
    .join(', ');
}

/** Recognises the layout of a state dict from its keys. */
export function detectLayout(sd: StateDict, file: string): Detection {
  const keys = [...sd.tensors.keys()];
  const jax = findPrefix(keys, 'embedding/kernel');
  if (jax !== undefined || keys.some((k) => k.includes('Transformer/encoderblock_'))) {
    return {
      format: 'jax',
      prefix: jax ?? '',
      certain: true,
      description: `Google JAX ViT arrays (${sample(keys.filter((k) => k.includes('/')))})`,
    };
  }
  const hf = findPrefix(keys, 'embeddings.patch_embeddings.projection.weight');
  if (hf !== undefined) {
    return {
      format: 'hf',
      prefix: hf,
      certain: true,
      description: `Hugging Face ViTModel/ViTMAEModel weights ('${hf}embeddings.*', '${hf}encoder.layer.{i}.*')`,
    };
  }
  const prefix = findPrefix(keys, 'patch_embed.proj.weight', 'base_encoder.');
  if (prefix === undefined) {
    throw new CheckpointError(
      file,
      `the keys do not look like a Vision Transformer in any supported layout (no 'patch_embed.proj.weight', ` +
        `'embedding/kernel' or 'embeddings.patch_embeddings.projection.weight'); first keys: ${sample(keys, 6)}`,
      'use a timm, MAE, MoCo v3, Google JAX (.npz), Hugging Face ViT (.safetensors) or SPT checkpoint',
    );
  }
  const has = (name: string) => sd.tensors.has(prefix + name);
  if (prefix.endsWith('base_encoder.')) {
    return {
      format: 'mocov3',
      prefix,
      certain: true,
      description: `a MoCo v3 pre-training checkpoint ('${prefix}*' keys)`,
    };
  }
  const prompts = sd.tensors.get(`${prefix}prompt_token`);
  if (prompts) {
    return {
      format: 'spt',
      prefix,
      certain: true,
      description: `an SPT/VPT output checkpoint ('${prefix}prompt_token' of shape (${prompts.shape.join(', ')}))`,
    };
  }
  const maeKeys = keys.filter((k) => k.startsWith(`${prefix}decoder_`) || k === `${prefix}mask_token`);
  if (maeKeys.length > 0) {
    return {
      format: 'mae',
      prefix,
      certain: true,
      description: `an MAE pre-training checkpoint (decoder keys such as ${sample(maeKeys, 2)})`,
    };
  }
  if (prefix === 'module.') {
    return {
      format: 'mocov3',
      prefix,
      certain: false,
      description: `a MoCo v3 linear-probe checkpoint (timm keys under 'module.')`,
    };
  }
  const fcNormOnly = has('fc_norm.weight') && !has('norm.weight');
  if (fcNormOnly || (sd.container === 'model' && !has('head.weight'))) {
    return {
      format: 'mae',
      prefix,
      certain: false,
      description: fcNormOnly
        ? `an MAE fine-tuned checkpoint ('fc_norm' instead of 'norm')`
        : `an MAE encoder (timm keys under 'model', no head)`,
    };
  }
  return {
    format: 'timm',
    prefix,
    certain: false,
    description: `a timm state dict (${sample(keys.filter((k) => k.startsWith(prefix)))})`,
  };
}

const TIMM_NAMED: ReadonlySet<CheckpointFormat> = new Set(['timm', 'mae', 'mocov3']);

/**
 * The format to convert with: the detected one for `auto`; the requested one when the keys allow it;
 * a CheckpointError naming the file, the request, what the keys look like and the fix otherwise.
 * timm, MAE and MoCo v3 share timm's key names, so a request among them is honoured unless the keys prove
 * a different origin (decoder keys prove MAE, `module.base_encoder.` proves MoCo v3). SPT output files
 * are always read as 'spt' (their backbone keys are timm's too).
 */
export function resolveFormat(requested: RequestedFormat, d: Detection, file: string): CheckpointFormat {
  if (requested === 'auto' || requested === d.format) return d.format;
  if (d.format === 'spt' && TIMM_NAMED.has(requested)) return 'spt';
  if (TIMM_NAMED.has(requested) && TIMM_NAMED.has(d.format) && !d.certain) return requested;
  const suggest = d.format === 'spt' ? 'auto' : d.format;
  throw new CheckpointError(
    file,
    `backbone.format is '${requested}' but the keys look like ${d.description}, which is format '${d.format}'`,
    `set backbone.format: auto (or backbone.format: ${suggest})`,
  );
}
