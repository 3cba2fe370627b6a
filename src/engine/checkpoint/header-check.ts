/**
 * What a checkpoint holds, from its header alone: the safetensors JSON header, the pickle of a PyTorch
 * zip (tensors as stubs), or the .npy headers of an .npz. No tensor data is read, so the language
 * server can check a multi-GB file against `backbone.arch` while the user types. Hostile pickles are
 * refused by the restricted unpickler exactly as when loading (a CheckpointError).
 */

import { CheckpointError } from '../../run-folder/tensors/checkpoint-error';
import { formatShape, type HostTensor, type TensorMap } from '../../run-folder/tensors/host-tensor';
import { readSafetensorsHeader } from '../../run-folder/tensors/safetensors';
import { type CheckpointFormat, type Detection, detectLayout, type StateDict } from './layout-detect';
import { listNpz } from './npz';
import { type CheckpointKind, detectCheckpointFormat, SUPPORTED_FORMATS } from './read-checkpoint';
import { type CheckpointHeaderValue, isTensorStub, readTorchHeader } from './torch-zip';

export interface CheckpointHeaderInfo {
  file: string;
  /** The file kind. */
  format: CheckpointKind;
  /** The key layout. */
  layout: CheckpointFormat;
  /** What precedes the layout's names (`module.base_encoder.`, `vit.`, ...). */
  prefix: string;
  /** True when the keys prove the layout. */
  certain: boolean;
  /** What the keys look like, for messages. */
  description: string;
  embedDim: number;
  depth: number;
  patchSize: number;
  /** Patches per side of the position embedding, when it is square. */
  grid?: number;
  /** Only where the layout stores per-head shapes (JAX). */
  numHeads?: number;
  /** Tensors in the state dict. */
  tensorCount: number;
}

/** A ViT size to compare with (from `backbone.arch`). */
export interface ExpectedArch {
  /** The timm name, when the arch is a named one. */
  name?: string;
  embedDim: number;
  depth: number;
  patchSize: number;
  numHeads?: number;
}

export const LAYOUT_NAMES: Record<CheckpointFormat, string> = {
  timm: 'timm',
  mae: 'MAE',
  mocov3: 'MoCo v3',
  jax: 'Google JAX',
  hf: 'Hugging Face',
  spt: 'SPT output',
};

const EMPTY = new Float32Array(0);
const stub = (shape: number[]): HostTensor => ({ dtype: 'float32', shape, data: EMPTY });

type Tree = CheckpointHeaderValue;
const isDict = (v: Tree | undefined): v is { [k: string]: Tree } =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !isTensorStub(v);

function flatten(dict: { [k: string]: Tree }, prefix: string, into: TensorMap): void {
  for (const [k, v] of Object.entries(dict)) {
    if (isTensorStub(v)) into.set(prefix + k, stub(v.shape));
    else if (isDict(v)) flatten(v, `${prefix}${k}.`, into);
  }
}

function countStubs(v: Tree | undefined): number {
  if (isTensorStub(v)) return 1;
  if (!isDict(v)) return 0;
  let n = 0;
  for (const x of Object.values(v)) n += countStubs(x);
  return n;
}

/** The state dict of a torch header tree: the top level, or `model` / `state_dict` (as findStateDict). */
function torchStateDict(tree: Tree, file: string): StateDict {
  if (!isDict(tree)) {
    throw new CheckpointError(
      file,
      `the file decodes to ${Array.isArray(tree) ? 'a list' : typeof tree}, not a dict of weights`,
    );
  }
  let container: string | undefined;
  if (!Object.values(tree).some(isTensorStub)) {
    let best = 0;
    for (const name of ['model', 'state_dict']) {
      const n = countStubs(tree[name]);
      if (n > best) {
        best = n;
        container = name;
      }
    }
    if (container === undefined) {
      throw new CheckpointError(
        file,
        `found no weights: the top level holds no tensors and no 'model' or 'state_dict' dict (keys: ${Object.keys(tree).slice(0, 12).join(', ')})`,
      );
    }
  }
  const tensors: TensorMap = new Map();
  flatten(container === undefined ? tree : (tree[container] as { [k: string]: Tree }), '', tensors);
  return { container, tensors, nonTensorKeys: [] };
}

/** Names and shapes of a checkpoint's tensors, reading headers only. */
export function readHeaderStateDict(file: string): { format: CheckpointKind; sd: StateDict } {
  const detected = detectCheckpointFormat(file);
  switch (detected) {
    case 'safetensors': {
      const tensors: TensorMap = new Map();
      for (const e of readSafetensorsHeader(file).entries) tensors.set(e.name, stub(e.shape));
      return { format: 'safetensors', sd: { tensors, nonTensorKeys: [] } };
    }
    case 'torch':
    case 'legacy-torch': // readTorchHeader explains the legacy format and how to re-save it
      return { format: 'torch', sd: torchStateDict(readTorchHeader(file), file) };
    case 'npz': {
      const tensors: TensorMap = new Map();
      for (const e of listNpz(file)) tensors.set(e.name, stub(e.shape));
      return { format: 'npz', sd: { tensors, nonTensorKeys: [] } };
    }
    case 'npy':
      throw new CheckpointError(
        file,
        `this is a single NumPy array (.npy), not a checkpoint; supported: ${SUPPORTED_FORMATS}`,
      );
    default:
      throw new CheckpointError(
        file,
        `the file is in no format SPT Studio reads; supported: ${SUPPORTED_FORMATS}`,
      );
  }
}

