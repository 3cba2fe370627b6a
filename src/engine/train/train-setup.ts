/**
 * The first two phases of a training run (see train-run.ts): prepare the run folder (a new run writes
 * its config.yaml; a resumed one loads its last checkpoint and cleans up what the interrupted process
 * left), then set up what the loop needs: backend, data loaders, model, optimizer, learning-rate
 * schedule, the step engine of the backend and the analysis probe.
 */
import * as fs from 'node:fs';
import { stringify } from 'yaml';
import type { ExperimentConfig } from '../../config/experiment-schema';
import type { ResolvedExperiment } from '../../config/load-config';
import { writeFileAtomic } from '../../run-folder/atomic-write';
import { removeStaleTemps, truncateJsonl } from '../../run-folder/run-folder';
import { clearForRestart, hasLastCheckpoint } from '../../run-folder/run-resume';
import { RUN_STATUS } from '../../run-folder/status';
import { chooseProbeEntries } from '../analysis/probe-set';
import { type LogFn, selectBackend } from '../backend/select-backend';
import type { HostTensor } from '../checkpoint/host-tensor';
import { readSafetensors, writeSafetensors } from '../checkpoint/safetensors';
import { BatchLoader, type LoaderLog } from '../data/batch-loader';
import type { DatasetSplits } from '../data/dataset';
import { imageBatches } from '../data/image-batches';
import { buildModel } from '../model/build-model';
import type { PromptedViT } from '../model/prompted-vit';
import { promptsToHost } from '../prompts/prompt-params';
import { resumeMessage } from '../run/resume-point';
import { type LoadedTrainCheckpoint, loadTrainCheckpoint, pruneCheckpoints } from '../run/train-checkpoint';
import { type Tensor, tf } from '../tf';
import { Rng } from '../util/rng';
import { stepEngineForRun } from '../webgpu/run-step-engine';
import type { StepEngine } from '../webgpu/step-engine';
import { AdamW } from './adamw';
import type { ScheduleParams } from './lr-schedule';
import { chooseMicroBatch, defaultMemoryBudget } from './micro-batch';
import { paramGroups } from './param-groups';
import { restoreModelTensors } from './restore-model';
import type { RunRecorder } from './run-recorder';
import { TrainState } from './train-state';

type Entry = DatasetSplits['train'][number];

/** The fixed analysis batch: one validation image per class (spec section 8). */
export interface Probe {
  images: Tensor; // [P, S, S, 3]
  labels: number[];
  ids: string[];
}

/** Everything the training loop works with, from `setUp`; `dispose` frees the tensors it holds. */
export interface Training {
  exp: ResolvedExperiment;
  config: ExperimentConfig;
  runDir: string;
  data: DatasetSplits;
  log: LogFn;
  rec: RunRecorder;
  state: TrainState;
  /** The checkpoint the run continues from (none for a new or restarted run). */
  resumed?: LoadedTrainCheckpoint;
  backend: string;
  model: PromptedViT;
  opt: AdamW;
  /** Images per micro-batch of the tfjs step (gradients accumulated over the batch). */
  micro: number;
  /** The backend's own training step (webgpu, native), when it has one; else the tfjs step. */
  gpuStep?: StepEngine;
  counts: ReturnType<PromptedViT['paramCounts']>;
  train: BatchLoader;
  evalLoader: (entries: Entry[]) => BatchLoader;
  stepsPerEpoch: number;
  totalSteps: number;
  schedule: ScheduleParams;
  /** Unreadable images skipped (counted in the summary). */
  skipped: ReadonlySet<string>;
  probe?: Probe;
  /** The prompts as initialised (the analysis measures how far training moved them). */
  initialPrompts?: HostTensor;
  dispose(): void;
}

export interface SetUpOptions {
  log: LogFn;
  /** Memory budget for micro-batching (bytes); default by backend. */
  memoryBudget?: number;
  /** When this process took the run on (ms): the run's wall time counts from here. */
  startedAt: number;
}

/**
 * Phase 1: a new run writes its resolved config.yaml; a resumed run loads its last checkpoint (removing
 * temporary files and the metric lines written after it), or, stopped before its first checkpoint,
 * starts again in the same folder. Says so with a `created` status. Returns the checkpoint, if any.
 */
