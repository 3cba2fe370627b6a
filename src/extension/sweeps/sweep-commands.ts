/**
 * "SPT: Run Sweep" (palette, explorer and editor menus on *.sweep.yaml) and "Compare Sweep Runs" (the
 * sweep's node in the Runs view). A sweep runs as the `spt sweep` CLI in a child process, locally or
 * on Slurm (offered only where sbatch is on PATH), with a cancellable progress notification; its
 * sweep.json makes it appear in the Runs view as it goes.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { runCliStreaming } from '../common/cli-runner';
import { requireTrust, saveIfDirty } from '../common/workspace-guards';
import type { Logger } from '../logger';
import type { RunsOnDisk } from '../runs/run-deps';
import type { RunTreeNode } from '../runs/run-tree-model';
import { readSettings } from '../settings';
import {
  findOnPath,
  isSweepFile,
  parseSlurmOptions,
  SWEEP_GLOB,
  sweepCliArgs,
  sweepEndMessage,
  sweepFolder,
} from './sweep-options';
import { sweepRunDirs } from './sweep-tree-model';

/** What Run Sweep needs of the extension (SptContext has it; commands.ts wires it). */
export interface SweepCommandDeps {
  readonly extensionPath: string;
  readonly logger: Pick<Logger, 'debug' | 'info' | 'show'>;
  readonly index: RunsOnDisk;
  /** A stdout line of `spt sweep --events` of the sweep in `sweepDir`; true when it was an event. */
  takeSweepLine(sweepDir: string, line: string): boolean;
  /** The sweep in `sweepDir` ended. */
  endSweep(sweepDir: string): void;
}

async function pickSweepFile(arg: unknown): Promise<string | undefined> {
  if (arg instanceof vscode.Uri && isSweepFile(arg.fsPath)) return arg.fsPath;
  if (typeof arg === 'string' && isSweepFile(arg)) return arg;
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active?.scheme === 'file' && isSweepFile(active.fsPath)) return active.fsPath;
  const files = await vscode.workspace.findFiles(SWEEP_GLOB, '**/{node_modules,.git}/**', 500);
  if (!files.length) {
    void vscode.window.showInformationMessage(
      'SPT: the workspace has no sweep files (*.sweep.yaml); see docs/SWEEPS.md for the format.',
    );
    return undefined;
  }
  if (files.length === 1) return files[0].fsPath;
  const picked = await vscode.window.showQuickPick(
    files.map((f) => ({
      label: path.basename(f.fsPath),
      description: vscode.workspace.asRelativePath(f),
      f,
    })),
    { placeHolder: 'Sweep file' },
  );
  return picked?.f.fsPath;
}

export async function runSweep(deps: SweepCommandDeps, arg?: unknown): Promise<void> {
  if (!requireTrust('Run Sweep')) return;
  const file = await pickSweepFile(arg);
  if (!file) return;
  await saveIfDirty(file);
  const sweep = sweepFolder(file);
  const parallel = readSettings().maxConcurrentRuns;
  const slurm = findOnPath('sbatch');
  const choice = await vscode.window.showQuickPick(
    [
      {
        label: 'Local',
        description: `${parallel} trainer process(es) at a time (spt.maxConcurrentRuns)`,
        detail: 'the grid of every task, then the final seeds of each chosen setting',
        mode: 'local' as const,
      },
      ...(slurm
        ? [
            {
              label: 'Slurm',
              description: `job arrays through ${slurm}`,
              detail: 'one array task per run',
              mode: 'slurm' as const,
            },
          ]
        : []),
    ],
    { placeHolder: `Run sweep ${sweep.name}${slurm ? '' : ' (Slurm: sbatch is not on PATH)'}` },
  );
  if (!choice) return;
  let args: string[];
  if (choice.mode === 'slurm') {
    const text = await vscode.window.showInputBox({
      title: 'Slurm options',
      prompt:
        'e.g. --partition gpu --gres gpu:1 --time 01:00:00 --max-concurrent 8 --account A (empty: the cluster defaults)',
      validateInput: (t) => {
        const r = parseSlurmOptions(t);
        return 'error' in r ? r.error : undefined;
      },
    });
    if (text === undefined) return;
    const r = parseSlurmOptions(text);
    if ('error' in r) return;
    args = sweepCliArgs(file, { kind: 'slurm', args: r.args });
  } else args = sweepCliArgs(file, { kind: 'local', parallel });

  // <output.dir>/sweeps/<name>: watch <output.dir> so that the sweep shows up in the Runs view.
  if (sweep.dir) deps.index.addFolder(path.dirname(path.dirname(sweep.dir)));
  const abort = new AbortController();
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `SPT: sweep ${sweep.name}`, cancellable: true },
    (progress, token) => {
      token.onCancellationRequested(() => {
        progress.report({ message: 'stopping (runs save a resumable checkpoint)...' });
        abort.abort();
      });
      return runCliStreaming(deps.extensionPath, args, deps.logger, {
        cwd: path.dirname(file),
        signal: abort.signal,
        // The runs' events (--events): the Runs view shows each run live while it trains.
        onStdoutLine: (line) => (sweep.dir ? deps.takeSweepLine(sweep.dir, line) : false),
        onLine: (line) => {
          deps.logger.info(`[sweep ${sweep.name}] ${line}`);
          if (!/^warning: /.test(line)) progress.report({ message: line.slice(0, 120) });
        },
      });
    },
  );
  if (sweep.dir) deps.endSweep(sweep.dir);
  deps.index.rescan();
  const results = sweep.dir ? path.join(sweep.dir, 'results.md') : undefined;
  const open = async (c: string | undefined) => {
    if (c === 'Open Results' && results && fs.existsSync(results))
      await vscode.window.showTextDocument(vscode.Uri.file(results));
    else if (c === 'Show Logs') deps.logger.show();
  };
  const end = sweepEndMessage(sweep.name, { aborted: abort.signal.aborted, code: result.code });
  if (!end) throw new Error(`spt sweep exited with ${result.code}: ${result.stderrTail}`);
  const shown =
    end.level === 'warning'
      ? vscode.window.showWarningMessage(end.text, ...end.actions)
      : vscode.window.showInformationMessage(end.text, ...end.actions);
  void shown.then(open);
}

/** Opens the compare view (spt.compareRuns) on the sweep's runs that have a folder. */
export async function compareSweepRuns(_deps: SweepCommandDeps, arg?: unknown): Promise<void> {
  const node = arg as RunTreeNode | undefined;
  if (node?.kind !== 'sweep') {
    void vscode.window.showInformationMessage('SPT: use Compare Sweep Runs on a sweep in the Runs view.');
    return;
  }
  const dirs = sweepRunDirs(node);
  if (dirs.length < 2) {
    void vscode.window.showInformationMessage('SPT: the sweep has fewer than two runs with a folder yet.');
    return;
  }
  const nodes = dirs.map((runDir) => ({
    kind: 'run',
    contextValue: 'run',
    runDir,
    id: runDir,
    label: runDir,
  }));
  await vscode.commands.executeCommand('spt.compareRuns', nodes[0], nodes);
}
