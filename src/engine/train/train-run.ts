/**
 * One training run, from a resolved experiment to a run folder (spec sections 3, 5, 6):
 * AdamW with three decay groups, warm-up + cosine set every step, the effective batch split into
 * micro-batches with gradient accumulation, validation every epoch, the best epoch chosen on val and
 * only then evaluated on test. Every random choice is keyed by the seed (and epoch, sample), so a run
 * resumed from a checkpoint continues exactly as if it had never stopped.
 *
 * The run reads like nanoGPT's train loop, in phases: prepare or resume the run folder and set up
 * (train-setup.ts), then per batch one optimizer step (`step`), per epoch validation, checkpoints and
 * analysis (`endOfEpoch`), and at the end the test on the epoch chosen on val (`testAndFinish`). What
 * the run writes and announces goes through one RunRecorder (run-recorder.ts); where it is, through
 * TrainState (train-state.ts).
 */
import * as path from 'node:path';
import type { ResolvedExperiment } from '../../config/load-config';
import { faultPoint } from '../../run-folder/fault';
import { ANALYSIS_INDEX, checkpointFile, runFile } from '../../run-folder/layout';
import { createRunDir, RunFolder } from '../../run-folder/run-folder';
import { acquireRunLock, type RunLock } from '../../run-folder/run-lock';
import { type RecordedStatus, RUN_STATUS } from '../../run-folder/status';
import type { MetricLine, RunEvent, RunSummaryFile } from '../../shared/run-events';
import { analyseCheckpoint, analysedEpochs, writeAnalysis } from '../analysis/analyse-checkpoint';
import type { LogFn } from '../backend/select-backend';
import type { Batch } from '../data/batch-loader';
import { DataError } from '../data/data-error';
import { type DatasetSplits, openDataset } from '../data/dataset';
import { ensureShippedDataset } from '../data/fashion-mnist/default-dataset';
import { finishedRunSummary } from '../run/resume-point';
import { loadTrainCheckpoint, saveTrainCheckpoint } from '../run/train-checkpoint';
import { evaluate } from './evaluate';
import { fractionalEpoch, learningRateAt } from './lr-schedule';
import { restoreModelTensors } from './restore-model';
import { NonFiniteLossError, recordFailure } from './run-failure';
import { RunRecorder } from './run-recorder';
import { trainStep } from './tfjs-train-step';
import { prepareOrResume, setUp, type Training } from './train-setup';

export { NonFiniteLossError, RunWriteError } from './run-failure';

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
    throw recordFailure(exp, runDir, err, opts.onEvent);
  } finally {
    lock.release();
  }
}

/** The run in phases: prepare or resume, set up, then the loop (step; end of epoch), then test and finish. */
async function trainInRunDir(
  exp: ResolvedExperiment,
  runDir: string,
  opts: TrainOptions,
  lock: RunLock,
  data: DatasetSplits,
): Promise<TrainResult> {
  const log = opts.log ?? (() => {});
  const control = opts.control ?? { stop: false };
  const startedAt = Date.now();
  const rec = new RunRecorder(new RunFolder(runDir), { onEvent: opts.onEvent });
  const resumed = prepareOrResume(exp, rec, !!opts.resumeDir, log);
  const tr = await setUp(exp, data, rec, resumed, { log, memoryBudget: opts.memoryBudget, startedAt });
  try {
    await start(tr);
    const { state } = tr;
    while (state.pos.epoch < tr.config.train.epochs) {
      for await (const batch of tr.train.epoch(state.pos.epoch, state.pos.stepInEpoch)) {
        await step(tr, batch);
        lock.refresh();
        faultPoint('train:step');
        if (control.stop) {
          await save(tr, 'last');
          return finish(tr, RUN_STATUS.stopped);
        }
      }
      await endOfEpoch(tr);
      if (control.stop) return finish(tr, RUN_STATUS.stopped);
    }
    return await testAndFinish(tr);
  } finally {
    tr.dispose();
  }
}

/** The run is running: summary.json says so; the analysis at initialisation (or one a kill interrupted). */
async function start(tr: Training): Promise<void> {
  tr.rec.status(RUN_STATUS.running);
  tr.rec.writeSummary(summary(tr, RUN_STATUS.running));
  if (!tr.resumed) return analyse(tr, 0);
  // A run killed while it analysed an epoch boundary analyses it now (same weights).
  const { epoch, stepInEpoch } = tr.resumed.meta.position;
  if (epoch > 0 && stepInEpoch === 0 && analysisDue(tr, epoch) && !analysedEpochs(tr.runDir).includes(epoch))
    await analyse(tr, epoch);
}

