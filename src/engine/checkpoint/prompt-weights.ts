/**
 * Trained prompts + head from a file: a run checkpoint of ours (safetensors with `prompts`,
 * `head.weight`, `head.bias`) or the SPT authors' output checkpoint (`prompt_token`, `head.*`), either
 * with its backbone or holding only `prompt_token` and `head.*` (bare, under `model`, or behind
 * `module.`): the backbone then comes from the experiment's backbone.checkpoint.
 */
import { CheckpointError } from '../../run-folder/tensors/checkpoint-error';
import type { CheckpointValue, HostTensor } from '../../run-folder/tensors/host-tensor';
import { findStateDict } from './layout-detect';
import { mapCheckpoint, sptTaskWeights } from './layouts';
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

/** Keys that only a ViT backbone has, in any supported layout. */
const BACKBONE_KEY =
  /(^|[./])(patch_embed\.proj\.weight|embedding\/kernel|embeddings\.patch_embeddings\.projection\.weight)$|Transformer\/encoderblock_/;

/**
 * An SPT output file without a backbone: `prompt_token` and/or `head.weight` + `head.bias` behind one
 * common prefix ('' or `module.`), no backbone keys. Undefined for anything else.
 */
function taskWeightsOnly(value: CheckpointValue, file: string): PromptWeights | undefined {
  const sd = findStateDict(value, file);
  const keys = [...sd.tensors.keys()];
  if (keys.some((k) => BACKBONE_KEY.test(k))) return undefined;
  const anchor =
    keys.find((k) => /(^|\.)prompt_token$/.test(k)) ?? keys.find((k) => /(^|\.)head\.weight$/.test(k));
  if (anchor === undefined) return undefined;
  const prefix = anchor.replace(/(prompt_token|head\.weight)$/, '');
  const at = (name: string) => sd.tensors.get(prefix + name);
  if (!at('head.weight') || !at('head.bias')) {
    throw new CheckpointError(
      file,
      `holds '${prefix}prompt_token' but no trained head ('${prefix}head.weight' and '${prefix}head.bias')`,
      'pass the checkpoint the SPT run saved at its end, which holds prompt_token and head.* together',
    );
  }
  const task = sptTaskWeights(at('prompt_token'), at('head.weight'), at('head.bias'), prefix, file);
  return { prompts: task.prompts, head: task.head!, source: 'spt-authors' };
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
    !('cls_token' in v) &&
    !('prompt_token' in v)
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
  const taskOnly = taskWeightsOnly(v, file);
  if (taskOnly) return checkFinite(file, taskOnly);
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
