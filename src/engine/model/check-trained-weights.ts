/**
 * Trained prompts and head (`--weights`, a resumed run's checkpoint, an SPT file given as
 * backbone.checkpoint) against the experiment they are loaded into. Prompt mode (shallow/deep), prompt
 * length, class count and token width must all match: otherwise the checkpoint's values would win
 * silently, or the model would fail later with a shape error. Every mismatch is reported at once, in
 * one CheckpointError naming the checkpoint's value, the experiment's field and its value.
 */

import type { ResolvedExperiment } from '../../config/load-config';
import { CheckpointError } from '../../run-folder/tensors/checkpoint-error';
import type { HostTensor } from '../../run-folder/tensors/host-tensor';

export interface TrainedWeights {
  /** (S, N, D): S = 1 shallow, S = depth deep. */
  prompts?: HostTensor;
  /** weight (C, D), bias (C,). */
  head: { weight: HostTensor; bias: HostTensor };
}

export function checkTrainedWeights(file: string, w: TrainedWeights, exp: ResolvedExperiment): void {
  const { config, vit } = exp;
  const problems: string[] = [];
  /** `--set` assignments that make the experiment fit these weights. */
  const settings: string[] = [];
  /** Fixes that no setting gives. */
  const other: string[] = [];
  const [classes, headWidth] = w.head.weight.shape;
  if (headWidth !== vit.embedDim) {
    problems.push(
      `its head reads ${headWidth}-wide tokens, the backbone (backbone.arch) has width ${vit.embedDim}`,
    );
    other.push('use the backbone (backbone.arch and backbone.checkpoint) these weights were trained with');
  }
  if (classes !== config.data.num_classes) {
    problems.push(`its head has ${classes} classes, data.num_classes is ${config.data.num_classes}`);
    settings.push(`data.num_classes=${classes}`);
  }
  const length = exp.promptLength;
  const method = config.prompt.method;
  if (w.prompts && length === 0) {
    const [sets, tokens] = w.prompts.shape;
    problems.push(
      `it holds ${tokens} prompt tokens per set (${sets} set${sets > 1 ? 's' : ''}), prompt.method is ${method}, which uses no prompts`,
    );
    settings.push(
      'prompt.method=vpt',
      `prompt.mode=${sets === 1 ? 'shallow' : 'deep'}`,
      `prompt.length=${tokens}`,
    );
  } else if (!w.prompts && length > 0) {
    problems.push(
      `it holds no prompts (a linear-probe head), prompt.method is ${method} with prompt.length ${length}`,
    );
    settings.push('prompt.method=linear');
  } else if (w.prompts) {
    const [sets, tokens, width] = w.prompts.shape;
    const mode = config.prompt.mode;
    const want = mode === 'deep' ? vit.depth : 1;
    if (sets !== want) {
      const theirs = sets === 1 ? 'shallow' : sets === vit.depth ? 'deep' : undefined;
      problems.push(
        theirs
          ? `its prompts are ${theirs} (${sets} set${sets > 1 ? 's' : ''}${theirs === 'deep' ? ', one per block' : ''}), prompt.mode is ${mode} (${want} set${want > 1 ? 's' : ''})`
          : `it holds ${sets} prompt sets, prompt.mode ${mode} on a ${vit.depth}-block backbone needs ${want}`,
      );
      if (theirs) settings.push(`prompt.mode=${theirs}`);
      else other.push('use the backbone these prompts were trained with');
    }
    if (tokens !== length) {
      problems.push(`it holds ${tokens} prompt tokens per set, prompt.length is ${length}`);
      settings.push(`prompt.length=${tokens}`);
    }
    if (width !== vit.embedDim) {
      problems.push(`its prompts are ${width} wide, the backbone's tokens ${vit.embedDim}`);
      other.push('use the backbone these prompts were trained with');
    }
  }
  if (problems.length === 0) return;
  const fix =
    other.length > 0
      ? [...new Set(other)].join('; ')
      : `if these are the weights you meant, set ${settings.map((a) => a.replace('=', ': ')).join(', ')} in the experiment (or --set ${settings.join(' --set ')}); otherwise pass the checkpoint of a run with this experiment's settings`;
  throw new CheckpointError(
    file,
    `the trained prompts and head do not fit the experiment (${exp.file}): ${problems.join('; ')}`,
    fix,
  );
}