export function prepareOrResume(
  exp: ResolvedExperiment,
  rec: RunRecorder,
  resume: boolean,
  log: LogFn,
): LoadedTrainCheckpoint | undefined {
  const { run } = rec;
  if (resume && hasLastCheckpoint(run.dir)) {
    const resumed = loadTrainCheckpoint(run.dir, 'last');
    // A killed run may have left temporary files and a torn last line: clean both up.
    const stale = [...removeStaleTemps(run.dir), ...pruneCheckpoints(run.dir)];
    if (stale.length) log('info', `removed ${stale.length} leftover file(s) of the interrupted run`);
    truncateJsonl(run.file('metrics'), resumed.meta.metricsLines);
    rec.metricsLines = resumed.meta.metricsLines;
    rec.status(RUN_STATUS.created, resumeMessage(resumed.meta.position, exp.config.train.epochs));
    if (resumed.warning) {
      rec.warning(resumed.warning);
      log('warn', resumed.warning);
    }
    return resumed;
  }
  if (resume) {
    // Stopped before its first checkpoint: start again from its config.yaml, in the same folder
    // (everything is seeded, so the numbers are an uninterrupted run's).
    const cleared = clearForRestart(run.dir);
    if (cleared.length) log('info', `removed ${cleared.length} file(s) of the interrupted first attempt`);
    rec.status(
      RUN_STATUS.created,
      'restarting from the beginning: the run stopped before its first checkpoint',
    );
    return undefined;
  }
  const { config, paths } = exp;
  writeFileAtomic(
    run.file('config'),
    stringify({
      ...config,
      backbone: { ...config.backbone, checkpoint: paths.checkpoint },
      data: { ...config.data, root: paths.dataRoot },
      output: { dir: paths.outputDir },
    }),
  );
  rec.status(RUN_STATUS.created);
  return undefined;
}

/** Phase 2: backend, loaders, model (initialised, or the checkpoint's), optimizer, schedule, step engine. */
export async function setUp(
  exp: ResolvedExperiment,
  data: DatasetSplits,
  rec: RunRecorder,
  resumed: LoadedTrainCheckpoint | undefined,
  opts: SetUpOptions,
): Promise<Training> {
  const { config, vit } = exp;
  const { log } = opts;
  const backend = await selectBackend(config.device.backend, log, {
    threads: config.device.threads,
    modelWidth: vit.embedDim,
  });
  const loaders = openLoaders(exp, data, rec, log);
  const built = await initialModel(exp, data, rec, resumed, { log, loaderLog: loaders.loaderLog });
  const model = built.model;
  let gpuStep: StepEngine | undefined;
  let probe: Probe | undefined;
  try {
    const { opt, counts, micro } = optimizer(exp, model, resumed, backend.name, opts);
    // On webgpu and native the step runs in the engine's own kernels; it hands parameters back before any read.
    gpuStep = await stepEngineForRun(backend.name, model, opt, {
      batch: config.train.batch_size,
      microBatch: config.train.micro_batch,
      nanCheck: config.debug.nan_check,
      threads: config.device.threads,
      log: (m) => log('info', m),
    });
    const engine = gpuStep;
    if (engine) rec.engineBytes = () => engine.bufferBytes; // its buffers, which tf.memory() does not see
    probe = await loadProbe(exp, data, loaders.loaderLog);
    const held = probe;
    return {
      exp,
      config,
      runDir: rec.run.dir,
      data,
      log,
      rec,
      state: new TrainState(resumed?.meta, opts.startedAt),
      resumed,
      backend: backend.name,
      model,
      opt,
      micro,
      gpuStep,
      counts,
      train: loaders.train,
      evalLoader: loaders.evalLoader,
      stepsPerEpoch: loaders.stepsPerEpoch,
      skipped: loaders.skipped,
      totalSteps: config.train.epochs * loaders.stepsPerEpoch,
      schedule: {
        lr: config.train.lr,
        minLr: config.train.min_lr,
        warmupEpochs: config.train.warmup_epochs,
        epochs: config.train.epochs,
      },
      probe,
      initialPrompts:
        model.prompts && fs.existsSync(rec.run.file('promptsInit'))
          ? readSafetensors(rec.run.file('promptsInit')).tensors.get('prompts')
          : undefined,
      dispose: () => {
        engine?.dispose();
        model.dispose();
        held?.images.dispose();
      },
    };
  } catch (err) {
    gpuStep?.dispose();
    model.dispose();
    probe?.images.dispose();
    throw err;
  }
}

/** AdamW over the model's decay groups (a resumed run's moments restored) and the tfjs step's micro-batch. */
function optimizer(
  exp: ResolvedExperiment,
  model: PromptedViT,
  resumed: LoadedTrainCheckpoint | undefined,
  backend: string,
  opts: SetUpOptions,
) {
  const { config } = exp;
  const opt = new AdamW(paramGroups(model, config.train.weight_decay, config.train.wd_head));
  if (resumed) {
    restoreModelTensors(model, resumed.tensors);
    opt.loadState(resumed.tensors, resumed.meta.optimizerStep);
  }
  const counts = model.paramCounts();
  const batch = config.train.batch_size;
  const budget = opts.memoryBudget ?? defaultMemoryBudget(backend);
  const micro = config.train.micro_batch ?? chooseMicroBatch(batch, exp.vit, exp.promptLength, budget);
  const total = counts.backbone + counts.head + counts.prompts;
  opts.log(
    'info',
    `${config.prompt.method}: ${counts.trainable.toLocaleString('en')} trainable of ${total.toLocaleString('en')} parameters; micro-batch ${micro} of ${batch}`,
  );
  return { opt, counts, micro };
}

