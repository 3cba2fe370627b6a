import { evaluateRun } from '../../engine/train/evaluate-run';
import { UsageError } from '../exit-codes';
import { cliLogger } from '../log';

export const evalHelp = `usage: spt eval <run folder> [--split test|val|train] [--json]

Evaluates the run's best checkpoint (the epoch chosen on val) on a split of its experiment's data
and prints accuracy, loss and the number of images.

Options:
  --split test|val|train   the split to evaluate (default: test)
  --json                   one JSON object on stdout instead of the text line
  -v, --verbose            debug log lines too
  -h, --help               this help

Examples:
  spt eval runs/my-exp/20250101-120000
  spt eval runs/my-exp/20250101-120000 --split val --json`;

export async function evalCommand(
  runDir: string | undefined,
  args: { split?: string; json: boolean; verbose: boolean },
): Promise<number> {
  if (!runDir) throw new UsageError('missing the run folder');
  const split = args.split ?? 'test';
  if (split !== 'test' && split !== 'val' && split !== 'train')
    throw new UsageError(`--split must be test, val or train (got ${split})`);
  const r = await evaluateRun(runDir, split, cliLogger(args.verbose));
  if (args.json) process.stdout.write(`${JSON.stringify(r)}\n`);
  else
    process.stdout.write(
      `${split}: acc ${(100 * r.acc).toFixed(2)}% loss ${r.loss.toFixed(4)} on ${r.n} images (best epoch ${r.epoch ?? '-'}, ${r.backend})\n`,
    );
  return 0;
}