/** The key names of the patch embedding, the blocks and the position embedding in each layout. */
function layoutKeys(d: Detection) {
  const p = d.prefix;
  if (d.format === 'jax') {
    return {
      patch: `${p}embedding/kernel`,
      block: /^Transformer\/encoderblock_(\d+)\//,
      blockName: (i: number) => `Transformer/encoderblock_${i}`,
      pos: `${p}Transformer/posembed_input/pos_embedding`,
    };
  }
  if (d.format === 'hf') {
    return {
      patch: `${p}embeddings.patch_embeddings.projection.weight`,
      block: /^encoder\.layer\.(\d+)\./,
      blockName: (i: number) => `${p}encoder.layer.${i}`,
      pos: `${p}embeddings.position_embeddings`,
    };
  }
  return {
    patch: `${p}patch_embed.proj.weight`,
    block: /^blocks\.(\d+)\./,
    blockName: (i: number) => `${p}blocks.${i}`,
    pos: `${p}pos_embed`,
  };
}

/** The patch-embedding shape a ViT of this size has in `layout` (JAX: HWIO, the others: OIHW). */
export function expectedPatchShape(layout: CheckpointFormat, embedDim: number, patchSize: number): number[] {
  return layout === 'jax' ? [patchSize, patchSize, 3, embedDim] : [embedDim, 3, patchSize, patchSize];
}

/** Reads a checkpoint's header and infers its layout and ViT size. Throws a CheckpointError. */
export function readCheckpointHeaderInfo(file: string): CheckpointHeaderInfo {
  const { format, sd } = readHeaderStateDict(file);
  const d = detectLayout(sd, file);
  const keys = layoutKeys(d);
  const conv = sd.tensors.get(keys.patch)?.shape;
  if (conv?.length !== 4) {
    throw new CheckpointError(
      file,
      `the ${LAYOUT_NAMES[d.format]} layout's patch embedding '${keys.patch}' is ${conv ? formatShape(conv) : 'missing'}, expected ${d.format === 'jax' ? '(p, p, 3, D)' : '(D, 3, p, p)'}`,
    );
  }
  const [embedDim, patchSize] = d.format === 'jax' ? [conv[3], conv[0]] : [conv[0], conv[2]];
  let depth = 0;
  let numHeads: number | undefined;
  for (const [key, t] of sd.tensors) {
    if (!key.startsWith(d.prefix)) continue;
    const m = keys.block.exec(key.slice(d.prefix.length));
    if (m) depth = Math.max(depth, Number(m[1]) + 1);
    if (d.format === 'jax' && numHeads === undefined && /query\/kernel$/.test(key) && t.shape.length === 3)
      numHeads = t.shape[1];
  }
  const pos = sd.tensors.get(keys.pos)?.shape;
  let grid: number | undefined;
  if (pos?.length === 3) {
    const g = Math.round(Math.sqrt(pos[1] - 1));
    if (g * g === pos[1] - 1) grid = g;
  }
  const info: CheckpointHeaderInfo = {
    file,
    format,
    layout: d.format,
    prefix: d.prefix,
    certain: d.certain,
    description: d.description,
    embedDim,
    depth,
    patchSize,
    tensorCount: sd.tensors.size,
  };
  if (grid !== undefined) info.grid = grid;
  if (numHeads !== undefined) info.numHeads = numHeads;
  return info;
}

/**
 * Undefined when the checkpoint fits `want`; otherwise one message naming the checkpoint's size and
 * layout and what that layout would hold for the configured arch (the key and shape to look for).
 */
export function archMismatch(info: CheckpointHeaderInfo, want: ExpectedArch): string | undefined {
  const headsDiffer =
    info.numHeads !== undefined && want.numHeads !== undefined && info.numHeads !== want.numHeads;
  if (
    info.embedDim === want.embedDim &&
    info.depth === want.depth &&
    info.patchSize === want.patchSize &&
    !headsDiffer
  )
    return undefined;
  const keys = layoutKeys({
    format: info.layout,
    prefix: info.prefix,
    certain: info.certain,
    description: '',
  });
  const layout = LAYOUT_NAMES[info.layout];
  const heads = info.numHeads !== undefined ? `, ${info.numHeads} heads` : '';
  const asked = want.name ? `${want.name} ` : 'a custom size ';
  const wantHeads = headsDiffer ? `, ${want.numHeads} heads` : '';
  const blocks =
    want.depth > 0
      ? `${want.depth} blocks ('${keys.blockName(0)}.*' .. '${keys.blockName(want.depth - 1)}.*')`
      : 'no blocks';
  return (
    `the checkpoint (${layout} layout) is a ViT with embed_dim ${info.embedDim}, depth ${info.depth}, patch ${info.patchSize}${heads}, ` +
    `but backbone.arch is ${asked}(embed_dim ${want.embedDim}, depth ${want.depth}, patch ${want.patchSize}${wantHeads}); ` +
    `in the ${layout} layout that arch expects '${keys.patch}' of shape ${formatShape(expectedPatchShape(info.layout, want.embedDim, want.patchSize))} and ${blocks}`
  );
}