/** The train loader and the eval loaders; their warnings go to the run once each. */
function openLoaders(exp: ResolvedExperiment, data: DatasetSplits, rec: RunRecorder, log: LogFn) {
  const { config } = exp;
  const size = exp.vit.imageSize;
  const augment = config.data.augment;
  const warned = new Set<string>(); // each loader warning once (several loaders read the same files)
  const skipped = new Set<string>(); // unreadable images, counted in the summary
  const loaderLog: LoaderLog = (level, msg) => {
    if (level === 'warn') {
      if (warned.has(msg)) return;
      warned.add(msg);
      const unreadable = /^skipping unreadable image (.+?): /.exec(msg);
      if (unreadable) skipped.add(unreadable[1]);
      rec.warning(msg);
    }
    log(level, msg);
  };
  for (const w of data.warnings) loaderLog('warn', w); // symbolic links the dataset reader did not follow
  const loader = (entries: Entry[], mode: 'train' | 'eval') =>
    new BatchLoader(entries, {
      size,
      batchSize: config.train.batch_size,
      mode,
      augment,
      seed: config.seed,
      dropLast: mode === 'train',
      log: loaderLog,
    });
  const train = loader(data.train, 'train');
  const stepsPerEpoch = train.batchesPerEpoch(); // >= 1: checked before the run folder was made
  log(
    'info',
    `data: ${data.train.length} train, ${data.val.length} val (${data.valSource}), ${data.test?.length ?? 0} test images; ${stepsPerEpoch} steps per epoch`,
  );
  return {
    train,
    evalLoader: (entries: Entry[]) => loader(entries, 'eval'),
    stepsPerEpoch,
    skipped,
    loaderLog,
  };
}

/**
 * The model with its initial prompts and head as training starts them (a new run also writes
 * prompts_init.safetensors and prototypes.json), or, resuming, the checkpoint's.
 */
async function initialModel(
  exp: ResolvedExperiment,
  data: DatasetSplits,
  rec: RunRecorder,
  resumed: LoadedTrainCheckpoint | undefined,
  { log, loaderLog }: { log: LogFn; loaderLog: LoaderLog },
) {
  const { config } = exp;
  const size = exp.vit.imageSize;
  const initEntries = limitInitImages(data.train, config.prompt.init_images, config.seed);
  const built = await buildModel(exp, {
    weights: resumed?.file, // resuming: prompts and head come from the checkpoint, no re-initialisation
    initImages: () =>
      imageBatches(initEntries, size, config.data.augment, config.train.batch_size, loaderLog),
    log: (m) => log('info', m),
  });
  if (resumed) return built;
  try {
    const { model } = built;
    if (model.prompts) {
      const prompts = await promptsToHost(model.prompts);
      writeSafetensors(rec.run.file('promptsInit'), new Map([['prompts', prompts]]), {
        init: String(exp.init),
      });
    }
    rec.run.writeJson('prototypes', {
      init: exp.init,
      mode: config.prompt.mode,
      length: exp.promptLength,
      images: initEntries.map((e) => e.image),
      prompts: built.provenance,
    });
    return built;
  } catch (err) {
    built.model.dispose();
    throw err;
  }
}

/** The analysis probe (one validation image per class), when analysis is on. */
async function loadProbe(exp: ResolvedExperiment, data: DatasetSplits, loaderLog: LoaderLog) {
  const { config } = exp;
  if (config.analysis.every_epochs <= 0) return undefined;
  const entries = chooseProbeEntries(data.val, config.analysis.probe_images, config.seed);
  if (!entries.length) return undefined;
  let probe: Probe | undefined;
  for await (const b of imageBatches(
    entries,
    exp.vit.imageSize,
    config.data.augment,
    entries.length,
    loaderLog,
  )) {
    probe?.images.dispose();
    probe = {
      images: tf.clone(b.images), // [P, S, S, 3]
      labels: b.ids.map((i) => entries[i].label),
      ids: b.ids.map((i) => entries[i].image),
    };
  }
  return probe;
}

function limitInitImages<T>(entries: T[], initImages: number | 'all', seed: number): T[] {
  if (initImages === 'all' || initImages >= entries.length) return entries;
  const order = entries.map((_, i) => i);
  // A seeded subset, in dataset order (so provenance indices stay readable).
  new Rng(seed).fork('init-images').shuffle(order);
  return order
    .slice(0, initImages)
    .sort((a, b) => a - b)
    .map((i) => entries[i]);
}
