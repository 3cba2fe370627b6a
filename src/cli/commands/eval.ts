import { evaluateRun } from '../../engine/train/evaluate-run';
import { UsageError } from '../exit-codes';
import { cliLogger } from '../log';

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
