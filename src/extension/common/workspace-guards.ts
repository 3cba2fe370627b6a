/** What every command that starts processes or reads a file from disk checks first: trust, unsaved edits. */
import * as vscode from 'vscode';

/** False (after saying why) in an untrusted workspace. */
export function requireTrust(what: string): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window
    .showWarningMessage(
      `SPT: ${what} starts processes and is disabled in an untrusted workspace. Validation still works.`,
      'Manage Workspace Trust',
    )
    .then((choice) => {
      if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
    });
  return false;
}

/** Saves the file when it is open with unsaved changes (the trainer reads it from disk). */
export async function saveIfDirty(file: string): Promise<void> {
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === file);
  if (doc?.isDirty) await doc.save();
}
