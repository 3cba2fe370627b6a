/**
 * Runs dist/cli.js in a child process: anything that loads TensorFlow.js runs outside the
 * extension host. The Node.js used is `spt.nodePath`, else the one running the extension host
 * (Electron, in Node mode, in desktop VS Code).
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Logger } from './logger';

const TIMEOUT_MS = 5 * 60_000;

function nodeCommand(extraEnv: NodeJS.ProcessEnv = {}): { file: string; env: NodeJS.ProcessEnv } {
  const configured = vscode.workspace.getConfiguration('spt').get<string>('nodePath', '').trim();
  if (configured) return { file: configured, env: { ...process.env, ...extraEnv } };
  return { file: process.execPath, env: { ...process.env, ...extraEnv, ELECTRON_RUN_AS_NODE: '1' } };
}

export interface CliText {
  code: number;
  stdout: string;
  stderr: string;
}

/** `node dist/cli.js ...args` with its exit code and output (a failing exit code is not an error). */
export function runCliText(
  extensionPath: string,
  args: string[],
  logger: Logger,
  cwd?: string,
): Promise<CliText> {
  const cli = path.join(extensionPath, 'dist', 'cli.js');
  const { file, env } = nodeCommand();
  logger.debug(`run: ${file} ${[cli, ...args].join(' ')}`);
  return new Promise((resolve, reject) => {
    execFile(
      file,
      [cli, ...args],
      { env, cwd, timeout: TIMEOUT_MS, maxBuffer: 8 << 20, windowsHide: true },
      (err, stdout, stderr) => {
        const code = err ? (err as { code?: unknown }).code : 0;
        if (err && typeof code !== 'number') reject(err);
        else resolve({ code: code as number, stdout, stderr });
      },
    );
  });
}

/** `node dist/cli.js ...args`, its stdout parsed as JSON. Rejects with stderr's tail on failure. */
export function runCliJson(
  extensionPath: string,
  args: string[],
  logger: Logger,
  signal?: AbortSignal,
  extraEnv?: NodeJS.ProcessEnv,
): Promise<unknown> {
  const cli = path.join(extensionPath, 'dist', 'cli.js');
  const { file, env } = nodeCommand(extraEnv);
  logger.debug(`run: ${file} ${[cli, ...args].join(' ')}`);
  return new Promise((resolve, reject) => {
    execFile(
      file,
      [cli, ...args],
      { env, signal, timeout: TIMEOUT_MS, maxBuffer: 32 << 20, windowsHide: true },
      (err, stdout, stderr) => {
        if (stderr.trim()) logger.debug(`spt ${args[0]} stderr:\n${stderr.trimEnd()}`);
        if (err) {
          const tail = stderr.trim().split('\n').slice(-5).join('\n');
          reject(
            new Error(
              `spt ${args.join(' ')} failed (${err.message.split('\n')[0]})${tail ? `: ${tail}` : ''}`,
            ),
          );
          return;
        }
        try {
          resolve(JSON.parse(stdout));
        } catch {
          reject(new Error(`spt ${args.join(' ')} printed no JSON: ${stdout.slice(0, 200)}`));
        }
      },
    );
  });
}
