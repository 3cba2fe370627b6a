/**
 * What a failed training run leaves: the error and a `failed` status in events.jsonl and summary.json (as
 * far as the disk allows), and, for a full disk, what is kept and the command that continues the run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ResolvedExperiment } from '../../config/load-config';
import { isDiskError } from '../../run-folder/atomic-write';
import { checkpointSidecar, runFile } from '../../run-folder/layout';
import { readSummary } from '../../run-folder/run-files';
import { RunFolder } from '../../run-folder/run-folder';
import { hasLastCheckpoint, savedConfigProblem } from '../../run-folder/run-resume';
import { isActiveStatus, RUN_STATUS } from '../../run-folder/status';
import type { RunEvent } from '../../shared/run-events';

export class NonFiniteLossError extends Error {
  override name = 'NonFiniteLossError';
}

/** A run that failed because its files could not be written (a full disk): says what is kept. */
export class RunWriteError extends Error {
  override name = 'RunWriteError';
}

/** Best effort: the failure goes to events.jsonl, summary.json and the listener; returns the error to throw. */
export function recordFailure(
  exp: ResolvedExperiment,
  runDir: string,
  err: unknown,
  onEvent?: (e: RunEvent) => void,
): unknown {
  if (err instanceof NonFiniteLossError) return err; // recorded where it happened
  let message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  let thrown = err;
  if (isDiskError(err)) {
    message = `${message}; ${afterDiskFull(exp, runDir)}`;
    thrown = new RunWriteError(message, { cause: err });
  }
  const t = Date.now() / 1000;
  const events: RunEvent[] = [
    { type: 'error', t, message },
    { type: 'status', t, status: RUN_STATUS.failed, runDir, message },
  ];
  const run = new RunFolder(runDir);
  for (const e of events) {
    try {
      run.events.append(e);
    } catch {
      // the disk may be full
    }
    try {
      onEvent?.(e);
    } catch {
      // a listener's error must not hide the run's
    }
  }
  try {
    const summary = readSummary(runDir);
    if (summary && isActiveStatus(summary.status))
      run.writeJson('summary', { ...summary, status: RUN_STATUS.failed, error: message });
  } catch {
    // no summary yet (the run failed while starting), or the disk is full
  }
  return thrown;
}

/**
 * What a run that failed on a full disk keeps, and the command that continues it once space is
 * freed: resume from the last checkpoint; restart in the same folder when it had none but its
 * config.yaml was saved (see src/run-folder/run-resume.ts); else start again from the experiment file.
 */
function afterDiskFull(exp: ResolvedExperiment, runDir: string): string {
  const resume = `\`spt train --resume ${runDir}\``;
  if (hasLastCheckpoint(runDir)) {
    const checkpoints = runFile(runDir, 'checkpoints');
    let kept = `the last good checkpoint is kept in ${checkpoints}`;
    try {
      const last = JSON.parse(fs.readFileSync(checkpointSidecar(runDir, 'last'), 'utf8'));
      kept = `the last good checkpoint (epoch ${last.position.epoch}, step ${last.position.globalStep}) is kept in ${checkpoints}`;
    } catch {
      // last.json unreadable: resuming falls back to last.prev.json
    }
    return `${kept}. Free some disk space, then resume with ${resume}`;
  }
  if (savedConfigProblem(runDir) === null)
    return `no checkpoint had been saved yet. Free some disk space, then restart the run from the beginning in the same folder with ${resume}`;
  const source = path.dirname(exp.file) === path.resolve(runDir) ? '<experiment.spt.yaml>' : exp.file;
  return `no checkpoint had been saved yet and the run's config.yaml was not saved, so it cannot be resumed. Free some disk space, then start it again with \`spt train ${source}\` (with the same --set options, if any) and delete ${runDir}`;
}
