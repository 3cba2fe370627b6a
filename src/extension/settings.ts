/**
 * The `spt.*` settings as one typed object, read fresh each time (so changes apply to the next run).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainerSettings } from './runs/trainer-overrides';

export interface SptSettings extends TrainerSettings {
  /** Runs folders from `spt.runsFolder` (absolute); empty: discover them. */
  runsFolders: string[];
  maxConcurrentRuns: number;
  /** V8 heap budget of a trainer process in MB; 0: Node's default. */
  trainerMemoryMb: number;
  nodePath: string;
  /** No IPC message from a running trainer for this long: it is killed and the run failed; 0: never. */
  heartbeatTimeoutMs: number;
}

function resolveFolder(p: string): string[] {
  if (path.isAbsolute(p)) return [p];
  const folders = vscode.workspace.workspaceFolders ?? [];
  return folders.map((f) => path.join(f.uri.fsPath, p));
}

/**
 * `spt.nodePath`: the program trainer and CLI processes run with. A workspace's own settings could
 * name any program there, so in an untrusted workspace only the user's value (user settings) counts.
 */
export function nodePathSetting(): string {
  const c = vscode.workspace.getConfiguration('spt');
  if (vscode.workspace.isTrusted) return (c.get<string>('nodePath', '') ?? '').trim();
  return (c.inspect<string>('nodePath')?.globalValue ?? '').trim();
}

export function readSettings(): SptSettings {
  const c = vscode.workspace.getConfiguration('spt');
  const runsFolder = c.get<string>('runsFolder', '').trim();
  const every = c.get<number | null>('analysisEveryEpochs', null);
  const threads = c.get<number | null>('wasmThreads', null);
  const heartbeatS = c.get<number>('trainerHeartbeatTimeoutSeconds', 300);
  return {
    defaultBackend: c.get<string>('defaultBackend', 'fromFile'),
    analysisEveryEpochs: typeof every === 'number' ? every : null,
    runsFolders: runsFolder ? resolveFolder(runsFolder) : [],
    maxConcurrentRuns: Math.max(1, Math.floor(c.get<number>('maxConcurrentRuns', 1)) || 1),
    trainerMemoryMb: Math.max(0, c.get<number>('trainerMemoryMb', 0) || 0),
    nodePath: nodePathSetting(),
    wasmThreads: typeof threads === 'number' ? threads : null,
    heartbeatTimeoutMs:
      typeof heartbeatS === 'number' && Number.isFinite(heartbeatS) && heartbeatS >= 0
        ? Math.floor(heartbeatS * 1000)
        : 300_000,
  };
}
