import { loadExperiment } from '../../engine/config/load-config';
import { RunResumeError, savedRunConfig } from '../../engine/run/run-resume';
import { trainExperiment } from '../../engine/train/train-run';
import type { RunEvent } from '../../shared/run-events';
import { UsageError } from '../exit-codes';
import { cliLogger } from '../log';
import { Progress } from '../progress';

export const trainHelp = `spt train <experiment.spt.yaml> [--resume <run folder>] [--set key=value ...] [--json]
  Trains into runs/<name>/<YYYYMMDD-HHMMSS>/. SIGINT/SIGTERM save a resumable checkpoint; --resume continues
  a run exactly (its saved config is used). --json streams the run's events as JSON lines on stdout.`;

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
    if (!file) throw new UsageError(`missing the experiment file\n${trainHelp}`);
    exp = loadExperiment(file, args.set);
  }
  const log = cliLogger(args.verbose);
  for (const w of exp.warnings) log('warn', `${exp.file}:${w.line}:${w.column}: ${w.message}`);
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
    else if (e.type === 'step') progress.update(e.step, e.totalSteps);
    else if (e.type === 'status' && e.status === 'initialising' && !e.message)
      log('info', `run folder: ${e.runDir}`);
  };
  const result = await trainExperiment(exp, { resumeDir: args.resume, log, onEvent, control });
  const s = result.summary;
  const pct = (v: number | null) => (v === null ? '-' : `${(100 * v).toFixed(2)}%`);
  log(
    'info',
    `${s.status}: best epoch ${s.best_epoch === null ? '-' : s.best_epoch + 1}, val ${pct(s.val_acc)}, test ${pct(s.test_acc)}, ${s.images_per_sec.toFixed(1)} img/s, ${s.wall_seconds.toFixed(0)} s -> ${result.runDir}`,
  );
  return s.status === 'finished' ? 0 : 1;
}
