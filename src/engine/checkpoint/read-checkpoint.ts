/**
 * One entry point for every checkpoint format SPT Studio reads. The format is chosen by the file's
 * first bytes, not its extension (a `pytorch_model.bin` may be a ZIP, a `.pth` may be anything).
 */

import * as fs from 'node:fs';
import { CheckpointError } from '../../run-folder/tensors/checkpoint-error';
import type { CheckpointDict, CheckpointValue, TensorMap } from '../../run-folder/tensors/host-tensor';
import { readSafetensors } from '../../run-folder/tensors/safetensors';
import { isNpy } from './npy';
import { readNpz } from './npz';
import { readTorchCheckpoint } from './torch-zip';
import { ZipReader } from './zip-reader';

export type CheckpointKind = 'safetensors' | 'torch' | 'npz';

export interface CheckpointFile {
  kind: CheckpointKind;
  value: CheckpointValue;
  /** The safetensors `__metadata__` map, when the file has one. */
  metadata?: Record<string, string>;
}

export const SUPPORTED_FORMATS =
  'safetensors (.safetensors), PyTorch ZIP checkpoints from torch.save (.pth, .pth.tar, .pt, .bin) and NumPy archives (.npz)';

export type DetectedFormat = CheckpointKind | 'legacy-torch' | 'npy' | 'unknown';

/** Looks at the first bytes of a file (and, for ZIPs, its directory) to tell the format. */
export function detectCheckpointFormat(file: string): DetectedFormat {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CheckpointError(
      file,
      code === 'ENOENT' ? 'the file does not exist' : `cannot open the file (${(e as Error).message})`,
      code === 'ENOENT' ? 'check the path in the experiment file' : undefined,
    );
  }
  const head = new Uint8Array(16);
  let n: number;
  try {
    if (fs.fstatSync(fd).isDirectory()) {
      throw new CheckpointError(
        file,
        `this is a folder, not a checkpoint file; supported: ${SUPPORTED_FORMATS}`,
      );
    }
    n = fs.readSync(fd, head, 0, 16, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (n === 0) {
    throw new CheckpointError(
      file,
      'the file is empty (0 bytes)',
      'the download or save was interrupted; create it again',
    );
  }
  if (n >= 4 && head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5)) {
    const names = ZipReader.with(file, (zip) => zip.entries().map((e) => e.name));
    if (names.some((name) => /(^|\/)data\.pkl$/.test(name))) return 'torch';
    if (names.length > 0 && names.every((name) => name.endsWith('.npy') || name.endsWith('/'))) return 'npz';
    return 'unknown';
  }
  if (n >= 9 && head[8] === 0x7b /* { */ && new DataView(head.buffer).getBigUint64(0, true) > 0n) {
    return 'safetensors';
  }
  if (isNpy(head)) return 'npy';
  if (head[0] === 0x80 && head[1] <= 5) return 'legacy-torch';
  return 'unknown';
}

function dictOf(tensors: TensorMap): CheckpointDict {
  const out: CheckpointDict = {};
  for (const [k, v] of tensors)
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

/** Reads any supported checkpoint file. Unknown or damaged files are a CheckpointError naming the file. */
export function readCheckpointFile(file: string): CheckpointFile {
  const format = detectCheckpointFormat(file);
  switch (format) {
    case 'safetensors': {
      const { tensors, metadata } = readSafetensors(file);
      return { kind: 'safetensors', value: dictOf(tensors), metadata };
    }
    case 'torch':
      return { kind: 'torch', value: readTorchCheckpoint(file) };
    case 'npz':
      return { kind: 'npz', value: dictOf(readNpz(file)) };
    case 'legacy-torch':
      // readTorchCheckpoint explains the legacy format and how to re-save it
      return { kind: 'torch', value: readTorchCheckpoint(file) };
    case 'npy':
      throw new CheckpointError(
        file,
        `this is a single NumPy array (.npy), not a checkpoint; supported: ${SUPPORTED_FORMATS}`,
        'save a dict of arrays with numpy.savez(path, **arrays)',
      );
    default:
      throw new CheckpointError(
        file,
        `the file is in no format SPT Studio reads; supported: ${SUPPORTED_FORMATS}`,
        'save the weights with torch.save(model.state_dict(), path) or safetensors.torch.save_file',
      );
  }
}
