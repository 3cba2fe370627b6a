/**
 * NumPy .npz archives: a ZIP of `<name>.npy` entries, stored (np.savez) or deflated
 * (np.savez_compressed).
 */

import { CheckpointError } from '../../run-folder/tensors/checkpoint-error';
import type { HostDType, TensorMap } from '../../run-folder/tensors/host-tensor';
import { parseNpy, parseNpyHeader } from './npy';
import { type ZipEntry, ZipReader } from './zip-reader';

export interface NpzEntryInfo {
  /** The array's name (the entry name without `.npy`). */
  name: string;
  shape: number[];
  /** The numpy dtype string, for example `<f4`. */
  dtype: string;
  hostDType: HostDType;
}

/** Header prefix read per entry by {@link listNpz}: magic, lengths and a generous header. */
const HEADER_PREFIX = 64 * 1024;

function arrayEntries(zip: ZipReader): { name: string; entry: ZipEntry }[] {
  const out: { name: string; entry: ZipEntry }[] = [];
  for (const entry of zip.entries()) {
    if (entry.name.endsWith('/')) continue; // a folder
    if (!entry.name.endsWith('.npy')) {
      throw new CheckpointError(
        zip.file,
        `the .npz archive holds '${entry.name}', which is not a .npy array`,
        'save the arrays with numpy.savez or numpy.savez_compressed',
      );
    }
    out.push({ name: entry.name.slice(0, -'.npy'.length), entry });
  }
  return out;
}

/** Reads every array of an .npz file. Names are the entry names without `.npy`. */
export function readNpz(file: string): TensorMap {
  return ZipReader.with(file, (zip) => {
    const tensors: TensorMap = new Map();
    for (const { name, entry } of arrayEntries(zip)) {
      tensors.set(name, parseNpy(zip.read(entry), file, `array '${name}'`, true));
    }
    return tensors;
  });
}

/** Names, shapes and dtypes of an .npz file's arrays, reading only each entry's .npy header. */
export function listNpz(file: string): NpzEntryInfo[] {
  return ZipReader.with(file, (zip) =>
    arrayEntries(zip).map(({ name, entry }) => {
      const h = parseNpyHeader(zip.readPrefix(entry, HEADER_PREFIX), file, `array '${name}'`);
      return { name, shape: h.shape, dtype: h.descr, hostDType: h.hostDType };
    }),
  );
}
