import { loadExperiment } from '../../config/load-config';
import { problemWhere } from '../../config/override-source';
import { predict } from '../../engine/predict/predict';
import { UsageError } from '../exit-codes';
import { cliLogger } from '../log';
import { Progress } from '../progress';

export async function predictCommand(
  file: string | undefined,
  args: {
    images?: string;
    weights?: string;
    out?: string;
    set: string[];
    'batch-size'?: string;
    force?: boolean;
    verbose: boolean;
  },
): Promise<number> {
  if (!file) throw new UsageError('missing the experiment file');
  if (!args.images) throw new UsageError('missing --images <split file>');
  if (!args.out) throw new UsageError('missing --out <file.jsonl>');
  const batchSize = args['batch-size'] ? Number(args['batch-size']) : undefined;
  if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1))
    throw new UsageError('--batch-size must be a positive integer');
  const exp = loadExperiment(file, args.set);
  const log = cliLogger(args.verbose);
  for (const w of exp.warnings) log('warn', `${problemWhere(file, w)}: ${w.message}`);
  const progress = new Progress('predict');
  const s = await predict(exp, {
    images: args.images,
    weights: args.weights,
    out: args.out,
    force: args.force,
    batchSize,
    log,
    onProgress: (d, t) => progress.update(d, t),
  });
  log('info', `wrote ${s.images} predictions to ${s.out} (${s.backend}, ${s.seconds.toFixed(1)} s)`);
  return 0;
}
