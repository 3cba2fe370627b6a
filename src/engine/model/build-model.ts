/**
 * Experiment config -> PromptedViT: the backbone from its checkpoint, then prompts and head either
 * from trained weights or freshly initialised exactly as training starts (seeded).
 */

import type { ResolvedExperiment } from '../../config/load-config';
import { type Method, methodHasPrompts, type PromptMode } from '../../config/methods';
import { readPromptWeights } from '../checkpoint/prompt-weights';
import {
  type ImageBatches,
  type PromptProvenance,
  type SptInit,
  sptInitialPrompts,
} from '../prompts/init-spt';
import { xavierPrompts } from '../prompts/init-xavier';
import { promptParamsFromHost, promptSetCount } from '../prompts/prompt-params';
import { Rng } from '../util/rng';
import { checkTrainedWeights } from './check-trained-weights';
import { type HeadParams, headFromHost, initHead } from './head';
import { loadBackbone } from './load-backbone';
import { PromptedViT } from './prompted-vit';
import { vitWeightsFromState } from './vit-weights';

export interface BuildOptions {
  /** Trained prompts + head (a run checkpoint or the authors' SPT checkpoint). */
  weights?: string;
  /** Training images for the SPT initialisers (only used when prompts are initialised here). */
  initImages?: () => ImageBatches;
  log?: (message: string) => void;
}

export interface BuiltModel {
  model: PromptedViT;
  provenance: PromptProvenance[];
  /** Where prompts and head came from. */
  origin: string;
}

export async function buildModel(exp: ResolvedExperiment, opts: BuildOptions = {}): Promise<BuiltModel> {
  const { config, vit } = exp;
  const log = opts.log ?? (() => {});
  if (!exp.paths.checkpoint)
    throw new Error(`${exp.file}: backbone.checkpoint is null; set it to a pretrained weights file`);
  const loaded = loadBackbone(exp.paths.checkpoint, config.backbone.format, vit);
  log(
    `backbone: ${loaded.format} weights from ${loaded.file}${loaded.resampled ? ` (pos_embed resampled from a ${loaded.checkpointGrid}x${loaded.checkpointGrid} grid)` : ''}`,
  );
  const method = config.prompt.method as Method;
  const mode = config.prompt.mode as PromptMode;
  const rng = new Rng(config.seed);
  const backbone = vitWeightsFromState(loaded.state, vit, { trainable: method === 'full' });

  const trained = opts.weights
    ? readPromptWeights(opts.weights)
    : loaded.head
      ? { prompts: loaded.prompts, head: loaded.head }
      : undefined;
  let head: HeadParams;
  let promptsHost = trained?.prompts;
  let provenance: PromptProvenance[] = [];
  let origin: string;
  if (trained) {
    // Mode, length, classes and width must match the experiment: the checkpoint's must not win silently.
    checkTrainedWeights(opts.weights ?? loaded.file, trained, exp);
    head = headFromHost(trained.head.weight, trained.head.bias, vit.embedDim);
    origin = `trained weights from ${opts.weights ?? loaded.file}`;
  } else {
    head = initHead(
      vit.embedDim,
      config.data.num_classes,
      rng.fork('head'),
      loaded.format === 'mocov3' ? 0.01 : 0.02,
    );
    origin = `initialised (seed ${config.seed})`;
  }
  const length = exp.promptLength;
  if (length > 0 && !promptsHost) {
    const sets = promptSetCount(mode, vit.depth);
    if (exp.init === 'xavier') {
      promptsHost = xavierPrompts(rng.fork('prompts'), sets, length, vit.embedDim, vit.patchSize);
    } else {
      if (!opts.initImages) throw new Error(`SPT ${exp.init} initialisation needs the training images`);
      const r = await sptInitialPrompts(opts.initImages(), backbone, vit, {
        init: exp.init as SptInit,
        mode,
        length,
        rng: rng.fork('prompts'),
      });
      promptsHost = r.prompts;
      provenance = r.provenance;
      log(`prompts: SPT ${exp.init} initialisation from ${r.imagesSeen} training images`);
    }
  }
  if (!methodHasPrompts(method)) promptsHost = undefined;
  const prompts = promptsHost ? promptParamsFromHost(promptsHost, mode, vit.depth, vit.embedDim) : undefined;
  const model = new PromptedViT(vit, backbone, head, config.backbone.pool, method, prompts);
  model.dropPath = config.train.drop_path;
  return { model, provenance, origin };
}
