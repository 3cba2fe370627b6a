/**
 * One training run, from a resolved experiment to a run folder (spec sections 3, 5, 6):
 * AdamW with three decay groups, warm-up + cosine set every step, the effective batch split into
 * micro-batches with gradient accumulation, validation every epoch, the best epoch chosen on val and
 * only then evaluated on test. Every random choice is keyed by the seed (and epoch, sample), so a run
 * resumed from a checkpoint continues exactly as if it had never stopped.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import type { ResolvedExperiment } from '../../config/load-config';
import { isDiskError, writeFileAtomic } from '../../run-folder/atomic-write';
import { faultPoint } from '../../run-folder/fault';
import { ANALYSIS_INDEX, checkpointFile, checkpointSidecar, runFile } from '../../run-folder/layout';
import { readSummary } from '../../run-folder/run-files';
import { createRunDir, RunFolder, removeStaleTemps, truncateJsonl } from '../../run-folder/run-folder';
import { acquireRunLock, type RunLock } from '../../run-folder/run-lock';
import { clearForRestart, hasLastCheckpoint, savedConfigProblem } from '../../run-folder/run-resume';
import { isActiveStatus, type RecordedStatus, RUN_STATUS } from '../../run-folder/status';
import type { MetricLine, RunEvent, RunSummaryFile } from '../../shared/run-events';
import { PERSISTED_EVENTS } from '../../shared/run-events';
import { analyseCheckpoint, analysedEpochs, writeAnalysis } from '../analysis/analyse-checkpoint';
import { chooseProbeEntries } from '../analysis/probe-set';
import { type LogFn, selectBackend } from '../backend/select-backend';
import type { HostTensor } from '../checkpoint/host-tensor';
import { readSafetensors, writeSafetensors } from '../checkpoint/safetensors';
import { BatchLoader } from '../data/batch-loader';
import { DataError } from '../data/data-error';
import { type DatasetSplits, openDataset } from '../data/dataset';
import { ensureShippedDataset } from '../data/fashion-mnist/default-dataset';
import { imageBatches } from '../data/image-batches';
import { buildModel } from '../model/build-model';
import { type DropPathKey, disposeDropPath, dropPathScales, dropPathTensors } from '../model/drop-path';
import { crossEntropy } from '../model/loss';
import type { PromptedViT } from '../model/prompted-vit';
import { promptsToHost } from '../prompts/prompt-params';
import { finishedRunSummary, resumeMessage } from '../run/resume-point';
import { loadTrainCheckpoint, pruneCheckpoints, saveTrainCheckpoint } from '../run/train-checkpoint';
import { type Tensor, tf } from '../tf';
import { Rng } from '../util/rng';
import { stepEngineForRun } from '../webgpu/run-step-engine';
import type { StepEngine } from '../webgpu/step-engine';
import { AdamW } from './adamw';
import { evaluate } from './evaluate';
import { fractionalEpoch, learningRateAt } from './lr-schedule';
import { sampleMemory } from './memory-sample';
import { chooseMicroBatch, defaultMemoryBudget, microChunks } from './micro-batch';
import { paramGroups } from './param-groups';
import { restoreModelTensors } from './restore-model';

export interface TrainOptions {
  /** Continue this run folder from its last checkpoint. */
  resumeDir?: string;
  onEvent?: (e: RunEvent) => void;
  log?: LogFn;
  /** Set `stop = true` (SIGINT/SIGTERM): the run saves a resumable checkpoint at the next step and returns. */
  control?: { stop: boolean };
  /** Memory budget for micro-batching (bytes); default by backend. */
  memoryBudget?: number;
  /** Who holds the run folder's lock (shown to a second writer that is refused). */
  lockOwner?: string;
}

export interface TrainResult {
  runDir: string;
  summary: RunSummaryFile;
  /** Resuming a run that had finished: nothing was trained and no file was touched. */
  alreadyFinished?: boolean;
}

export class NonFiniteLossError extends Error {
  override name = 'NonFiniteLossError';
}

/** A run that failed because its files could not be written (a full disk): says what is kept. */
export class RunWriteError extends Error {
  override name = 'RunWriteError';
}

const now = () => Date.now() / 1000;

