/** `spt eval <run>`: a finished (or stopped) run's best checkpoint evaluated on a split. */
import * as path from 'node:path';
import { loadExperiment } from '../../config/load-config';
import { RUN_FILES } from '../../run-folder/layout';
import { type LogFn, selectBackend } from '../backend/select-backend';
import { BatchLoader } from '../data/batch-loader';
import { openDataset } from '../data/dataset';
import { buildModel } from '../model/build-model';
import { loadTrainCheckpoint } from '../run/train-checkpoint';
import { type EvalResult, evaluate } from './evaluate';
import { restoreModelTensors } from './restore-model';

export interface RunEvaluation extends EvalResult {
  split: 'train' | 'val' | 'test';
  checkpoint: string;
  epoch: number | null;
  backend: string;
}

export async function evaluateRun(
  runDir: string,
  split: 'train' | 'val' | 'test',
  log: LogFn = () => {},
): Promise<RunEvaluation> {
  const exp = loadExperiment(path.join(runDir, RUN_FILES.config));
  const backend = await selectBackend(exp.config.device.backend, log, {
    threads: exp.config.device.threads,
    modelWidth: exp.vit.embedDim,
  });
  const ckpt = loadTrainCheckpoint(runDir, 'best');
  const data = openDataset(exp);
  for (const w of data.warnings) log('warn', w);
  const entries = split === 'train' ? data.train : split === 'val' ? data.val : data.test;
  if (!entries) throw new Error(`${exp.file}: this experiment has no ${split} split (data.${split} is null)`);
  const { model } = await buildModel(exp, { weights: ckpt.file });
  try {
    restoreModelTensors(model, ckpt.tensors);
    const c = exp.config;
    const loader = new BatchLoader(entries, {
      size: exp.vit.imageSize,
      batchSize: c.train.batch_size,
      mode: 'eval',
      augment: c.data.augment,
      seed: c.seed,
      dropLast: false,
      log,
    });
    const r = await evaluate(model, loader.epoch(0), exp.vit.imageSize);
    return {
      ...r,
      split,
      checkpoint: ckpt.file,
      epoch: ckpt.meta.best?.epoch ?? null,
      backend: backend.name,
    };
  } finally {
    model.dispose();
  }
}
