/**
 * What the dashboard knows about a run without reading its artifacts: the run record (summary.json
 * or events.jsonl), summary.json's numbers, the flattened config, and the live state of the queue
 * merged over them. Pure Node: no `vscode`, no TensorFlow.
 */

import * as fs from 'node:fs';
import { readSummaryOrNull } from '../../run-folder/run-files';
import { RUN_STATUS } from '../../run-folder/status';
import { flattenConfig } from '../../shared/flatten-config';
import type { RunSummaryFile } from '../../shared/run-events';
import type { DashboardRun, DashboardRunStatus } from '../../shared/webview-contract';
import { readRunRecord } from '../runs/run-discovery';
import type { QueueEntry } from '../runs/run-queue';
import { mergeRun, progressText, type RunView } from '../runs/run-tree-model';
import { configAt, readRunConfig } from './run-config';

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

function readSummary(runDir: string): Partial<RunSummaryFile> {
  return readSummaryOrNull(runDir) ?? {};
}

/** The extension's statuses in the dashboard's words: an interrupted run (no live trainer) is stopped. */
export function dashboardStatus(status: RunView['status']): DashboardRunStatus {
  return status === RUN_STATUS.interrupted ? RUN_STATUS.stopped : status;
}

const NO_FOLDER = 'the run folder no longer exists (deleted or moved): close this dashboard';

/**
 * The run as the dashboard shows it. `entry` is the run queue's entry of the same folder, when a
 * trainer of this window ran or runs it: its state goes over the folder's, as in the Runs tree.
 * Never throws: an unreadable run says why in `error`.
 */
export function readDashboardRun(runDir: string, entry?: QueueEntry, now = Date.now()): DashboardRun {
  const exists = fs.existsSync(runDir);
  const isLive = entry?.state === 'running';
  const record = readRunRecord(runDir, { isLive: () => isLive });
  const summary = exists ? readSummary(runDir) : {};
  const config = exists ? readRunConfig(runDir) : { text: null, value: null };
  const method = str(configAt(config.value, 'prompt.method')) ?? str(summary.method) ?? record.method;
  // prompt.init: null picks random for spt; vpt is always xavier.
  const init =
    method === 'spt'
      ? (str(configAt(config.value, 'prompt.init')) ?? 'random')
      : method === 'vpt'
        ? 'xavier'
        : null;
  const run: DashboardRun = {
    runDir,
    label: `${record.experiment} ${record.timestamp}`,
    experiment: record.experiment,
    status: dashboardStatus(record.status),
    method,
    init,
    backend: record.backend,
    epoch: record.epoch,
    epochs: record.epochs,
    bestEpoch: record.bestEpoch,
    bestValAcc: record.bestValAcc,
    testAcc: record.testAcc,
    trainableParams: num(summary.trainable_params),
    totalParams: num(summary.total_params),
    imagesPerSec: num(summary.images_per_sec),
    wallSeconds: num(summary.wall_seconds) ?? record.elapsedSeconds,
    seed: num(summary.seed) ?? num(configAt(config.value, 'seed')),
    error: !exists ? NO_FOLDER : (record.lastError ?? record.unreadable ?? null),
    config: config.value ? flattenConfig(config.value) : {},
    configText: config.text,
  };
  if (!exists) {
    run.status = 'unreadable';
    return run;
  }
  if (entry && entry.state !== 'cancelled') applyLive(run, mergeRun(record, entry, now));
  return run;
}

/** The queue's live numbers over what the folder says. */
export function applyLive(run: DashboardRun, v: RunView): void {
  // The folder of a live run not yet written reads as unreadable: the queue knows better.
  run.status = dashboardStatus(v.status);
  run.epoch = v.epoch ?? run.epoch;
  run.epochs = v.epochs ?? run.epochs;
  run.progress = v.live ? progressText(v) || null : null;
  run.totalSteps = v.live ? v.totalSteps : null;
  run.bestValAcc = v.bestValAcc ?? run.bestValAcc;
  run.bestEpoch = v.bestEpoch ?? run.bestEpoch;
  run.testAcc = v.testAcc ?? run.testAcc;
  run.wallSeconds = v.elapsedSeconds ?? run.wallSeconds;
  run.method = run.method ?? v.method;
  run.backend = run.backend ?? v.backend;
  if (v.status === RUN_STATUS.failed) run.error = v.lastError ?? run.error;
  else if (v.live) run.error = null;
}