/**
 * Trains `exp` into a new run folder, or continues `opts.resumeDir`. The run folder is locked for
 * the run's duration (a second writer is refused with RunLockedError). A run that fails records
 * it (status `failed`, the error, in events.jsonl and summary.json, as far as the disk allows) and
 * keeps its last good checkpoint; a full disk fails with a RunWriteError that says so.
 */
export async function trainExperiment(
  exp: ResolvedExperiment,
  opts: TrainOptions = {},
): Promise<TrainResult> {
  const done = opts.resumeDir ? finishedRunSummary(opts.resumeDir) : null;
  if (opts.resumeDir && done) {
    opts.log?.('info', `${opts.resumeDir} finished earlier: nothing to resume; the run is left as it is`);
    return { runDir: opts.resumeDir, summary: done, alreadyFinished: true };
  }
  // A data root shipped in compact form (the default experiment's ./dataset) is written out first.
  await ensureShippedDataset(exp.paths.dataRoot, opts.log);
  // The data is checked before the run folder exists: a bad label or a missing image leaves no run behind.
  const data = openDataset(exp);
  if (data.train.length < exp.config.train.batch_size)
    throw new DataError(
      exp.file,
      `${data.train.length} training images do not fill one batch of ${exp.config.train.batch_size} (train.batch_size)`,
      `lower train.batch_size to at most ${data.train.length}, or add training images`,
    );
  const runDir = opts.resumeDir ?? createRunDir(exp.paths.outputDir, exp.config.name);
  const lock = acquireRunLock(runDir, opts.lockOwner);
  try {
    return await trainInRunDir(exp, runDir, opts, lock, data);
  } catch (err) {
    throw recordFailure(exp, runDir, err, opts);
  } finally {
    lock.release();
  }
}

/** Best effort: the failure goes to events.jsonl, summary.json and the listener; returns the error to throw. */
function recordFailure(exp: ResolvedExperiment, runDir: string, err: unknown, opts: TrainOptions): unknown {
  if (err instanceof NonFiniteLossError) return err; // recorded where it happened
  let message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  let thrown = err;
  if (isDiskError(err)) {
    message = `${message}; ${afterDiskFull(exp, runDir)}`;
    thrown = new RunWriteError(message, { cause: err });
  }
  const t = now();
  const events: RunEvent[] = [
    { type: 'error', t, message },
    { type: 'status', t, status: RUN_STATUS.failed, runDir, message },
  ];
  const run = new RunFolder(runDir);
  for (const e of events) {
    try {
      run.events.append(e);
    } catch {
      // the disk may be full
    }
    try {
      opts.onEvent?.(e);
    } catch {
      // a listener's error must not hide the run's
    }
  }
  try {
    const summary = readSummary(runDir);
    if (summary && isActiveStatus(summary.status))
      run.writeJson('summary', { ...summary, status: RUN_STATUS.failed, error: message });
  } catch {
    // no summary yet (the run failed while starting), or the disk is full
  }
  return thrown;
}

/**
 * What a run that failed on a full disk keeps, and the command that continues it once space is
 * freed: resume from the last checkpoint; restart in the same folder when it had none but its
 * config.yaml was saved (see src/run-folder/run-resume.ts); else start again from the experiment file.
 */
function afterDiskFull(exp: ResolvedExperiment, runDir: string): string {
  const resume = `\`spt train --resume ${runDir}\``;
  if (hasLastCheckpoint(runDir)) {
    const checkpoints = runFile(runDir, 'checkpoints');
    let kept = `the last good checkpoint is kept in ${checkpoints}`;
    try {
      const last = JSON.parse(fs.readFileSync(checkpointSidecar(runDir, 'last'), 'utf8'));
      kept = `the last good checkpoint (epoch ${last.position.epoch}, step ${last.position.globalStep}) is kept in ${checkpoints}`;
    } catch {
      // last.json unreadable: resuming falls back to last.prev.json
    }
    return `${kept}. Free some disk space, then resume with ${resume}`;
  }
  if (savedConfigProblem(runDir) === null)
    return `no checkpoint had been saved yet. Free some disk space, then restart the run from the beginning in the same folder with ${resume}`;
  const source = path.dirname(exp.file) === path.resolve(runDir) ? '<experiment.spt.yaml>' : exp.file;
  return `no checkpoint had been saved yet and the run's config.yaml was not saved, so it cannot be resumed. Free some disk space, then start it again with \`spt train ${source}\` (with the same --set options, if any) and delete ${runDir}`;
}