/**
 * One optimizer step on a batch at the schedule's learning rate, on the backend's step engine or the
 * tfjs step; its train line is written and sent with the `step` event. A non-finite loss (or parameters
 * that overflowed) fails the run.
 */
async function step(tr: Training, batch: Batch): Promise<void> {
  const { state } = tr;
  const { pos } = state;
  const lr = learningRateAt(fractionalEpoch(pos.epoch, pos.stepInEpoch, tr.stepsPerEpoch), tr.schedule);
  const started = performance.now();
  const out = tr.gpuStep
    ? await tr.gpuStep.trainStep(batch.images, batch.labels, lr)
    : await tfjsStep(tr, batch, lr);
  // A finite loss can still leave overflowed parameters behind: check them before they are saved.
  const loss = Number.isFinite(out.loss) && !out.paramsFinite ? Number.POSITIVE_INFINITY : out.loss;
  const secs = (performance.now() - started) / 1000;
  const B = batch.labels.length;
  if (!Number.isFinite(loss)) failNonFinite(tr, batch, out.loss);
  state.step(B, loss, out.correct, secs);
  const line = {
    epoch: pos.epoch + 1,
    step: state.pos.globalStep,
    loss,
    acc: out.correct / B,
    lr,
    ips: B / secs,
  };
  tr.rec.train(line, tr.totalSteps);
}

/** The TensorFlow.js step (no step engine on this backend); stochastic depth is keyed by where it is. */
function tfjsStep(tr: Training, batch: Batch, lr: number) {
  const { config, exp, state } = tr;
  const where = { seed: config.seed, epoch: state.pos.epoch, step: state.pos.stepInEpoch };
  const size = exp.vit.imageSize;
  return trainStep(
    tr.model,
    tr.opt,
    batch.images,
    batch.labels,
    size,
    tr.micro,
    lr,
    config.debug.nan_check,
    where,
  );
}

/** Records a non-finite step (the error, a failed summary) and throws NonFiniteLossError. */
function failNonFinite(tr: Training, batch: Batch, stepLoss: number): never {
  const { pos } = tr.state;
  const B = batch.labels.length;
  const names = batch.indices.slice(0, 4).map((i) => tr.data.train[i].image);
  const hint = `lower train.lr (now ${tr.config.train.lr}) or check these images: ${names.join(', ')}${B > 4 ? ', ...' : ''}; the last good checkpoint is kept in ${runFile(tr.runDir, 'checkpoints')}`;
  const what = Number.isFinite(stepLoss)
    ? `parameters after the update (loss ${stepLoss})`
    : `training loss (${stepLoss})`;
  const message = `non-finite ${what} at epoch ${pos.epoch + 1}, step ${pos.globalStep + 1} (batch ${pos.stepInEpoch} of the epoch)`;
  tr.rec.emit({ type: 'error', t: tr.rec.now(), message, hint });
  finish(tr, RUN_STATUS.failed, { error: `${message}; ${hint}` });
  throw new NonFiniteLossError(`${message}\n  hint: ${hint}`);
}

/**
 * The end of an epoch: validate, keep the best epoch (chosen on val, never on test), save the best and
 * last checkpoints (they record the start of the next epoch), send the `epoch` event with its val line,
 * analyse when due.
 */
async function endOfEpoch(tr: Training): Promise<void> {
  const { config, rec, state } = tr;
  const epoch = state.pos.epoch + 1; // counted from 1, as in every output
  await settle(tr);
  const val = await evaluate(tr.model, tr.evalLoader(tr.data.val).epoch(0), tr.exp.vit.imageSize);
  const valLine = rec.val({
    epoch,
    step: state.pos.globalStep,
    loss: val.loss,
    acc: val.acc,
    lr: learningRateAt(epoch, tr.schedule),
    ips: val.ips,
  });
  const { train, improved } = state.endEpoch(val);
  if (improved) await save(tr, 'best');
  await save(tr, 'last');
  faultPoint('train:epoch');
  const best = { epoch: state.best?.epoch ?? 0, acc: state.best?.acc ?? 0 };
  rec.epoch(
    { epoch, epochs: config.train.epochs, train, val: { loss: val.loss, acc: val.acc }, best },
    valLine,
  );
  if (analysisDue(tr, epoch)) await analyse(tr, epoch);
  tr.log(
    'info',
    `epoch ${epoch}/${config.train.epochs}: train loss ${train.loss.toFixed(4)} acc ${(100 * train.acc).toFixed(1)}%, val loss ${val.loss.toFixed(4)} acc ${(100 * val.acc).toFixed(1)}%`,
  );
}

