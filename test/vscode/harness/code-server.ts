/**
 * code-server (VS Code's workbench and Node extension host, from npm) for the VS Code tests, following
 * ../shared/docs/vscode-e2e.md: installed once into `.cache/code-server/` (gitignored) and reused, started
 * per run on 127.0.0.1 with its XDG folders, user data and extensions in a temp folder, and always stopped
 * with SIGTERM to its process group.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../../..');
export const CODE_SERVER_VERSION = '4.100.3';
/** From code-server 4.100.3's lib/vscode/npm-shrinkwrap.json (@vscode/ripgrep 1.15.11) and its postinstall.js. */
const RIPGREP_CACHE = 'vscode-ripgrep-cache-1.15.11';
const RIPGREP_ASSET = 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz';

const APT = 'apt-get install -y --no-install-recommends chromium libkrb5-dev ripgrep';
export const CHROMIUM = '/usr/bin/chromium';
const RG = '/usr/bin/rg';

const log = (msg: string) => console.log(`[vscode] ${msg}`);

/** Fails with the apt command to run when a system package the tests need is missing. */
export function checkPrerequisites(forInstall = false): void {
  const missing: string[] = [];
  if (!fs.existsSync(CHROMIUM)) missing.push(`${CHROMIUM} (chromium)`);
  if (!fs.existsSync(RG)) missing.push(`${RG} (ripgrep)`);
  if (forInstall && !fs.existsSync('/usr/include/gssapi/gssapi.h') && !fs.existsSync('/usr/include/gssapi.h'))
    missing.push('/usr/include/gssapi/gssapi.h (libkrb5-dev)');
  if (missing.length)
    throw new Error(
      `the VS Code tests need ${missing.join(', ')}. Install them with:\n  sudo apt-get update && sudo ${APT}`,
    );
}

export interface CodeServerInstall {
  /** The folder with package.json and node_modules/. */
  dir: string;
  /** node_modules/.bin/code-server */
  bin: string;
}

/**
 * Installs code-server@4.100.3 into `<repo>/.cache/code-server/` (or `$SPT_CODE_SERVER_DIR`), or reuses
 * the install found there. About 40 s and 300 MB the first time.
 */
