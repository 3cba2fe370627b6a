/**
 * VPT's initialisation (spec section 3): Xavier-uniform as if the prompt were a linear layer from a
 * flattened patch (3*P*P) to D: U(-a, a), a = sqrt(6 / (3*P*P + D)) (0.0625 for ViT-B/16).
 */
import type { HostTensor } from '../../run-folder/tensors/host-tensor';
import { type Rng, uniformArray } from '../util/rng';

export function xavierBound(patchSize: number, embedDim: number, inChans = 3): number {
  return Math.sqrt(6 / (inChans * patchSize * patchSize + embedDim));
}

/** (S, N, D) prompts, S = 1 (shallow) or depth (deep). */
export function xavierPrompts(
  rng: Rng,
  sets: number,
  length: number,
  embedDim: number,
  patchSize: number,
): HostTensor {
  const bound = xavierBound(patchSize, embedDim);
  return {
    dtype: 'float32',
    shape: [sets, length, embedDim],
    data: uniformArray(rng, sets * length * embedDim, bound),
  };
}