async function trainInRunDir(
  exp: ResolvedExperiment,
  runDir: string,
  opts: TrainOptions,
  lock: RunLock,
  data: DatasetSplits,
): Promise<TrainResult> {
  const { config, vit } = exp;
  const log = opts.log ?? (() => {});
  const control = opts.control ?? { stop: false };
  const t0 = Date.now();
  const run = new RunFolder(runDir);
  const emit = (e: RunEvent) => {
    if (PERSISTED_EVENTS.has(e.type)) run.events.append(e);
    opts.onEvent?.(e);
  };
  const status = (s: RecordedStatus, message?: string) =>
    emit({ type: 'status', t: now(), status: s, runDir, message });

  let resumed: ReturnType<typeof loadTrainCheckpoint> | undefined;
  if (opts.resumeDir && hasLastCheckpoint(runDir)) {
    resumed = loadTrainCheckpoint(runDir, 'last');
    // A killed run may have left temporary files and a torn last line: clean both up.
    const stale = [...removeStaleTemps(runDir), ...pruneCheckpoints(runDir)];
    if (stale.length) log('info', `removed ${stale.length} leftover file(s) of the interrupted run`);
    truncateJsonl(run.file('metrics'), resumed.meta.metricsLines);
    status(RUN_STATUS.created, resumeMessage(resumed.meta.position, config.train.epochs));
    if (resumed.warning) {
      emit({ type: 'warning', t: now(), message: resumed.warning });
      log('warn', resumed.warning);
    }
  } else if (opts.resumeDir) {
    // Stopped before its first checkpoint: start again from its config.yaml, in the same folder
    // (everything is seeded, so the numbers are an uninterrupted run's).
    const cleared = clearForRestart(runDir);
    if (cleared.length) log('info', `removed ${cleared.length} file(s) of the interrupted first attempt`);
    status(RUN_STATUS.created, 'restarting from the beginning: the run stopped before its first checkpoint');
  } else {
    writeFileAtomic(
      run.file('config'),
      stringify({
        ...config,
        backbone: { ...config.backbone, checkpoint: exp.paths.checkpoint },
        data: { ...config.data, root: exp.paths.dataRoot },
        output: { dir: exp.paths.outputDir },
      }),
    );
    status(RUN_STATUS.created);
  }

  const backend = await selectBackend(config.device.backend, log, {
    threads: config.device.threads,
    modelWidth: vit.embedDim,
  });
  const size = vit.imageSize;
  const aug = config.data.augment;
  const warned = new Set<string>(); // each loader warning once (several loaders read the same files)
  const skipped = new Set<string>(); // unreadable images, counted in the summary
  const loaderLog = (level: 'info' | 'warn', msg: string) => {
    if (level === 'warn') {
      if (warned.has(msg)) return;
      warned.add(msg);
      const unreadable = /^skipping unreadable image (.+?): /.exec(msg);
      if (unreadable) skipped.add(unreadable[1]);
      emit({ type: 'warning', t: now(), message: msg });
    }
    log(level, msg);
  };
  for (const w of data.warnings) loaderLog('warn', w); // symbolic links the dataset reader did not follow
  const train = new BatchLoader(data.train, {
    size,
    batchSize: config.train.batch_size,
    mode: 'train',
    augment: aug,
    seed: config.seed,
    dropLast: true,
    log: loaderLog,
  });
  const evalLoader = (entries: typeof data.train) =>
    new BatchLoader(entries, {
      size,
      batchSize: config.train.batch_size,
      mode: 'eval',
      augment: aug,
      seed: config.seed,
      dropLast: false,
      log: loaderLog,
    });
  const stepsPerEpoch = train.batchesPerEpoch(); // >= 1: checked before the run folder was made
  log(
    'info',
    `data: ${data.train.length} train, ${data.val.length} val (${data.valSource}), ${data.test?.length ?? 0} test images; ${stepsPerEpoch} steps per epoch`,
  );

  // Model: initial prompts and head as training starts them, or the checkpoint's.
  const initEntries = limitInitImages(data.train, config.prompt.init_images, config.seed);
  const built = await buildModel(exp, {
    weights: resumed?.file, // resuming: prompts and head come from the checkpoint, no re-initialisation
    initImages: () => imageBatches(initEntries, size, aug, config.train.batch_size, loaderLog),
    log: (m) => log('info', m),
  });
  const model = built.model;
  let probe: { images: Tensor; labels: number[]; ids: string[] } | undefined;
  let gpuStep: StepEngine | undefined;
  try {
    if (!resumed) {
      if (model.prompts) {
        const prompts = await promptsToHost(model.prompts);
        writeSafetensors(run.file('promptsInit'), new Map([['prompts', prompts]]), {
          init: String(exp.init),
        });
      }
      run.writeJson('prototypes', {
        init: exp.init,
        mode: config.prompt.mode,
        length: exp.promptLength,
        images: initEntries.map((e) => e.image),
        prompts: built.provenance,
      });
    }
    const opt = new AdamW(paramGroups(model, config.train.weight_decay, config.train.wd_head));
    if (resumed) {
      restoreModelTensors(model, resumed.tensors);
      opt.loadState(resumed.tensors, resumed.meta.optimizerStep);
    }
    const counts = model.paramCounts();
    const micro =
      config.train.micro_batch ??
      chooseMicroBatch(
        config.train.batch_size,
        vit,
        exp.promptLength,
        opts.memoryBudget ?? defaultMemoryBudget(backend.name),
      );
    log(
      'info',
      `${config.prompt.method}: ${counts.trainable.toLocaleString('en')} trainable of ${(counts.backbone + counts.head + counts.prompts).toLocaleString('en')} parameters; micro-batch ${micro} of ${config.train.batch_size}`,
    );
    // On webgpu and native the step runs in the engine's own kernels; it hands parameters back before any read.
    gpuStep = await stepEngineForRun(backend.name, model, opt, {
      batch: config.train.batch_size,
      microBatch: config.train.micro_batch,
      nanCheck: config.debug.nan_check,
      threads: config.device.threads,
      log: (m) => log('info', m),
    });
    const settle = async () => gpuStep?.syncTo(opt);

    const schedule = {
      lr: config.train.lr,
      minLr: config.train.min_lr,
      warmupEpochs: config.train.warmup_epochs,
      epochs: config.train.epochs,
    };
    const meta0 = resumed?.meta;
    let pos = meta0 ? { ...meta0.position } : { epoch: 0, stepInEpoch: 0, globalStep: 0 };
    let best = meta0?.best ?? null;
    let metricsLines = meta0?.metricsLines ?? 0;
    const history = meta0?.history ? [...meta0.history] : [];
    let trainImages = meta0?.trainImagesSeen ?? 0;
    let trainSeconds = 0;
    let running: Running = meta0?.running ?? { lossSum: 0, correct: 0, count: 0 };
    const wallBefore = meta0?.wallSeconds ?? 0;
    const metric = (m: Omit<MetricLine, 't'>): MetricLine => {
      const line = { t: now(), ...m, ...sampleMemory(gpuStep?.bufferBytes) };
      run.metrics.append(line);
      metricsLines++;
      return line;
    };
    const save = async (kind: 'last' | 'best') => {
      await settle();
      const meta = await saveTrainCheckpoint(runDir, model, kind === 'last' ? opt : null, {
        kind,
        position: pos,
        optimizerStep: opt.step,
        best,
        metricsLines,
        epochsCompleted: history.length,
        history,
        wallSeconds: wallBefore + (Date.now() - t0) / 1000,
        trainImagesSeen: trainImages,
        seed: config.seed,
        backend: backend.name,
        running,
      });
      emit({
        type: 'checkpoint',
        t: now(),
        kind,
        path: checkpointFile(runDir, meta.weights),
        epoch: pos.epoch,
        step: pos.globalStep,
      });
    };
    const summary = (s: RecordedStatus, extra: Partial<RunSummaryFile> = {}): RunSummaryFile => ({
      status: s,
      name: config.name,
      method: config.prompt.method,
      best_epoch: best?.epoch ?? null,
      val_acc: best?.acc ?? null,
      test_acc: null,
      trainable_params: counts.trainable,
      total_params: counts.backbone + counts.head + counts.prompts,
      backend: backend.name,
      images_per_sec: trainSeconds > 0 ? (trainImages - (meta0?.trainImagesSeen ?? 0)) / trainSeconds : 0,
      wall_seconds: wallBefore + (Date.now() - t0) / 1000,
      seed: config.seed,
      epochs_completed: history.length,
      skipped_images: skipped.size,
      ...extra,
    });
    const finish = (s: RecordedStatus, extra: Partial<RunSummaryFile> = {}, testLine?: MetricLine) => {
      const sum = summary(s, extra);
      run.writeJson('summary', sum);
      emit({ type: 'summary', t: now(), summary: sum, ...(testLine ? { testLine } : {}) });
      status(s, extra.error);
      return { runDir, summary: sum };
    };

    // Analysis (spec section 8): a fixed probe batch, one validation image per class, at init and every N epochs.
    const every = config.analysis.every_epochs;
    const probeEntries =
      every > 0 ? chooseProbeEntries(data.val, config.analysis.probe_images, config.seed) : [];
    if (probeEntries.length) {
      for await (const b of imageBatches(probeEntries, size, aug, probeEntries.length, loaderLog)) {
        probe = {
          images: tf.clone(b.images),
          labels: b.ids.map((i) => probeEntries[i].label),
          ids: b.ids.map((i) => probeEntries[i].image),
        };
      }
    }
    const initialPrompts: HostTensor | undefined =
      model.prompts && fs.existsSync(run.file('promptsInit'))
        ? readSafetensors(run.file('promptsInit')).tensors.get('prompts')
        : undefined;
    const analyse = async (epoch: number) => {
      if (!probe) return;
      await settle();
      faultPoint(`analysis:${epoch}`);
      const record = await analyseCheckpoint(model, probe, initialPrompts, { epoch, seed: config.seed });
      const files = writeAnalysis(runDir, record);
      emit({
        type: 'analysis',
        t: now(),
        epoch,
        path: files.find((f) => f.endsWith('.json') && path.basename(f) !== ANALYSIS_INDEX) ?? files[0],
      });
    };

    status(RUN_STATUS.running);
    run.writeJson('summary', summary(RUN_STATUS.running));
    if (!resumed) await analyse(0);
    else {
      // A run killed while it analysed an epoch boundary analyses it now (same weights).
      const { epoch: e, stepInEpoch } = resumed.meta.position;
      const due = e > 0 && stepInEpoch === 0 && every > 0 && (e % every === 0 || e === config.train.epochs);
      if (due && !analysedEpochs(runDir).includes(e)) await analyse(e);
    }
    const totalSteps = config.train.epochs * stepsPerEpoch;
    for (
      ;
      pos.epoch < config.train.epochs;
      pos = { epoch: pos.epoch + 1, stepInEpoch: 0, globalStep: pos.globalStep }
    ) {
      // Epochs are counted from 1 in every output (metrics.jsonl, events, summary.json, the terminal):
      // epoch k is the k-th pass over the training set; pos.epoch is the 0-based loop index.
      const epochNo = pos.epoch + 1;
      for await (const batch of train.epoch(pos.epoch, pos.stepInEpoch)) {
        const lr = learningRateAt(fractionalEpoch(pos.epoch, pos.stepInEpoch, stepsPerEpoch), schedule);
        const ts = performance.now();
        const {
          loss: stepLoss,
          correct,
          paramsFinite,
        } = gpuStep
          ? await gpuStep.trainStep(batch.images, batch.labels, lr)
          : await trainStep(model, opt, batch.images, batch.labels, size, micro, lr, config.debug.nan_check, {
              seed: config.seed,
              epoch: pos.epoch,
              step: pos.stepInEpoch,
            });
        // A finite loss can still leave overflowed parameters behind: check them before they are saved.
        const loss = Number.isFinite(stepLoss) && !paramsFinite ? Number.POSITIVE_INFINITY : stepLoss;
        const secs = (performance.now() - ts) / 1000;
        const B = batch.labels.length;
        if (!Number.isFinite(loss)) {
          const names = batch.indices.slice(0, 4).map((i) => data.train[i].image);
          const hint = `lower train.lr (now ${config.train.lr}) or check these images: ${names.join(', ')}${B > 4 ? ', ...' : ''}; the last good checkpoint is kept in ${runFile(runDir, 'checkpoints')}`;
          const what = Number.isFinite(stepLoss)
            ? `parameters after the update (loss ${stepLoss})`
            : `training loss (${stepLoss})`;
          const message = `non-finite ${what} at epoch ${epochNo}, step ${pos.globalStep + 1} (batch ${pos.stepInEpoch} of the epoch)`;
          emit({ type: 'error', t: now(), message, hint });
          finish(RUN_STATUS.failed, { error: `${message}; ${hint}` });
          throw new NonFiniteLossError(`${message}\n  hint: ${hint}`);
        }
        pos = { ...pos, stepInEpoch: pos.stepInEpoch + 1, globalStep: pos.globalStep + 1 };
        trainSeconds += secs;
        trainImages += B;
        running = {
          lossSum: running.lossSum + loss * B,
          correct: running.correct + correct,
          count: running.count + B,
        };
        const trainLine = metric({
          epoch: epochNo,
          step: pos.globalStep,
          split: 'train',
          loss,
          acc: correct / B,
          lr,
          ips: B / secs,
        });
        emit({
          type: 'step',
          t: trainLine.t,
          epoch: epochNo,
          step: pos.globalStep,
          totalSteps,
          loss,
          lr,
          ips: B / secs,
          acc: trainLine.acc,
          rss_mb: trainLine.rss_mb,
          tensor_mb: trainLine.tensor_mb,
          ...(trainLine.engine_mb !== undefined ? { engine_mb: trainLine.engine_mb } : {}),
        });
        lock.refresh();
        faultPoint('train:step');
        if (control.stop) {
          await save('last');
          return finish(RUN_STATUS.stopped);
        }
      }
      // End of epoch: validate, keep the best epoch (chosen on val, never on test).
      await settle();
      const val = await evaluate(model, evalLoader(data.val).epoch(0), size);
      const valLine = metric({
        epoch: epochNo,
        step: pos.globalStep,
        split: 'val',
        loss: val.loss,
        acc: val.acc,
        lr: learningRateAt(pos.epoch + 1, schedule),
        ips: val.ips,
      });
      const trainAgg = {
        loss: running.lossSum / Math.max(1, running.count),
        acc: running.correct / Math.max(1, running.count),
      };
      history.push({
        epoch: epochNo,
        trainLoss: trainAgg.loss,
        trainAcc: trainAgg.acc,
        valLoss: val.loss,
        valAcc: val.acc,
      });
      running = { lossSum: 0, correct: 0, count: 0 };
      const improved = !best || val.acc > best.acc;
      if (improved) best = { epoch: epochNo, acc: val.acc, loss: val.loss };
      const next = { epoch: pos.epoch + 1, stepInEpoch: 0, globalStep: pos.globalStep };
      const here = pos;
      pos = next; // checkpoints record where to continue
      if (improved) await save('best');
      await save('last');
      faultPoint('train:epoch');
      pos = here;
      emit({
        type: 'epoch',
        t: now(),
        epoch: epochNo,
        epochs: config.train.epochs,
        train: trainAgg,
        val: { loss: val.loss, acc: val.acc },
        best: { epoch: best?.epoch ?? 0, acc: best?.acc ?? 0 },
        valLine,
      });
      if (every > 0 && ((pos.epoch + 1) % every === 0 || pos.epoch + 1 === config.train.epochs))
        await analyse(pos.epoch + 1);
      log(
        'info',
        `epoch ${epochNo}/${config.train.epochs}: train loss ${trainAgg.loss.toFixed(4)} acc ${(100 * trainAgg.acc).toFixed(1)}%, val loss ${val.loss.toFixed(4)} acc ${(100 * val.acc).toFixed(1)}%`,
      );
      if (control.stop) {
        pos = next;
        return finish(RUN_STATUS.stopped);
      }
    }

    // Test once, with the epoch chosen on val.
    let testAcc: number | null = null;
    let testLine: MetricLine | undefined;
    if (data.test && best) {
      const bestCkpt = loadTrainCheckpoint(runDir, 'best');
      if (bestCkpt.warning) {
        emit({ type: 'warning', t: now(), message: bestCkpt.warning });
        log('warn', bestCkpt.warning);
      }
      restoreModelTensors(model, bestCkpt.tensors);
      const test = await evaluate(model, evalLoader(data.test).epoch(0), size);
      testLine = metric({
        epoch: best.epoch,
        step: pos.globalStep,
        split: 'test',
        loss: test.loss,
        acc: test.acc,
        lr: 0,
        ips: test.ips,
      });
      testAcc = test.acc;
      log('info', `test (epoch ${best.epoch}, chosen on val): acc ${(100 * test.acc).toFixed(2)}%`);
    }
    return finish(RUN_STATUS.finished, { test_acc: testAcc }, testLine);
  } finally {
    gpuStep?.dispose();
    model.dispose();
    probe?.images.dispose();
  }
}