export function ensureCodeServer(): CodeServerInstall {
  checkPrerequisites();
  const dir = path.resolve(process.env.SPT_CODE_SERVER_DIR || path.join(REPO_ROOT, '.cache', 'code-server'));
  const bin = path.join(dir, 'node_modules', '.bin', 'code-server');
  const stamp = path.join(dir, '.installed');
  if (
    fs.existsSync(stamp) &&
    fs.readFileSync(stamp, 'utf8').trim() === CODE_SERVER_VERSION &&
    fs.existsSync(bin)
  )
    return { dir, bin };

  checkPrerequisites(true);
  log(`installing code-server@${CODE_SERVER_VERSION} into ${path.relative(REPO_ROOT, dir) || dir} (once)`);
  const t0 = Date.now();
  fs.mkdirSync(dir, { recursive: true });
  fs.rmSync(stamp, { force: true });
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    `${JSON.stringify({ name: 'spt-vscode-test-code-server', private: true }, null, 2)}\n`,
  );

  // @vscode/ripgrep downloads rg from GitHub in its postinstall; seed its cache with Debian's rg
  // (a tar.gz holding one top-level `rg`). The install must run with this same TMPDIR.
  const tmp = path.join(dir, 'tmp');
  const cache = path.join(tmp, RIPGREP_CACHE);
  const asset = path.join(cache, RIPGREP_ASSET);
  if (!fs.existsSync(asset)) {
    const stage = fs.mkdtempSync(path.join(dir, 'rg-stage-'));
    try {
      fs.mkdirSync(cache, { recursive: true });
      fs.copyFileSync(RG, path.join(stage, 'rg'));
      fs.chmodSync(path.join(stage, 'rg'), 0o755);
      run('tar', ['-czf', asset, '-C', stage, 'rg'], { cwd: dir });
    } finally {
      fs.rmSync(stage, { recursive: true, force: true });
    }
  }

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TMPDIR: tmp,
    npm_config_yes: 'true', // node-pty runs `npx node-gyp`
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1',
  };
  const args = ['i', `code-server@${CODE_SERVER_VERSION}`, '--no-audit', '--no-fund', '--no-save'];
  if (process.getuid?.() === 0) args.push('--unsafe-perm');
  run('npm', args, { cwd: dir, env });
  if (!fs.existsSync(bin)) throw new Error(`code-server install finished but ${bin} is missing`);
  fs.writeFileSync(stamp, `${CODE_SERVER_VERSION}\n`);
  log(`code-server installed in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return { dir, bin };
}

function run(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): void {
  const r = spawnSync(cmd, args, { ...opts, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Per-run folders: nothing of code-server or chromium goes to the home folder. */
export interface Sandbox {
  root: string;
  env: NodeJS.ProcessEnv;
  userDataDir: string;
  extensionsDir: string;
  dispose(): void;
}

/** User settings of every test window (`settings` adds to or overrides them). */
export const TEST_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
};

export function makeSandbox(prefix = 'spt-vscode-', settings: Record<string, unknown> = {}): Sandbox {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const userDataDir = path.join(root, 'user-data');
  const extensionsDir = path.join(root, 'extensions');
  const home = path.join(root, 'home');
  for (const d of [userDataDir, extensionsDir, home, path.join(userDataDir, 'User')])
    fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...TEST_SETTINGS, ...settings }, null, 2),
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: path.join(root, 'xdg', 'config'),
    XDG_DATA_HOME: path.join(root, 'xdg', 'data'),
    XDG_CACHE_HOME: path.join(root, 'xdg', 'cache'),
    XDG_STATE_HOME: path.join(root, 'xdg', 'state'),
    XDG_RUNTIME_DIR: path.join(root, 'xdg', 'runtime'),
  };
  fs.mkdirSync(env.XDG_RUNTIME_DIR!, { recursive: true, mode: 0o700 });
  return {
    root,
    env,
    userDataDir,
    extensionsDir,
    dispose: () => fs.rmSync(root, { recursive: true, force: true, maxRetries: 3 }),
  };
}

/**
 * `code-server --install-extension <vsix>` into the sandbox's extensions folder (with its HOME and XDG
 * folders): what a user's "Install from VSIX..." does. Returns the installed extension's folder.
 */
export function installExtension(vsix: string, sandbox: Sandbox, install = ensureCodeServer()): string {
  const before = new Set(fs.readdirSync(sandbox.extensionsDir));
  const r = spawnSync(
    install.bin,
    [
      '--user-data-dir',
      sandbox.userDataDir,
      '--extensions-dir',
      sandbox.extensionsDir,
      '--install-extension',
      path.resolve(vsix),
    ],
    { env: sandbox.env, encoding: 'utf8', timeout: 120_000 },
  );
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`code-server --install-extension exited with ${r.status}:\n${out}`);
  const added = fs
    .readdirSync(sandbox.extensionsDir)
    .filter((d) => !before.has(d) && fs.statSync(path.join(sandbox.extensionsDir, d)).isDirectory());
  if (added.length !== 1)
    throw new Error(
      `code-server --install-extension added ${added.length} folders (${added.join(', ')}) to ${sandbox.extensionsDir}:\n${out}`,
    );
  log(out.split('\n').filter(Boolean).pop() ?? `installed ${path.basename(vsix)}`);
  return path.join(sandbox.extensionsDir, added[0]);
}

export interface CodeServer {
  port: number;
  url: string;
  sandbox: Sandbox;
  /** code-server's stdout and stderr so far. */
  output(): string;
  /** SIGTERM to the process group, SIGKILL after 5 s; removes the sandbox. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartOptions {
  workspace: string;
  port?: number;
  install?: CodeServerInstall;
  sandbox?: Sandbox;
}

export async function startCodeServer({
  workspace,
  port,
  install,
  sandbox,
}: StartOptions): Promise<CodeServer> {
  const cs = install ?? ensureCodeServer();
  const box = sandbox ?? makeSandbox();
  const p = port ?? (await freePort());
  const args = [
    '--bind-addr',
    `127.0.0.1:${p}`,
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--user-data-dir',
    box.userDataDir,
    '--extensions-dir',
    box.extensionsDir,
    workspace,
  ];
  // Its own process group: stop() signals the server, its extension hosts and language servers at once.
  const child = spawn(cs.bin, args, { env: box.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-200_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  let stopped: Promise<void> | undefined;
  const server: CodeServer = {
    port: p,
    url: `http://127.0.0.1:${p}`,
    sandbox: box,
    output: () => out,
    stop: () => {
      stopped ??= stopGroup(child, exited).finally(() => {
        if (!sandbox) box.dispose();
      });
      return stopped;
    },
  };
  try {
    await waitHealthy(server.url, child, () => out);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

async function waitHealthy(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(
        `code-server exited (${child.exitCode ?? child.signalCode}):\n${output().slice(-2000)}`,
      );
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`code-server did not answer ${url}/healthz within 60 s:\n${output().slice(-2000)}`);
}

/** SIGTERM to the whole process group, then SIGKILL to whatever is left after `graceMs`. */
export async function stopGroup(child: ChildProcess, exited: Promise<void>, graceMs = 5000): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  signalGroup(pid, 'SIGTERM');
  await Promise.race([exited, sleep(graceMs)]);
  // Children (extension host, language server) may outlive the server: wait for the group to empty.
  const deadline = Date.now() + graceMs;
  while (groupAlive(pid) && Date.now() < deadline) await sleep(100);
  if (groupAlive(pid)) signalGroup(pid, 'SIGKILL');
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is gone
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
