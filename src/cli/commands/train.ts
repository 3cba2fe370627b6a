import { loadExperiment } from '../../config/load-config';
import { problemWhere } from '../../config/override-source';
import { trainExperiment } from '../../engine/train/train-run';
import { RunResumeError, savedRunConfig } from '../../run-folder/run-resume';
import { RUN_STATUS } from '../../run-folder/status';
import type { RunEvent } from '../../shared/run-events';
import { UsageError } from '../exit-codes';
import { cliLogger } from '../log';
import { Progress } from '../progress';

export async function trainCommand(
  file: string | undefined,
  args: { resume?: string; set: string[]; json: boolean; verbose: boolean },
): Promise<number> {
  let exp: ReturnType<typeof loadExperiment>;
  if (args.resume) {
    try {
      exp = savedRunConfig(args.resume, args.set);
    } catch (err) {
      // A folder whose config.yaml is missing or damaged: the message says to start again, and how.
      if (err instanceof RunResumeError) throw new UsageError(err.message);
      throw err;
    }
  } else {
    if (!file) throw new UsageError('missing the experiment file (or --resume <run folder>)');
    exp = loadExperiment(file, args.set);
  }
  const log = cliLogger(args.verbose);
  for (const w of exp.warnings) log('warn', `${problemWhere(exp.file, w)}: ${w.message}`);
  const control = { stop: false };
  const onSignal = (sig: string) => {
    if (control.stop) process.exit(1); // second signal: give up at once
    log('warn', `${sig}: saving a resumable checkpoint at the next step (send again to quit now)`);
    control.stop = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress = new Progress('train');
  const onEvent = (e: RunEvent) => {
    if (args.json) process.stdout.write(`${JSON.stringify(e)}\n`);
    else if (e.type === 'step') progress.update(e.line.step, e.totalSteps);
    // The run folder, or where a resumed run continues ("resuming from epoch E, step S").
    if (e.type === 'status' && e.status === RUN_STATUS.created)
      log('info', e.message ? `${e.message}: ${e.runDir}` : `run folder: ${e.runDir}`);
  };
  const result = await trainExperiment(exp, { resumeDir: args.resume, log, onEvent, control });
  const s = result.summary;
  const pct = (v: number | null) => (v === null ? '-' : `${(100 * v).toFixed(2)}%`);
  if (result.alreadyFinished) {
    log(
      'info',
      `finished (earlier; unchanged): best epoch ${s.best_epoch ?? '-'}, val ${pct(s.val_acc)}, test ${pct(s.test_acc)} -> ${result.runDir}`,
    );
    return 0;
  }
  log(
    'info',
    `${s.status}: best epoch ${s.best_epoch ?? '-'}, val ${pct(s.val_acc)}, test ${pct(s.test_acc)}, ${s.images_per_sec.toFixed(1)} img/s, ${s.wall_seconds.toFixed(0)} s -> ${result.runDir}`,
  );
  return s.status === RUN_STATUS.finished ? 0 : 1;
}