/** Test once, with the weights of the epoch chosen on val, then the summary. */
async function testAndFinish(tr: Training): Promise<TrainResult> {
  const { best, pos } = tr.state;
  if (!tr.data.test || !best) return finish(tr, RUN_STATUS.finished, { test_acc: null });
  const bestCkpt = loadTrainCheckpoint(tr.runDir, 'best');
  if (bestCkpt.warning) {
    tr.rec.warning(bestCkpt.warning);
    tr.log('warn', bestCkpt.warning);
  }
  restoreModelTensors(tr.model, bestCkpt.tensors);
  const test = await evaluate(tr.model, tr.evalLoader(tr.data.test).epoch(0), tr.exp.vit.imageSize);
  const testLine = tr.rec.test({
    epoch: best.epoch,
    step: pos.globalStep,
    loss: test.loss,
    acc: test.acc,
    lr: 0,
    ips: test.ips,
  });
  tr.log('info', `test (epoch ${best.epoch}, chosen on val): acc ${(100 * test.acc).toFixed(2)}%`);
  return finish(tr, RUN_STATUS.finished, { test_acc: test.acc }, testLine);
}

/** The run's end (finished, stopped or failed): summary.json, the `summary` event, the last status. */
function finish(
  tr: Training,
  status: RecordedStatus,
  extra: Partial<RunSummaryFile> = {},
  testLine?: MetricLine,
): TrainResult {
  const sum = summary(tr, status, extra);
  tr.rec.finish(sum, testLine);
  return { runDir: tr.runDir, summary: sum };
}

function summary(tr: Training, status: RecordedStatus, extra: Partial<RunSummaryFile> = {}): RunSummaryFile {
  const { config, counts, state } = tr;
  return {
    status,
    name: config.name,
    method: config.prompt.method,
    best_epoch: state.best?.epoch ?? null,
    val_acc: state.best?.acc ?? null,
    test_acc: null,
    trainable_params: counts.trainable,
    total_params: counts.backbone + counts.head + counts.prompts,
    backend: tr.backend,
    images_per_sec: state.imagesPerSec(),
    wall_seconds: state.wallSeconds(),
    seed: config.seed,
    epochs_completed: state.history.length,
    skipped_images: tr.skipped.size,
    ...extra,
  };
}

/** The step engine hands its parameters and moments back to tfjs before anything reads them. */
async function settle(tr: Training): Promise<void> {
  await tr.gpuStep?.syncTo(tr.opt);
}

/** A `last` checkpoint (with the optimizer's moments) or a `best` one, at the current position. */
async function save(tr: Training, kind: 'last' | 'best'): Promise<void> {
  await settle(tr);
  const s = tr.state.forCheckpoint();
  const meta = await saveTrainCheckpoint(tr.runDir, tr.model, kind === 'last' ? tr.opt : null, {
    kind,
    position: s.position,
    optimizerStep: tr.opt.step,
    best: s.best,
    metricsLines: tr.rec.metricsLines,
    epochsCompleted: s.epochsCompleted,
    history: s.history,
    wallSeconds: s.wallSeconds,
    trainImagesSeen: s.trainImagesSeen,
    seed: tr.config.seed,
    backend: tr.backend,
    running: s.running,
  });
  tr.rec.emit({
    type: 'checkpoint',
    t: tr.rec.now(),
    kind,
    path: checkpointFile(tr.runDir, meta.weights),
    epoch: s.position.epoch,
    step: s.position.globalStep,
  });
}

/** Analysis (spec section 8) after `epoch` epochs: every N epochs and after the last. */
function analysisDue(tr: Training, epoch: number): boolean {
  const every = tr.config.analysis.every_epochs;
  return every > 0 && (epoch % every === 0 || epoch === tr.config.train.epochs);
}

/** Analyses the probe batch at the current weights ("after `epoch` epochs"; 0: at initialisation). */
async function analyse(tr: Training, epoch: number): Promise<void> {
  if (!tr.probe) return;
  await settle(tr);
  faultPoint(`analysis:${epoch}`);
  const record = await analyseCheckpoint(tr.model, tr.probe, tr.initialPrompts, {
    epoch,
    seed: tr.config.seed,
  });
  const files = writeAnalysis(tr.runDir, record);
  tr.rec.emit({
    type: 'analysis',
    t: tr.rec.now(),
    epoch,
    path: files.find((f) => f.endsWith('.json') && path.basename(f) !== ANALYSIS_INDEX) ?? files[0],
  });
}
