/**
 * Runs dist/cli.js in a child process: anything that loads TensorFlow.js runs outside the
 * extension host. The Node.js used is `spt.nodePath`, else the one running the extension host
 * (Electron, in Node mode, in desktop VS Code).
 */
import { execFile, spawn } from 'node:child_process';
import * as path from 'node:path';
import type { Logger } from '../logger';
import { nodePathSetting } from '../settings';

const TIMEOUT_MS = 5 * 60_000;

/** What the runner writes to the log: the command line, stderr, the output lines of a streaming run. */
export type CliLogger = Pick<Logger, 'debug' | 'info'>;

function nodeCommand(extraEnv: NodeJS.ProcessEnv = {}): { file: string; env: NodeJS.ProcessEnv } {
  const configured = nodePathSetting();
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
  logger: CliLogger,
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
  logger: CliLogger,
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

/**
 * `node dist/cli.js ...args` for long jobs (a sweep): no time limit, stderr handed over line by line,
 * `signal` stops it with SIGTERM (the CLI then stops its trainers with a resumable checkpoint).
 * Resolves with the exit code and the last lines of stderr.
 */
export function runCliStreaming(
  extensionPath: string,
  args: string[],
  logger: CliLogger,
  opts: {
    cwd?: string;
    signal?: AbortSignal;
    onLine?: (line: string) => void;
    /** Each stdout line; true: taken (not logged). */
    onStdoutLine?: (line: string) => boolean;
  } = {},
): Promise<{ code: number; stderrTail: string }> {
  const cli = path.join(extensionPath, 'dist', 'cli.js');
  const { file, env } = nodeCommand();
  logger.debug(`run: ${file} ${[cli, ...args].join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(file, [cli, ...args], {
      env,
      cwd: opts.cwd,
      windowsHide: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let tail: string[] = [];
    let partial = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      const lines = (partial + d).split(/\r?\n|\r/);
      partial = lines.pop() ?? '';
      for (const l of lines.filter((x) => x.trim())) {
        tail = [...tail, l].slice(-8);
        opts.onLine?.(l);
      }
    });
    let stdoutPartial = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      const lines = (stdoutPartial + d).split('\n');
      stdoutPartial = lines.pop() ?? '';
      for (const l of lines) if (l.trim() && !opts.onStdoutLine?.(l)) logger.info(l.trimEnd());
    });
    const stop = () => child.kill('SIGTERM');
    opts.signal?.addEventListener('abort', stop, { once: true });
    child.on('error', reject);
    child.on('close', (code) => {
      opts.signal?.removeEventListener('abort', stop);
      resolve({ code: code ?? 1, stderrTail: tail.join('\n') });
    });
  });
}
