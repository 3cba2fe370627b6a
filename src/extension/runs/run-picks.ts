/** The run a command works on: its argument's, else one picked from the runs shown. */
import * as vscode from 'vscode';
import { describeView, runDirOfArg } from './run-command-model';
import type { RunsSource } from './run-deps';
import type { RunView } from './run-tree-model';

/** The run of the argument, else one picked from the runs that `filter` accepts. */
export async function pickRunDir(
  runs: RunsSource,
  arg: unknown,
  filter: (v: RunView) => boolean,
  placeHolder: string,
): Promise<string | undefined> {
  const fromArg = runDirOfArg(arg);
  if (fromArg) return fromArg;
  const views = runs.views().filter((v) => v.runDir && filter(v));
  if (!views.length) {
    void vscode.window.showInformationMessage(`SPT: no run to choose (${placeHolder.toLowerCase()}).`);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    views.map((v) => ({ label: describeView(v), description: v.status, detail: v.runDir, runDir: v.runDir })),
    { placeHolder, matchOnDetail: true },
  );
  return picked?.runDir;
}
