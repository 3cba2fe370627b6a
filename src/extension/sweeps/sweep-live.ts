/**
 * The runs of the sweeps this window started, followed live: `spt sweep --events` prints each run
 * event tagged with the run's name (src/shared/sweep-events.ts); each becomes a live entry, updated as
 * the run queue updates its own (applyRunEvent), that the Runs view merges over the run's folder, as it
 * does for the queue's runs. An entry is dropped when its run ends (its folder says the rest) and when
 * the sweep ends. Pure: no `vscode`.
 */
import * as path from 'node:path';
import { RUN_STATUS } from '../../run-folder/status';
import { parseSweepRunEvent } from '../../shared/sweep-events';
import { applyRunEvent, type QueueEntry } from '../runs/run-queue';

const key = (sweepDir: string, run: string) => `${path.resolve(sweepDir)}\0${run}`;

export class SweepLiveRuns {
  private readonly entries = new Map<string, QueueEntry>();
  private seq = 0;

  /** Takes one stdout line of `spt sweep --events` of the sweep in `sweepDir`; true when it was an event. */
  takeLine(sweepDir: string, line: string, now = Date.now()): boolean {
    const tagged = parseSweepRunEvent(line);
    if (!tagged) return false;
    const k = key(sweepDir, tagged.sweepRun);
    const e = tagged.event;
    let entry = this.entries.get(k);
    if (!entry) {
      entry = {
        id: `sweep-${++this.seq}`,
        job: { kind: 'train' },
        experiment: tagged.sweepRun,
        state: 'running',
        enqueuedAt: now,
        startedAt: now,
      } as QueueEntry;
      this.entries.set(k, entry);
    }
    if (e.type === 'status') {
      entry.runDir = e.runDir;
      if (e.status !== RUN_STATUS.created && e.status !== RUN_STATUS.running) this.entries.delete(k);
    } else if (e.type === 'summary') this.entries.delete(k);
    else applyRunEvent(entry, e);
    return true;
  }

  /** The live entry of a sweep's run, while it trains. */
  get(sweepDir: string, run: string): QueueEntry | undefined {
    const e = this.entries.get(key(sweepDir, run));
    return e && { ...e };
  }

  /** The sweep ended (or was stopped): its runs are followed through their folders again. */
  endSweep(sweepDir: string): void {
    const prefix = `${path.resolve(sweepDir)}\0`;
    for (const k of [...this.entries.keys()]) if (k.startsWith(prefix)) this.entries.delete(k);
  }
}