interface Running {
  lossSum: number;
  correct: number;
  count: number;
}

/**
 * One optimizer step over a batch, accumulating gradients over micro-batches. Returns the batch mean
 * loss, the correct predictions and (with `nanCheck`) whether every parameter is finite after the
 * update. The step reads the device once, asynchronously, after the update (webgpu in Node has no
 * synchronous readback; one read keeps a GPU step from waiting more than once). A non-finite loss
 * fails the run, so the update it makes first is never used.
 */
export async function trainStep(
  model: PromptedViT,
  opt: AdamW,
  images: Float32Array,
  labels: number[],
  size: number,
  micro: number,
  lr: number,
  nanCheck: boolean,
  /** Where the step is: keys the stochastic-depth masks when `model.dropPath` > 0 (none without it). */
  dropKey?: DropPathKey,
): Promise<{ loss: number; correct: number; paramsFinite: boolean }> {
  const B = labels.length;
  const per = size * size * 3;
  const vars = opt.params();
  const chunks = microChunks(B, micro);
  const dropScales = dropKey ? dropPathScales(model.dropPath, model.cfg.depth, B, dropKey) : null;
  let total: Record<string, Tensor> | undefined;
  const reads: Tensor[] = []; // per micro-batch: its predictions [b], then its weighted loss []
  try {
    for (const [s, e] of chunks) {
      const chunk = labels.slice(s, e);
      const x = tf.tensor4d(images.subarray(s * per, e * per), [e - s, size, size, 3]); // [b, S, S, 3]
      const dropPath = dropScales ? dropPathTensors(dropScales, model.cfg.depth, B, s, e) : undefined;
      const { value, grads } = tf.variableGrads(() => {
        const logits = model.forward(x, { dropPath }).logits; // [b, C]
        reads.push(tf.keep(tf.argMax(logits, 1)));
        return tf.mul(crossEntropy(logits, chunk), (e - s) / B) as tf.Scalar; // weighted: sum over chunks = batch mean
      }, vars);
      x.dispose();
      disposeDropPath(dropPath);
      reads.push(value);
      if (!total) total = grads;
      else {
        const prev = total;
        total = Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.add(prev[k], g)]));
        tf.dispose([...Object.values(prev), ...Object.values(grads)]);
      }
    }
    opt.apply(total ?? {}, lr);
  } catch (err) {
    tf.dispose(reads);
    throw err;
  } finally {
    tf.dispose(Object.values(total ?? {}));
  }
  let stats: Tensor;
  try {
    stats = tf.tidy(() => {
      const parts = reads.map((t) => tf.reshape(tf.cast(t, 'float32'), [-1])); // class indices < 2^24: exact
      if (nanCheck) {
        const finite = tf.stack(vars.map((v) => tf.all(tf.isFinite(v)))); // [params] bool
        parts.push(tf.reshape(tf.cast(tf.all(finite), 'float32'), [1]));
      }
      return tf.concat(parts); // [B + chunks (+ 1)]
    });
  } finally {
    tf.dispose(reads);
  }
  const v = await stats.data().finally(() => stats.dispose());
  let loss = 0;
  let correct = 0;
  let k = 0;
  for (const [s, e] of chunks) {
    for (let i = s; i < e; i++) if (v[k++] === labels[i]) correct++;
    loss += v[k++]; // summed on the host in chunk order, as the per-chunk reads did
  }
  return { loss, correct, paramsFinite: !nanCheck || v[k] === 1 };
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
