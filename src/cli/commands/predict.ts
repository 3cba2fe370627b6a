import { loadExperiment } from '../../config/load-config';
import { problemWhere } from '../../config/override-source';
import { predict } from '../../engine/predict/predict';
import { UsageError } from '../exit-codes';
import { cliLogger } from '../log';
import { Progress } from '../progress';

export const predictHelp = `usage: spt predict <experiment.spt.yaml> --images <split file> --out <file.jsonl> [--weights <checkpoint>]
                   [--force] [--set key=value ...] [--batch-size N]

Writes one JSON object per image: {"image", "logits", "pred"} (the image path as in the split file).
--out is written atomically and never replaces an input: the experiment file, the images list or a
listed image, a checkpoint, a split file or a folder are refused, and so is an existing file that is
not an earlier \`spt predict\` output (unless --force).

Options:
  --images <file>        the images: a split file (path and label per line) or a VPT-style .json
  --out <file.jsonl>     where the predictions go
  --weights <file>       trained prompts and head: a run checkpoint or the SPT authors' checkpoint;
                         without it they are initialised as training would (seeded)
  --force                replace an existing --out that is not a predictions file (never an input)
  --set key=value        override a field of the experiment file (repeatable)
  --batch-size N         images per forward pass (default 16)
  -v, --verbose          debug log lines too
  -h, --help             this help

Examples:
  spt predict my.spt.yaml --images test.txt --out preds.jsonl
  spt predict my.spt.yaml --images test.txt --out preds.jsonl \\
      --weights runs/my-exp/20250101-120000/checkpoints/best-0000120.safetensors`;

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
