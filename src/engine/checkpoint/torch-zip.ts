/**
 * PyTorch checkpoints (`torch.save`, PyTorch >= 1.6; .pth, .pth.tar, .pt, .bin): a ZIP holding
 * `<prefix>/data.pkl` (the pickled object tree), `<prefix>/data/<key>` (one raw storage per key),
 * `<prefix>/byteorder` and `<prefix>/version`. The pickle is read with the restricted unpickler;
 * storages are read lazily, only for the tensors that use them.
 */

import * as fs from 'node:fs';
import { CheckpointError } from '../../run-folder/tensors/checkpoint-error';
import {
  byteswapInPlace,
  checkStridedBounds,
  contiguousStrides,
  convertRaw,
  gatherStrided,
  type HostArray,
  hostDTypeOf,
  rawByteSize,
} from '../../run-folder/tensors/dtype-convert';
import type { CheckpointValue, HostDType, HostTensor } from '../../run-folder/tensors/host-tensor';
import { numel } from '../../run-folder/tensors/host-tensor';
import {
  convertPickled,
  type PickledTree,
  type PickleValue,
  PyGlobal,
  TorchStorageRef,
  TorchTensorRef,
  unpickle,
} from './pickle';
import { type ZipEntry, ZipReader } from './zip-reader';

/** A tensor described by the checkpoint's pickle, without its data (see {@link readTorchHeader}). */
export interface TensorStub {
  stub: true;
  shape: number[];
  /** What the tensor becomes when read. */
  dtype: HostDType;
  /** The stored type, for example `torch.HalfStorage`. */
  sourceDType: string;
}

/** The checkpoint tree with every tensor replaced by a {@link TensorStub}. */
export type CheckpointHeaderValue = PickledTree<TensorStub>;

export function isTensorStub(v: unknown): v is TensorStub {
  return (
    typeof v === 'object' &&
    v !== null &&
    (v as TensorStub).stub === true &&
    Array.isArray((v as TensorStub).shape)
  );
}

const RESAVE =
  "load it with a current PyTorch and save it again: torch.save({'model': model.state_dict()}, path)";

/** Refuses the pre-1.6 (non-ZIP) format, which starts directly with a pickle. */
function refuseLegacy(file: string): void {
  let head: Uint8Array;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      head = new Uint8Array(2);
      fs.readSync(fd, head, 0, 2, 0);
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    throw new CheckpointError(file, `cannot open the file (${(e as Error).message})`);
  }
  if (head[0] === 0x80 && head[1] <= 5) {
    throw new CheckpointError(
      file,
      'this is a legacy PyTorch checkpoint (saved before PyTorch 1.6, not a ZIP archive), which SPT Studio does not read',
      RESAVE,
    );
  }
}

interface OpenedCheckpoint {
  zip: ZipReader;
  prefix: string;
  bigEndian: boolean;
  tree: PickleValue;
}

function openCheckpoint(file: string, zip: ZipReader): OpenedCheckpoint {
  const pkl = zip.entries().find((e) => /^[^/]+\/data\.pkl$/.test(e.name) || e.name === 'data.pkl');
  if (!pkl) {
    const npz = zip.entries().some((e) => e.name.endsWith('.npy'));
    throw new CheckpointError(
      file,
      npz
        ? 'this ZIP holds .npy arrays (an .npz file), not a PyTorch checkpoint'
        : 'this ZIP has no data.pkl, so it is not a PyTorch checkpoint',
      npz ? 'rename it to .npz' : RESAVE,
    );
  }
  const prefix = pkl.name.slice(0, -'data.pkl'.length);
  if (zip.find(`${prefix}constants.pkl`) || zip.entries().some((e) => e.name.startsWith(`${prefix}code/`))) {
    throw new CheckpointError(
      file,
      'this is a TorchScript archive (torch.jit.save), which SPT Studio does not read',
      "save the weights instead: torch.save({'model': model.state_dict()}, path)",
    );
  }
  let bigEndian = false;
  const bo = zip.find(`${prefix}byteorder`);
  if (bo) {
    const order = new TextDecoder().decode(zip.read(bo)).trim();
    if (order === 'big') bigEndian = true;
    else if (order !== 'little') throw new CheckpointError(file, `unknown byte order '${order}'`, RESAVE);
  }

  const storages = new Map<string, TorchStorageRef>();
  const persistentLoad = (pid: PickleValue): PickleValue => {
    if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) {
      throw new CheckpointError(file, 'pickle data holds a persistent id that is not a storage', RESAVE);
    }
    const [, type, key, location, count] = pid;
    if (!(type instanceof PyGlobal) || !type.storageDType) {
      throw new CheckpointError(file, 'a storage names something that is not a storage class', RESAVE);
    }
    if (typeof key !== 'string' || typeof location !== 'string' || typeof count !== 'number') {
      throw new CheckpointError(file, 'a storage has a malformed key, location or size', RESAVE);
    }
    const known = storages.get(key);
    if (known) return known;
    const entry = zip.find(`${prefix}data/${key}`);
    if (!entry) throw new CheckpointError(file, `storage '${key}' is missing from the archive`, RESAVE);
    const nbytes = count * rawByteSize(type.storageDType);
    if (!Number.isSafeInteger(nbytes) || nbytes < 0 || entry.uncompressedSize < nbytes) {
      throw new CheckpointError(
        file,
        `storage '${key}' should hold ${count} ${type.name} elements (${nbytes} bytes) but the archive has ${entry.uncompressedSize} bytes`,
        RESAVE,
      );
    }
    const ref = new TorchStorageRef(key, type.storageDType, type.fullName, location, nbytes);
    storages.set(key, ref);
    return ref;
  };
  const tree = unpickle(zip.read(pkl), { file, persistentLoad });
  return { zip, prefix, bigEndian, tree };
}

