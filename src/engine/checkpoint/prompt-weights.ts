/**
 * Trained prompts + head from a file: a run checkpoint of ours (safetensors with `prompts`,
 * `head.weight`, `head.bias`) or the SPT authors' output checkpoint (`prompt_token`, `head.*`).
 */
import { CheckpointError } from './checkpoint-error';
import type { HostTensor } from './host-tensor';
import { mapCheckpoint } from './layouts';
import { readCheckpointFile } from './read-checkpoint';

export interface PromptWeights {
  prompts?: HostTensor; // (S, N, D)
  head: { weight: HostTensor; bias: HostTensor }; // (C, D), (C,)
  source: 'spt-studio' | 'spt-authors';
}

export function readPromptWeights(file: string): PromptWeights {
  const decoded = readCheckpointFile(file);
  const v = decoded.value;
  if (
    decoded.kind === 'safetensors' &&
    v &&
    typeof v === 'object' &&
    !Array.isArray(v) &&
    'head.weight' in v &&
    !('cls_token' in v)
  ) {
    const t = v as Record<string, HostTensor>;
    if (!t['head.bias'])
      throw new CheckpointError(
        file,
        "has 'head.weight' but no 'head.bias'",
        'use a checkpoint written by `spt train`',
      );
    return {
      prompts: t.prompts,
      head: { weight: t['head.weight'], bias: t['head.bias'] },
      source: 'spt-studio',
    };
  }
  const mapped = mapCheckpoint(v, 'auto', file);
  if (mapped.format !== 'spt' || !mapped.head) {
    throw new CheckpointError(
      file,
      `holds no trained prompts and head (its keys look like a ${mapped.format} backbone)`,
      'pass a run checkpoint (runs/<name>/<time>/checkpoints/best.safetensors) or an SPT checkpoint with prompt_token and head.*',
    );
  }
  return { prompts: mapped.prompts, head: mapped.head, source: 'spt-authors' };
}
