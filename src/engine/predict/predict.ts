/**
 * `spt predict`: logits and predicted class for every image of a split file, one JSON object per
 * line: {"image": <path as in the split file>, "logits": [...], "pred": <int>}.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ResolvedExperiment } from '../../config/load-config';
import { writeFileAtomic } from '../../run-folder/atomic-write';
import { type LogFn, selectBackend } from '../backend/select-backend';
import { imageBatches } from '../data/image-batches';
import { parseSplitFile, readVptJson, type SplitEntry } from '../data/split-file';
import { buildModel } from '../model/build-model';
import { tf } from '../tf';
import { checkPredictOutput, type ProtectedInput } from './output-guard';

export interface PredictOptions {
  images: string;
  weights?: string;
  out: string;
  /** Replace an existing `out` that is not an earlier predictions file (never an input). */
  force?: boolean;
  batchSize?: number;
  log?: LogFn;
  onProgress?: (done: number, total: number) => void;
}

export interface PredictSummary {
  images: number;
  backend: string;
  out: string;
  seconds: number;
}

/** The evaluation transform: FGVC's resize 256/224 + centre crop, or VTAB's resize + centre crop. */
export function evalAugment(exp: ResolvedExperiment): 'none' | 'fgvc' {
  const t = exp.config.predict.transform;
  if (t === 'fgvc' || (t === 'auto' && exp.config.data.augment === 'fgvc')) return 'fgvc';
  return 'none';
}

/**
 * Split entries; image paths resolve against data.root, else against the split file's folder. An entry
 * resolving outside that folder is refused unless data.allow_outside_root is set.
 */
export function readImageList(file: string, exp: ResolvedExperiment): SplitEntry[] {
  const read = (root?: string, confine = false) => {
    const opts = { root, numClasses: exp.config.data.num_classes, confine };
    return file.endsWith('.json') ? readVptJson(file, opts) : parseSplitFile(file, opts);
  };
  const underRoot = read(exp.paths.dataRoot);
  const root =
    underRoot.entries.length && fs.existsSync(underRoot.entries[0].path) ? exp.paths.dataRoot : undefined;
  return read(root, !exp.config.data.allow_outside_root).entries;
}

/** Every file `spt predict` reads, which its output must never replace. */
function protectedInputs(
  exp: ResolvedExperiment,
  opts: PredictOptions,
  entries: SplitEntry[],
): ProtectedInput[] {
  const { train, val, test } = exp.config.data;
  const splits = [train, val, test].filter((s): s is string => typeof s === 'string');
  return [
    { file: exp.file, what: 'the experiment file' },
    { file: opts.images, what: 'the --images list' },
    ...(opts.weights ? [{ file: opts.weights, what: 'the --weights checkpoint' }] : []),
    ...(exp.paths.checkpoint ? [{ file: exp.paths.checkpoint, what: 'the backbone checkpoint' }] : []),
    ...splits.map((s) => ({
      file: path.resolve(exp.paths.dataRoot, s),
      what: 'a split file of the experiment',
    })),
    ...entries.map((e) => ({ file: e.path, what: `an image of the --images list (${e.image})` })),
  ];
}

export async function predict(exp: ResolvedExperiment, opts: PredictOptions): Promise<PredictSummary> {
  const t0 = Date.now();
  const log = opts.log ?? (() => {});
  const entries = readImageList(opts.images, exp);
  checkPredictOutput(opts.out, protectedInputs(exp, opts, entries), opts.force ?? false);
  const backend = await selectBackend(exp.config.device.backend, log, {
    threads: exp.config.device.threads,
    modelWidth: exp.vit.embedDim,
  });
  const size = exp.vit.imageSize;
  const kind = evalAugment(exp);
  const warn = (level: 'info' | 'warn', msg: string) => log(level, msg);
  const trainSplit = path.resolve(exp.paths.dataRoot, exp.config.data.train);
  const { model, origin } = await buildModel(exp, {
    weights: opts.weights,
    initImages: () => imageBatches(readImageList(trainSplit, exp), size, kind, opts.batchSize ?? 16, warn),
    log: (m) => log('info', m),
  });
  log('info', `prompts and head: ${origin}`);
  const lines: string[] = [];
  try {
    for await (const { images, ids } of imageBatches(entries, size, kind, opts.batchSize ?? 16, warn)) {
      const logits = tf.tidy(() => model.forward(images).logits); // [B, C]
      const rows = (await logits.array()) as number[][];
      logits.dispose();
      rows.forEach((row, i) => {
        let pred = 0;
        for (let c = 1; c < row.length; c++) if (row[c] > row[pred]) pred = c;
        lines.push(JSON.stringify({ image: entries[ids[i]].image, logits: row, pred }));
      });
      opts.onProgress?.(lines.length, entries.length);
    }
  } finally {
    model.dispose();
  }
  // Checked again: the file may have appeared or changed while the model ran.
  checkPredictOutput(opts.out, protectedInputs(exp, opts, entries), opts.force ?? false);
  writeFileAtomic(opts.out, `${lines.join('\n')}\n`);
  return {
    images: lines.length,
    backend: backend.name,
    out: path.resolve(opts.out),
    seconds: (Date.now() - t0) / 1000,
  };
}
