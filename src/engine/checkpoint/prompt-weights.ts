/**
 * Trained prompts + head from a file: a run checkpoint of ours (safetensors with `prompts`,
 * `head.weight`, `head.bias`) or the SPT authors' output checkpoint (`prompt_token`, `head.*`).
 */
import { CheckpointError } from './checkpoint-error';
import type { HostTensor } from './host-tensor';
import { mapCheckpoint } from './layouts';
import { readCheckpointFile } from './read-checkpoint';
import { nonFinite, unravel } from './validate-backbone';

/** NaN or infinite prompts or head weights (a diverged run's file) would give NaN logits: refused. */
function checkFinite(file: string, w: PromptWeights): PromptWeights {
  const problems: string[] = [];
  for (const [key, t] of [
    ['prompts', w.prompts],
    ['head.weight', w.head.weight],
    ['head.bias', w.head.bias],
  ] as const) {
    const bad = t && nonFinite(t);
    if (bad)
      problems.push(
        `'${key}' holds ${bad.count} non-finite value${bad.count > 1 ? 's' : ''} (first: ${bad.value} at ${unravel(bad.first, t.shape)})`,
      );
  }
  if (!problems.length) return w;
  throw new CheckpointError(
    file,
    `the trained weights are not finite: ${problems.join('; ')}`,
    'the run that wrote them diverged: use its best checkpoint or an earlier one, or train again with a lower train.lr',
  );
}

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
    return checkFinite(file, {
      prompts: t.prompts,
      head: { weight: t['head.weight'], bias: t['head.bias'] },
      source: 'spt-studio',
    });
  }
  const mapped = mapCheckpoint(v, 'auto', file);
  if (mapped.format !== 'spt' || !mapped.head) {
    throw new CheckpointError(
      file,
      `holds no trained prompts and head (its keys look like a ${mapped.format} backbone)`,
      'pass a run checkpoint (runs/<name>/<time>/checkpoints/best.safetensors) or an SPT checkpoint with prompt_token and head.*',
    );
  }
  return checkFinite(file, { prompts: mapped.prompts, head: mapped.head, source: 'spt-authors' });
}
