/**
 * Which folders hold runs (`<runs>/<experiment>/<timestamp>/`), from what a workspace search found:
 * every workspace folder's `runs/`, the runs folder of every run file found (a sweep's run: the folder
 * above `sweeps/<name>/`), and the output.dir of every experiment file. Pure Node: no `vscode`
 * (SptContext.refreshRunsFolders does the search).
 */
import * as path from 'node:path';
import { isRunTimestamp } from '../../run-folder/layout';
import { experimentOutput } from '../experiments/experiment-templates';
import { sweepDirOf } from '../sweeps/sweep-discovery';

export interface FoundInWorkspace {
  /** The workspace folders on disk. */
  workspaceFolders: readonly string[];
  /** summary.json and events.jsonl files three levels or more below a workspace folder. */
  runFiles: readonly string[];
  /** *.spt.yaml files. */
  experimentFiles: readonly string[];
}

export function runsFoldersOf(found: FoundInWorkspace): string[] {
  const dirs = new Set<string>();
  for (const f of found.workspaceFolders) dirs.add(path.join(f, 'runs'));
  for (const f of found.runFiles) {
    const runDir = path.dirname(f);
    if (!isRunTimestamp(path.basename(runDir))) continue;
    const sweep = sweepDirOf(runDir);
    dirs.add(sweep ? path.dirname(path.dirname(sweep)) : path.dirname(path.dirname(runDir)));
  }
  for (const f of found.experimentFiles) {
    const out = experimentOutput(f);
    if (out) dirs.add(out.dir);
  }
  return [...dirs];
}
