/**
 * Checkpoint file -> checked canonical backbone at the configured image size: read (any supported
 * file format), map (any key layout), check against the configured architecture, and resample the
 * position embedding when the image size differs from the checkpoint's (bicubic, as timm).
 */

import { patchGrid, type ViTConfig } from '../../config/architectures';
import type { HostTensor, TensorMap } from '../../run-folder/tensors/host-tensor';
import { type CheckpointFormat, mapCheckpoint, type RequestedFormat } from '../checkpoint/layouts';
import { readCheckpointFile } from '../checkpoint/read-checkpoint';
import { posEmbedGrid, resamplePosEmbed } from '../checkpoint/resample-pos-embed';
import { checkBackbone } from '../checkpoint/validate-backbone';

export interface LoadedBackbone {
  file: string;
  format: CheckpointFormat;
  state: TensorMap; // canonical timm names, pos_embed at cfg's grid
  /** The patch grid the checkpoint was trained at, and whether pos_embed was resampled. */
  checkpointGrid: number;
  resampled: boolean;
  /** Present when the file is an SPT output checkpoint (the authors' or ours). */
  prompts?: HostTensor;
  head?: { weight: HostTensor; bias: HostTensor };
  ignoredKeys: string[];
}

export function loadBackbone(file: string, format: RequestedFormat, cfg: ViTConfig): LoadedBackbone {
  const decoded = readCheckpointFile(file);
  const mapped = mapCheckpoint(decoded.value, format, file);
  checkBackbone(mapped.backbone, cfg, file);
  const state = new Map(mapped.backbone);
  const pos = state.get('pos_embed') as HostTensor;
  const checkpointGrid = posEmbedGrid(pos.shape) as number;
  const { grid } = patchGrid(cfg);
  const resampled = checkpointGrid !== grid;
  if (resampled) state.set('pos_embed', resamplePosEmbed(pos, grid));
  return {
    file,
    format: mapped.format,
    state,
    checkpointGrid,
    resampled,
    prompts: mapped.prompts,
    head: mapped.head,
    ignoredKeys: mapped.ignoredKeys,
  };
}
