/** Small shape operations on float HostTensors, used by the layout converters. */

import { formatShape, type HostTensor, hostTensor, numel } from '../../run-folder/tensors/host-tensor';

function carrySource(from: HostTensor, to: HostTensor): HostTensor {
  if (from.sourceDType !== undefined) to.sourceDType = from.sourceDType;
  return to;
}

function floatData(t: HostTensor): Float32Array {
  return t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
}

/** Same values, new shape (the element count must match). */
export function reshape(t: HostTensor, shape: number[]): HostTensor {
  if (numel(shape) !== numel(t.shape)) {
    throw new Error(`reshape: cannot view ${formatShape(t.shape)} as ${formatShape(shape)}`);
  }
  return carrySource(t, hostTensor(shape, floatData(t)));
}

/** Axis permutation: out.shape[i] = t.shape[perm[i]] (numpy's `transpose(perm)`). */
export function permute(t: HostTensor, perm: number[]): HostTensor {
  const rank = t.shape.length;
  if (perm.length !== rank || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) {
    throw new Error(`permute: ${JSON.stringify(perm)} is not a permutation of ${rank} axes`);
  }
  const src = floatData(t);
  const outShape = perm.map((p) => t.shape[p]);
  const srcStrides = new Array<number>(rank);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) {
    srcStrides[i] = s;
    s *= t.shape[i];
  }
  const strides = perm.map((p) => srcStrides[p]);
  const out = new Float32Array(src.length);
  const idx = new Array<number>(rank).fill(0);
  let offset = 0;
  for (let n = 0; n < out.length; n++) {
    out[n] = src[offset];
    for (let a = rank - 1; a >= 0; a--) {
      idx[a]++;
      offset += strides[a];
      if (idx[a] < outShape[a]) break;
      offset -= strides[a] * outShape[a];
      idx[a] = 0;
    }
  }
  return carrySource(t, hostTensor(outShape, out));
}

/** 2-D transpose. */
export function transpose2d(t: HostTensor): HostTensor {
  if (t.shape.length !== 2) throw new Error(`transpose2d: expected a matrix, found ${formatShape(t.shape)}`);
  return permute(t, [1, 0]);
}

/** Concatenation along axis 0 (the trailing axes must agree). */
export function concat0(parts: HostTensor[]): HostTensor {
  const tail = parts[0].shape.slice(1);
  for (const p of parts) {
    const pt = p.shape.slice(1);
    if (pt.length !== tail.length || pt.some((v, i) => v !== tail[i])) {
      throw new Error(`concat0: shapes ${parts.map((q) => formatShape(q.shape)).join(', ')} do not agree`);
    }
  }
  const rows = parts.reduce((a, p) => a + p.shape[0], 0);
  const out = new Float32Array(rows * numel(tail));
  let at = 0;
  for (const p of parts) {
    out.set(floatData(p), at);
    at += p.data.length;
  }
  return carrySource(parts[0], hostTensor([rows, ...tail], out));
}
