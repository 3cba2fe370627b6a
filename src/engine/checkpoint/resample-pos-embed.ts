/**
 * Position-embedding resampling for a different patch grid, as timm's `resample_abs_pos_embed` does with
 * its defaults: the prefix (CLS) rows are kept, the g x g patch rows are reshaped to an image
 * (1, D, g, g), resized with `interpolate(mode='bicubic', antialias=True, align_corners=False)`, and
 * flattened back in raster order.
 */

import { CheckpointError } from '../../run-folder/tensors/checkpoint-error';
import { formatShape, type HostTensor, hostTensor } from '../../run-folder/tensors/host-tensor';
import { resize2d } from './resample-1d';

/** The side of the square patch grid of a (1, prefix + g*g, D) position embedding, or undefined. */
export function posEmbedGrid(shape: readonly number[], numPrefixTokens = 1): number | undefined {
  if (shape.length !== 3 || shape[0] !== 1) return undefined;
  const patches = shape[1] - numPrefixTokens;
  if (patches < 1) return undefined;
  const g = Math.round(Math.sqrt(patches));
  return g * g === patches ? g : undefined;
}

/** (1, prefix + g*g, D) -> (1, prefix + newGrid*newGrid, D); a copy even when the grid is unchanged. */
export function resamplePosEmbed(posEmbed: HostTensor, newGrid: number, numPrefixTokens = 1): HostTensor {
  const grid = posEmbedGrid(posEmbed.shape, numPrefixTokens);
  if (grid === undefined) {
    throw new CheckpointError(
      'pos_embed',
      `expected a position embedding of shape (1, ${numPrefixTokens} + g*g, D), found ${formatShape(posEmbed.shape)}`,
    );
  }
  if (!Number.isInteger(newGrid) || newGrid < 1) {
    throw new Error(`resamplePosEmbed: the new grid must be a positive integer (got ${newGrid})`);
  }
  const dim = posEmbed.shape[2];
  const src = posEmbed.data;
  const prefixLen = numPrefixTokens * dim;
  // [g, g, D] is an HWC image with D channels.
  const patches = src.subarray(prefixLen);
  const resized =
    newGrid === grid ? Float32Array.from(patches) : resize2d(patches, grid, grid, dim, newGrid, newGrid);
  const out = new Float32Array(prefixLen + resized.length);
  out.set(src.subarray(0, prefixLen));
  out.set(resized, prefixLen);
  return hostTensor([1, numPrefixTokens + newGrid * newGrid, dim], out);
}
