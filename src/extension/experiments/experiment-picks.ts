/** The experiment file a command works on: its argument, the active editor's, or one picked. */
import * as path from 'node:path';
import * as vscode from 'vscode';

export const EXPERIMENT_GLOB = '**/*.spt.yaml';
const EXCLUDE = '**/{node_modules,.git}/**';

/** The argument's file, the active experiment editor's, or one picked from the workspace. */
export async function pickExperimentFile(
  arg: unknown,
  placeHolder = 'Experiment file',
): Promise<string | undefined> {
  if (arg instanceof vscode.Uri && arg.fsPath.endsWith('.spt.yaml')) return arg.fsPath;
  if (typeof arg === 'string' && arg.endsWith('.yaml')) return arg;
  const active = vscode.window.activeTextEditor?.document.uri;
  if (!arg && active?.scheme === 'file' && active.fsPath.endsWith('.spt.yaml')) return active.fsPath;
  const files = await vscode.workspace.findFiles(EXPERIMENT_GLOB, EXCLUDE, 500);
  if (!files.length) {
    const choice = await vscode.window.showInformationMessage(
      'SPT: the workspace has no experiment files (*.spt.yaml).',
      'New Experiment',
    );
    if (choice) await vscode.commands.executeCommand('spt.newExperiment');
    return undefined;
  }
  if (files.length === 1 && !arg) return files[0].fsPath;
  const picked = await vscode.window.showQuickPick(
    files
      .sort((a, b) => a.fsPath.localeCompare(b.fsPath))
      .map((f) => ({
        label: path.basename(f.fsPath),
        description: vscode.workspace.asRelativePath(f),
        uri: f,
      })),
    { placeHolder },
  );
  return picked?.uri.fsPath;
}
