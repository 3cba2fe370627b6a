/**
 * `spt demo` (the README's `npm start`): the default experiment. Writes the shipped Fashion-MNIST split out
 * as PNGs on first use, then trains linear, VPT-deep and SPT-deep (random, mean, k-means) on the project's
 * MAE-pretrained small ViT with three seeds each (each method at its val-chosen learning rate), in trainer
 * processes, and prints mean +- std accuracy, trainable parameters, time per method and the paired
 * difference of each SPT variant against VPT-deep. Results also go to <runs>/results.md and results.json.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadExperiment } from '../../config/load-config';
import { openDataset } from '../../engine/data/dataset';
import { prepareDefaultDataset } from '../../engine/data/fashion-mnist/default-dataset';
import { writeFileAtomic } from '../../run-folder/atomic-write';
import { type DemoRun, pairedDifferences, resultsNotes, resultsTable } from '../demo/results-table';
import { runPool } from '../demo/run-pool';
import { DEMO_SEEDS, DEMO_VARIANTS } from '../demo/variants';
import { UsageError } from '../exit-codes';
import { cliLogger } from '../log';
import { Progress } from '../progress';

export function defaultExperimentFile(): string {
  // dist/cli.js -> <package>/examples/default/default.spt.yaml
  return path.join(__dirname, '..', 'examples', 'default', 'default.spt.yaml');
}

/** The compact form of the default dataset shipped beside the default experiment (idx files + split.json). */
export function defaultDatasetSource(): string {
  return path.join(path.dirname(defaultExperimentFile()), 'dataset');
}

export async function demoCommand(args: {
  parallel?: string;
  set: string[];
  verbose: boolean;
}): Promise<number> {
  const log = cliLogger(args.verbose);
  const file = defaultExperimentFile();
  if (!fs.existsSync(file)) throw new UsageError(`the default experiment is missing: ${file}`);
  const parallel = args.parallel ? Number(args.parallel) : Math.max(1, Math.min(2, os.cpus().length));
  if (!Number.isInteger(parallel) || parallel < 1)
    throw new UsageError('--parallel must be a positive integer');
  const t0 = Date.now();

  const base = loadExperiment(file, args.set);
  log('info', `dataset: ${base.paths.dataRoot}`);
  const ds = await prepareDefaultDataset(base.paths.dataRoot, defaultDatasetSource());
  log(
    'info',
    ds.reused
      ? 'dataset: reusing the written images'
      : `dataset: wrote ${ds.classes.length} classes of Fashion-MNIST in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );

  // The splits every run trains and is evaluated on (checked now, once, instead of failing in every run).
  const splits = openDataset(base);
  const stepsPerRun =
    base.config.train.epochs * Math.floor(splits.train.length / base.config.train.batch_size);
  const jobs = DEMO_VARIANTS.flatMap((v) =>
    DEMO_SEEDS.map((seed) => ({
      id: `${v.key}:${seed}`,
      job: {
        kind: 'train' as const,
        file,
        overrides: [...v.overrides, ...args.set, `seed=${seed}`, `name=default-${v.key}-s${seed}`],
      },
    })),
  );
  log(
    'info',
    `training ${jobs.length} runs (${DEMO_VARIANTS.map((v) => v.label).join(', ')}; seeds ${DEMO_SEEDS.join(', ')}), ${parallel} at a time`,
  );
  const progress = new Progress('default experiment');
  const done = new Map<string, number>();
  const total = jobs.length * stepsPerRun;
  const results = await runPool(
    jobs,
    parallel,
    (id, e) => {
      if (e.type === 'step') {
        done.set(id, e.line.step);
        progress.update(
          [...done.values()].reduce((a, b) => a + b, 0),
          total,
        );
      }
    },
    (id, level, message) => {
      if (level === 'warn') log('warn', `${id}: ${message}`);
    },
  );

  const failed = results.filter((r) => !r.ok);
  for (const f of failed) log('warn', `${f.id} failed: ${f.error}`);
  const runs: DemoRun[] = results
    .filter((r) => r.ok && r.summary && r.runDir)
    .map((r) => {
      const [key, seed] = r.id.split(':');
      const v = DEMO_VARIANTS.find((x) => x.key === key);
      return {
        variant: key,
        label: v?.label ?? key,
        seed: Number(seed),
        runDir: r.runDir as string,
        summary: r.summary as DemoRun['summary'],
      };
    });
  const paired = pairedDifferences(runs, 'vpt');
  const table = `${resultsTable(runs)}\n\n${paired ? `${paired}\n\n` : ''}${resultsNotes(runs, {
    numClasses: splits.numClasses,
    split: { train: splits.train.length, val: splits.val.length, test: splits.test?.length ?? null },
    valSource: splits.valSource,
  })}`;
  const minutes = ((Date.now() - t0) / 60000).toFixed(1);
  const backend = runs[0]?.summary.backend ?? '?';
  const header = `Default experiment: ${base.vit.depth}-block ViT (width ${base.vit.embedDim}, MAE-pretrained on Fashion-MNIST), ${ds.numClasses}-class Fashion-MNIST, ${base.config.train.epochs} epochs, backend ${backend}, ${minutes} min on ${os.cpus().length} CPUs`;
  process.stdout.write(`\n${header}\n\n${table}\n\n`);
  writeFileAtomic(path.join(base.paths.outputDir, 'results.md'), `# ${header}\n\n${table}\n`);
  writeFileAtomic(
    path.join(base.paths.outputDir, 'results.json'),
    `${JSON.stringify({ header, runs }, null, 2)}\n`,
  );
  log('info', `runs and results: ${base.paths.outputDir}`);
  return failed.length ? 1 : 0;
}
