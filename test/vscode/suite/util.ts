/** Helpers shared by the extension tests (bundled into each *.test.js). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'spt-studio.spt-studio';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Calls `probe` every `intervalMs` until it returns something truthy; throws `what` after `timeoutMs`. */
export async function poll<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 15_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

export function extension(): vscode.Extension<unknown> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) {
    const ids = vscode.extensions.all.filter((e) => !e.id.startsWith('vscode.')).map((e) => e.id);
    throw new Error(
      `extension ${EXTENSION_ID} is not installed (non-builtin extensions: ${ids.join(', ') || 'none'})`,
    );
  }
  return ext;
}

export interface PackageJson {
  contributes?: { commands?: { command: string; title: string; category?: string }[] };
}

/** Modules in the extension host's require cache whose path names TensorFlow.js. */
export function loadedTensorFlowModules(): string[] {
  const keys = Object.keys(require.cache);
  const internal = (process as unknown as { moduleLoadList?: string[] }).moduleLoadList ?? [];
  return [...keys, ...internal].filter((k) => /@tensorflow[\\/]|tfjs/i.test(k));
}

/** The file of a workspace folder, by its path relative to the first folder. */
export function workspaceFile(relative: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the tests need a workspace folder (run through test/vscode/run.ts)');
  return vscode.Uri.joinPath(folder.uri, relative);
}

/** The run folders `<workspace>/exp/runs/<experiment>/<timestamp>/`, oldest first (none: []). */
export function runFolders(experiment: string, runsDir = 'exp/runs'): string[] {
  const dir = workspaceFile(`${runsDir}/${experiment}`).fsPath;
  try {
    return fs
      .readdirSync(dir)
      .sort()
      .map((name) => path.join(dir, name))
      .filter((p) => fs.statSync(p).isDirectory());
  } catch {
    return [];
  }
}

/** A JSON file's content, or undefined while it is missing or half written. */
export function readJsonFile<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Whether a file exists and is not empty. */
export function nonEmptyFile(file: string): boolean {
  try {
    return fs.statSync(file).size > 0;
  } catch {
    return false;
  }
}