function sourceDType(t: TorchTensorRef): string {
  return t.dtype === t.storage.dtype ? t.storage.storageType : `torch.${t.dtype}`;
}

/** Checks the view against its storage and returns the storage's element count in the view's dtype. */
function checkView(file: string, t: TorchTensorRef, where: string): number {
  const elements = Math.floor(t.storage.nbytes / rawByteSize(t.dtype));
  const problem = checkStridedBounds(elements, t.offset, t.shape, t.stride);
  if (problem) throw new CheckpointError(file, `tensor '${where}': ${problem}`, RESAVE);
  return elements;
}

function isContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  const want = contiguousStrides(shape);
  return shape.every((s, d) => s === 1 || stride[d] === want[d]);
}

/** Counts the distinct tensors that use each storage, so a storage used once can be handed over uncopied. */
function countStorageUsers(tree: PickleValue): Map<TorchStorageRef, number> {
  const counts = new Map<TorchStorageRef, number>();
  const seen = new Set<object>();
  const todo: PickleValue[] = [tree];
  while (todo.length) {
    const v = todo.pop();
    if (v === null || typeof v !== 'object' || seen.has(v)) continue;
    seen.add(v);
    if (v instanceof TorchTensorRef) counts.set(v.storage, (counts.get(v.storage) ?? 0) + 1);
    else if (Array.isArray(v)) todo.push(...v);
    else if (v instanceof Map) todo.push(...v.values());
  }
  return counts;
}

/**
 * Reads a PyTorch checkpoint: nested dicts/lists/scalars with HostTensors at the leaves
 * (float16/bfloat16/float64 -> float32, int64/int16/int8/uint8 -> int32, bool stays bool).
 * Views (offsets, transposes, shared storages) are materialised as row-major copies.
 */
export function readTorchCheckpoint(file: string): CheckpointValue {
  refuseLegacy(file);
  return ZipReader.with(file, (zip) => {
    const ck = openCheckpoint(file, zip);
    const users = countStorageUsers(ck.tree);
    const decoded = new Map<string, HostArray>();

    const storageAs = (t: TorchTensorRef, elements: number, where: string): HostArray => {
      const cacheKey = `${t.storage.key}\u0000${t.dtype}`;
      let arr = decoded.get(cacheKey);
      if (!arr) {
        const entry = zip.find(`${ck.prefix}data/${t.storage.key}`) as ZipEntry;
        let bytes = zip.read(entry).subarray(0, elements * rawByteSize(t.dtype));
        if (ck.bigEndian) {
          bytes = bytes.slice();
          byteswapInPlace(bytes, rawByteSize(t.dtype));
        }
        arr = convertRaw(bytes, t.dtype, elements, file, `tensor '${where}'`, true);
        decoded.set(cacheKey, arr);
      }
      return arr;
    };

    const leaf = (t: TorchTensorRef, where: string): HostTensor => {
      const elements = checkView(file, t, where);
      const n = numel(t.shape);
      const base = { dtype: hostDTypeOf(t.dtype), shape: [...t.shape], sourceDType: sourceDType(t) };
      if (n === 0) return { ...base, data: convertRaw(new Uint8Array(0), t.dtype, 0, file, where) };
      const src = storageAs(t, elements, where);
      let data: HostArray;
      if (isContiguous(t.shape, t.stride)) {
        data =
          t.offset === 0 && n === src.length && users.get(t.storage) === 1
            ? src
            : src.slice(t.offset, t.offset + n);
      } else {
        data = gatherStrided(src, t.offset, t.shape, t.stride);
      }
      return { ...base, data };
    };
    return convertPickled(ck.tree, file, leaf) as CheckpointValue;
  });
}

/**
 * Reads only the pickle of a PyTorch checkpoint: the same tree as {@link readTorchCheckpoint}, but
 * every tensor is a {@link TensorStub}. Storage sizes are still checked against the archive's
 * directory, so a view running past its storage is reported without reading any tensor data.
 */
export function readTorchHeader(file: string): CheckpointHeaderValue {
  refuseLegacy(file);
  return ZipReader.with(file, (zip) => {
    const ck = openCheckpoint(file, zip);
    return convertPickled(ck.tree, file, (t, where): TensorStub => {
      checkView(file, t, where);
      return { stub: true, shape: [...t.shape], dtype: hostDTypeOf(t.dtype), sourceDType: sourceDType(t) };
    });
  });
}
