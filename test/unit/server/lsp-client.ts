/** Starts dist/server.js over stdio and speaks LSP to it the way an editor does. */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import {
  createProtocolConnection,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  type InitializeResult,
  type ProtocolConnection,
  PublishDiagnosticsNotification,
  type PublishDiagnosticsParams,
  ShutdownRequest,
} from 'vscode-languageserver-protocol';

export const ROOT = path.resolve(__dirname, '../../..');
export const SERVER_JS = path.join(ROOT, 'dist/server.js');

/** Sources dist/server.js is built from (a newer one makes it stale). */
const SOURCES = ['src/server', 'src/config', 'src/engine/checkpoint', 'src/engine/data', 'src/engine/model'];

function newest(dir: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}

/** Builds dist/ when dist/server.js is missing or older than its sources; a reason to skip when that fails. */
export function ensureServerBuilt(): string | undefined {
  const built = fs.existsSync(SERVER_JS) ? fs.statSync(SERVER_JS).mtimeMs : 0;
  const sources = Math.max(...SOURCES.map((d) => newest(path.join(ROOT, d))));
  if (built >= sources) return undefined;
  try {
    execFileSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, stdio: 'pipe' });
    return undefined;
  } catch (e) {
    return fs.existsSync(SERVER_JS)
      ? undefined // stale but present: test what is there
      : `dist/server.js is missing and \`npm run build\` failed: ${(e as Error).message.split('\n')[0]}`;
  }
}

export class LspClient {
  readonly diagnostics: PublishDiagnosticsParams[] = [];
  private waiters: (() => void)[] = [];
  exitCode: number | null = null;

  private constructor(
    readonly process: ChildProcess,
    readonly connection: ProtocolConnection,
  ) {
    connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
      this.diagnostics.push(params);
      for (const w of this.waiters) w();
    });
    process.on('exit', (code) => {
      this.exitCode = code;
    });
  }

  static async start(
    initializationOptions: unknown = {},
    capabilities: Record<string, unknown> = {},
  ): Promise<{ client: LspClient; result: InitializeResult }> {
    const child = spawn(process.execPath, [SERVER_JS, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const connection = createProtocolConnection(
      new StreamMessageReader(child.stdout!),
      new StreamMessageWriter(child.stdin!),
    );
    connection.listen();
    const client = new LspClient(child, connection);
    const result = await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: null,
      capabilities,
      workspaceFolders: null,
      initializationOptions,
    });
    await connection.sendNotification(InitializedNotification.type, {});
    return { client, result };
  }

  get alive(): boolean {
    return this.exitCode === null && this.process.exitCode === null;
  }

  /** The first publishDiagnostics for `uri` after the first `after` received (and matching `accept`). */
  nextDiagnostics(
    uri: string,
    after = 0,
    accept: (p: PublishDiagnosticsParams) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<PublishDiagnosticsParams> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.diagnostics.slice(after).find((d) => d.uri === uri && accept(d));
        if (!found) return false;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(found);
        return true;
      };
      const waiter = () => void check();
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no diagnostics for ${uri} within ${timeoutMs} ms`));
      }, timeoutMs);
      if (!check()) this.waiters.push(waiter);
    });
  }

  /** shutdown, exit; resolves with the exit code (null if it had to be killed). */
  async stop(): Promise<number | null> {
    if (this.alive) {
      await this.connection.sendRequest(ShutdownRequest.type);
      await this.connection.sendNotification(ExitNotification.type);
      const exited = new Promise((resolve) => this.process.once('exit', resolve));
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3_000))]);
    }
    this.connection.dispose();
    if (this.process.exitCode === null) {
      this.process.kill();
      return null;
    }
    return this.process.exitCode;
  }
}
