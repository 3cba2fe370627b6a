/**
 * Trainable prompt tokens (spec section 2). Stored as one variable per set ([1, N, D]) so that deep
 * prompts need no slicing in the forward pass; serialised as one (S, N, D) tensor, S = 1 (shallow)
 * or depth (deep), the layout of the SPT authors' `prompt_token`.
 */

import type { PromptMode } from '../../config/methods';
import { formatShape, type HostTensor } from '../../run-folder/tensors/host-tensor';
import type { PromptInput } from '../model/vit';
import { tf } from '../tf';

export interface PromptParams {
  mode: PromptMode;
  length: number;
  sets: tf.Variable[]; // S x [1, N, D]
}

export function promptSetCount(mode: PromptMode, depth: number): number {
  return mode === 'deep' ? depth : 1;
}

/** (S, N, D) host tensor -> variables. */
export function promptParamsFromHost(
  t: HostTensor,
  mode: PromptMode,
  depth: number,
  embedDim: number,
): PromptParams {
  const S = promptSetCount(mode, depth);
  if (t.shape.length !== 3 || t.shape[0] !== S || t.shape[2] !== embedDim) {
    throw new Error(
      `prompts have shape ${formatShape(t.shape)}, expected (${S}, N, ${embedDim}) for ${mode} prompts`,
    );
  }
  const [, N, D] = t.shape;
  const data = t.data as Float32Array;
  const sets: tf.Variable[] = [];
  for (let s = 0; s < S; s++) {
    sets.push(tf.variable(tf.tensor3d(data.slice(s * N * D, (s + 1) * N * D), [1, N, D]), true));
  }
  return { mode, length: N, sets };
}

/** Variables -> (S, N, D) host tensor (read asynchronously: webgpu in Node has no synchronous readback). */
export async function promptsToHost(p: PromptParams): Promise<HostTensor> {
  const parts = (await Promise.all(p.sets.map((v) => v.data()))) as Float32Array[];
  const [, N, D] = p.sets[0].shape;
  const data = new Float32Array(parts.length * N * D);
  parts.forEach((part, s) => {
    data.set(part, s * N * D);
  });
  return { dtype: 'float32', shape: [parts.length, N, D], data };
}

export function asPromptInput(p: PromptParams): PromptInput {
  return { mode: p.mode, sets: p.sets };
}

export function disposePrompts(p: PromptParams): void {
  for (const v of p.sets) v.dispose();
}
