import * as fs from 'node:fs';
import * as path from 'node:path';

/** test/fixtures/data, made by scripts/make_data_fixtures.py (PIL 9.4 + torchvision 0.14). */
export const DATA_DIR = path.join(__dirname, '..', '..', 'fixtures', 'data');

export interface DecodeCase {
  name: string;
  file: string;
  expected: string;
  width: number;
  height: number;
  tolerance: number;
  note: string;
}
export interface ResizeCase {
  source: string;
  sourceWidth: number;
  sourceHeight: number;
  width: number;
  height: number;
  expected: string;
}
export interface TransformCase {
  kind: 'vtab' | 'fgvc';
  source: string;
  sourceWidth: number;
  sourceHeight: number;
  size: number;
  resize: number;
  expected: string;
}
export interface Manifest {
  decode: DecodeCase[];
  resize: ResizeCase[];
  transform: TransformCase[];
}

export const manifest: Manifest = JSON.parse(fs.readFileSync(path.join(DATA_DIR, 'manifest.json'), 'utf8'));

export function readU8(name: string): Uint8Array {
  return new Uint8Array(fs.readFileSync(path.join(DATA_DIR, name)));
}

export function readF32(name: string): Float32Array {
  const b = fs.readFileSync(path.join(DATA_DIR, name));
  const copy = new Uint8Array(b.length);
  copy.set(b);
  return new Float32Array(copy.buffer);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
