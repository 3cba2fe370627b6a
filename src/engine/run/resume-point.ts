/**
 * What `spt train --resume` says before it continues a run: a finished run is left as it is (its
 * summary.json says `finished`), any other run continues at its last checkpoint's position. Epochs
 * are counted from 1 (as on the terminal and in every file); steps are the optimizer steps done.
 */
import { readSummaryOrNull } from '../../run-folder/run-files';
import { RUN_STATUS } from '../../run-folder/status';
import type { RunSummaryFile } from '../../shared/run-events';
import type { TrainPosition } from './train-checkpoint';

/** The run's summary when it finished (nothing is left to train or test), else null. */
export function finishedRunSummary(runDir: string): RunSummaryFile | null {
  const summary = readSummaryOrNull(runDir); // no summary yet, or a torn one: not finished
  return summary?.status === RUN_STATUS.finished ? summary : null;
}

/**
 * "resuming from epoch E, step S (...)" for a checkpoint at `p` of a run of `epochs` epochs. S is the
 * last step done and E the epoch it belongs to, counted from 1 as everywhere (its train line's epoch).
 */
export function resumeMessage(p: TrainPosition, epochs: number): string {
  const head = (e: number) => `resuming from epoch ${e}/${epochs}, step ${p.globalStep} (the last checkpoint`;
  if (p.stepInEpoch > 0)
    return `${head(p.epoch + 1)}, ${p.stepInEpoch} step${p.stepInEpoch === 1 ? '' : 's'} into epoch ${p.epoch + 1})`;
  if (p.epoch >= epochs) return `${head(epochs)}, every epoch done: the test evaluation is left)`;
  return `${head(p.epoch)}, at the end of epoch ${p.epoch}: training continues with epoch ${p.epoch + 1})`;
}
