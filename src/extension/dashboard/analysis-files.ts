/**
 * Reading a run's `analysis/` folder for the dashboard: index.json, one epoch's JSON, and only the
 * float32 ranges of its sidecar that a view needs (one layer's points or maps, never the whole file).
 * Every path goes through the path guard; every error names the file and what to do. Pure Node.
 */
import * as fs from 'node:fs';
import {
  type AnalysisEpochFile,
  type AnalysisIndex,
  analysisEpochFileName,
  type F32Ref,
} from '../../shared/analysis-contract';
import { MissingFileError, resolveInside } from './path-guard';

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

function readJson(runDir: string, rel: string, missing: () => Error): unknown {
  let file: string;
  try {
    file = resolveInside(runDir, rel);
  } catch (err) {
    throw err instanceof MissingFileError ? missing() : err;
  }
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${rel} cannot be read (${(err as Error).message}): check the file's permissions`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(
      `${rel} is not valid JSON (${(err as Error).message}): the file is damaged (the trainer writes it atomically); delete it and the other epochs still show`,
    );
  }
}

/** analysis/index.json, or null when the run has no analysis (yet). */
export function readAnalysisIndex(runDir: string): AnalysisIndex | null {
  const missing = new MissingFileError('analysis/index.json');
  let v: unknown;
  try {
    v = readJson(runDir, 'analysis/index.json', () => missing);
  } catch (err) {
    if (err === missing) return null;
    throw err;
  }
  if (!isObj(v) || !Array.isArray(v.epochs) || !isObj(v.model))
    throw new Error(
      'analysis/index.json has no `model` or `epochs`: it was written by another version; re-run the training to rebuild it',
    );
  return v as unknown as AnalysisIndex;
}

/** analysis/epoch-NNN.json, checked for the fields the views read. */
export function readEpochFile(runDir: string, epoch: number): AnalysisEpochFile {
  const rel = `analysis/${analysisEpochFileName(epoch)}`;
  const v = readJson(
    runDir,
    rel,
    () =>
      new Error(
        `${rel} is missing: the run has not reached epoch ${epoch}'s analysis yet (analysis.every_epochs sets which epochs are analysed; the analysis index lists them)`,
      ),
  );
  const ok =
    isObj(v) &&
    isObj(v.model) &&
    isObj(v.probe) &&
    Array.isArray(v.layers) &&
    Array.isArray(v.pca) &&
    Array.isArray(v.attention) &&
    typeof v.sidecar === 'string';
  if (!ok)
    throw new Error(
      `${rel} lacks model, probe, layers, pca, attention or sidecar: it was written by another version; re-run the training to rebuild it`,
    );
  return v as unknown as AnalysisEpochFile;
}

/** The epoch's entry for `layer` in one of its per-layer lists, or an error naming the layers there are. */
export function layerEntry<T extends { layer: number }>(
  file: AnalysisEpochFile,
  list: T[],
  layer: number,
  what: string,
): T {
  const hit = list.find((e) => isObj(e) && e.layer === layer);
  if (hit) return hit;
  const rel = `analysis/${analysisEpochFileName(file.epoch)}`;
  throw new Error(
    `${rel} has no ${what} for layer ${layer} (it has layers ${list.map((e) => e.layer).join(', ') || 'none'}): pick one of those`,
  );
}

function validRef(ref: unknown): ref is F32Ref {
  if (!isObj(ref)) return false;
  const { offset, length, shape } = ref;
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length)) return false;
  if ((offset as number) < 0 || (length as number) < 0 || !Array.isArray(shape)) return false;
  return shape.every((d) => Number.isSafeInteger(d) && d >= 0) && shape.reduce((a, b) => a * b, 1) === length;
}

/**
 * Reads the F32Refs' ranges of the epoch's sidecar (little-endian float32), each with one positioned
 * read: only those bytes leave the disk.
 */
export function readSidecarRanges(runDir: string, file: AnalysisEpochFile, refs: F32Ref[]): number[][] {
  const json = `analysis/${analysisEpochFileName(file.epoch)}`;
  const rel = `analysis/${file.sidecar}`;
  for (const ref of refs)
    if (!validRef(ref))
      throw new Error(`${json} holds a bad array reference (${JSON.stringify(ref)}): the file is damaged`);
  let real: string;
  try {
    real = resolveInside(runDir, rel);
  } catch (err) {
    if (err instanceof MissingFileError)
      throw new Error(`${rel} is missing although ${json} refers to it: the analysis folder is incomplete`);
    throw err;
  }
  const fd = fs.openSync(real, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    return refs.map((ref) => {
      const bytes = ref.length * 4;
      if ((ref.offset + ref.length) * 4 > size)
        throw new Error(
          `${rel} is ${size} bytes, shorter than ${json} says (floats ${ref.offset}..${ref.offset + ref.length}): the sidecar was cut off; re-run the analysis of this epoch`,
        );
      const buf = Buffer.alloc(bytes);
      let got = 0;
      while (got < bytes) {
        const n = fs.readSync(fd, buf, got, bytes - got, ref.offset * 4 + got);
        if (n <= 0) break;
        got += n;
      }
      const view = new DataView(buf.buffer, buf.byteOffset, got);
      const out = new Array<number>(ref.length);
      for (let i = 0; i < ref.length; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    });
  } finally {
    fs.closeSync(fd);
  }
}
