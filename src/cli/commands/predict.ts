import { loadExperiment } from '../../engine/config/load-config';
import { predict } from '../../engine/predict/predict';
import { UsageError } from '../exit-codes';
import { cliLogger } from '../log';
import { Progress } from '../progress';

export const predictHelp = `spt predict <experiment.spt.yaml> --images <split file> [--weights <checkpoint>] --out <file.jsonl>
  Writes one JSON object per image: {"image", "logits", "pred"}. --weights supplies trained prompts and
  head (a run checkpoint or the SPT authors' checkpoint); without it they are initialised as training would.
  Options: --set key=value (repeatable), --batch-size N, --verbose`;

export async function predictCommand(
  file: string | undefined,
  args: {
    images?: string;
    weights?: string;
    out?: string;
    set: string[];
    'batch-size'?: string;
    verbose: boolean;
  },
): Promise<number> {
  if (!file) throw new UsageError(`missing the experiment file\n${predictHelp}`);
  if (!args.images) throw new UsageError(`missing --images <split file>\n${predictHelp}`);
  if (!args.out) throw new UsageError(`missing --out <file.jsonl>\n${predictHelp}`);
  const batchSize = args['batch-size'] ? Number(args['batch-size']) : undefined;
  if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1))
    throw new UsageError('--batch-size must be a positive integer');
  const exp = loadExperiment(file, args.set);
  const log = cliLogger(args.verbose);
  for (const w of exp.warnings) log('warn', `${file}:${w.line}:${w.column}: ${w.message}`);
  const progress = new Progress('predict');
  const s = await predict(exp, {
    images: args.images,
    weights: args.weights,
    out: args.out,
    batchSize,
    log,
    onProgress: (d, t) => progress.update(d, t),
  });
  log('info', `wrote ${s.images} predictions to ${s.out} (${s.backend}, ${s.seconds.toFixed(1)} s)`);
  return 0;
}
