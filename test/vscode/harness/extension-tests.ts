/**
 * Runs the extension test suite (test/vscode/suite) inside code-server's Node extension host: the
 * extension is loaded from source and the suite from `extensionTestsPath`, both through the workbench
 * URL's payload; chromium (Debian's, driven by playwright-core) opens the workbench and receives the
 * exit code through `codeAutomationExit`. See ../shared/docs/vscode-e2e.md.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';
import * as esbuild from 'esbuild';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import {
  CHROMIUM,
  type CodeServer,
  makeSandbox,
  REPO_ROOT,
  type Sandbox,
  sleep,
  startCodeServer,
} from './code-server';

export const SUITE_SRC = path.join(REPO_ROOT, 'test', 'vscode', 'suite');
export const SUITE_OUT = path.join(REPO_ROOT, 'out', 'test', 'vscode', 'suite');
export const OUTPUT_DIR = path.join(REPO_ROOT, '.test-output', 'vscode');
/** The suite's closing line (suite/index.ts): `SPT-VSCODE-SUITE {"passes":…,"failures":…}`. */
export const SUMMARY_PREFIX = 'SPT-VSCODE-SUITE';

/** Console messages of the workbench that say nothing about the extension (kept in the log file). */
const NOISE = [
  /^Resolv(ing|ed) connection token/,
  /^Creating a socket/,
  /^\[Service Worker\]/,
  /^Updating additional builtin extensions cache/,
  /^ChatSessionStore:/,
  /ENOTFOUND open-vsx\.org/,
  /^CodeExpectedError/,
];

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/**
 * Bundles the suite to out/test/vscode/suite/: index.js (the `run()` VS Code calls) and one file per
 * *.test.ts. CommonJS for the Node extension host; `vscode` is provided by the host and mocha is
 * loaded from the repo's node_modules. Returns the path of index.js.
 */
export async function buildSuite(): Promise<string> {
  const entries = fs
    .readdirSync(SUITE_SRC)
    .filter((f) => f === 'index.ts' || f.endsWith('.test.ts'))
    .map((f) => path.join(SUITE_SRC, f));
  fs.rmSync(SUITE_OUT, { recursive: true, force: true });
  await esbuild.build({
    absWorkingDir: REPO_ROOT,
    entryPoints: entries,
    outdir: SUITE_OUT,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });
  return path.join(SUITE_OUT, 'index.js');
}

export interface ExtensionTestOptions {
  /** The extension folder loaded from source; omitted: the extensions installed in `sandbox` (a .vsix). */
  extensionDevelopmentPath?: string;
  extensionTestsPath: string;
  /** code-server's folders (default: a fresh one, removed at the end; a given one is left to its owner). */
  sandbox?: Sandbox;
  workspace: string;
  /** Limit for the suite once the workbench is up. Default 5 minutes. */
  timeoutMs?: number;
  /** Name of the screenshot and log in .test-output/vscode/ (without extension). */
  screenshotName?: string;
  /** Receives every line worth printing (mocha's output, harness phases). Default: console.log. */
  onLog?: (line: string) => void;
}

export interface ExtensionTestResult {
  /** 0: all passed; 1: a failure; 2: the harness failed; 3: the page crashed; 4: timeout. */
  exitCode: number;
  /** Every console line of the workbench and the extension host, in order. */
  log: string[];
  /** The suite's counts, when it got as far as printing them. */
  summary?: { passes: number; failures: number; pending: number; durationMs: number };
  screenshot?: string;
  durationMs: number;
}

/** Starts code-server, runs the suite in its extension host, saves a screenshot, stops everything. */
export async function runExtensionTests(opts: ExtensionTestOptions): Promise<ExtensionTestResult> {
  const t0 = Date.now();
  const name = opts.screenshotName ?? 'extension-tests';
  for (const old of [`${name}.png`, `${name}-failed.png`, `${name}.log`])
    fs.rmSync(path.join(OUTPUT_DIR, old), { force: true });
  const sandbox = opts.sandbox ?? makeSandbox();
  const disposeSandbox = () => {
    if (!opts.sandbox) sandbox.dispose();
  };
  const log: string[] = [];
  const onLog = opts.onLog ?? ((line: string) => console.log(line));
  let server: CodeServer | undefined;
  let context: BrowserContext | undefined;
  let page: Page | undefined;
  let exitCode = 2;
  let screenshot: string | undefined;
  let summary: ExtensionTestResult['summary'];
  let stopSignals = () => {};

  let shooting: Promise<void> | undefined;
  const shoot = (failed: boolean) => {
    shooting ??= (async () => {
      if (!page) return;
      fs.mkdirSync(OUTPUT_DIR, { recursive: true });
      const file = path.join(OUTPUT_DIR, `${name}${failed ? '-failed' : ''}.png`);
      try {
        await page.screenshot({ path: file, timeout: 10_000 });
        screenshot = file;
      } catch (err) {
        emit(`[harness] no screenshot: ${(err as Error).message.split('\n')[0]}`);
      }
    })();
    return shooting;
  };
  // Everything goes to the log file; the workbench's own chatter is not printed.
  const emit = (text: string) => {
    const quiet = NOISE.some((re) => re.test(text));
    for (const line of text.replace(/\n$/, '').split('\n')) {
      log.push(line);
      if (!quiet) onLog(line);
      // The suite's closing line: the workbench still shows its final state (see suite/index.ts).
      if (line.startsWith(`${SUMMARY_PREFIX} `)) {
        try {
          summary = JSON.parse(line.slice(SUMMARY_PREFIX.length + 1));
        } catch {
          // counts stay unknown
        }
        void shoot((summary?.failures ?? 1) > 0);
      }
    }
  };
  const phase = (what: string) => onLog(`[vscode] ${what} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  try {
    server = await startCodeServer({ workspace: opts.workspace, sandbox });
    const s = server;
    phase(`code-server listening on ${s.url}`);
    stopSignals = onInterrupt(async () => {
      await context?.close().catch(() => {});
      await s.stop();
      disposeSandbox();
    });
    context = await launchBrowser(sandbox);
    page = context.pages()[0] ?? (await context.newPage());

    let resolveExit!: (code: number) => void;
    const exited = new Promise<number>((r) => {
      resolveExit = r;
    });
    let gotAutomationLog = false;
    await page.exposeFunction('codeAutomationExit', (code: number) => resolveExit(Number(code) || 0));
    await page.exposeFunction('codeAutomationLog', (_type: string, args: unknown[]) => {
      gotAutomationLog = true;
      emit(format(...(Array.isArray(args) ? args : [args])));
    });
    // Without codeAutomationLog the remote extension host's console arrives as page console messages.
    page.on('console', (msg) => {
      if (!gotAutomationLog && /^%c\[Extension Host\]/.test(msg.text()))
        emit(
          msg
            .text()
            .replace(/^%c\[Extension Host\] ?/, '')
            .replace(/ ?color: [^\n]*$/, ''),
        );
    });
    page.on('crash', () => resolveExit(3));

    const payload: [string, string][] = [['extensionTestsPath', remoteUri(s, opts.extensionTestsPath)]];
    if (opts.extensionDevelopmentPath)
      payload.unshift(['extensionDevelopmentPath', remoteUri(s, opts.extensionDevelopmentPath)]);
    await page.goto(workbenchUrl(s, opts.workspace, payload));
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    phase('workbench loaded');

    const timeoutMs = opts.timeoutMs ?? 5 * 60_000;
    exitCode = await Promise.race([
      exited,
      sleep(timeoutMs).then(() => {
        emit(`[harness] the extension tests did not finish within ${timeoutMs / 1000} s`);
        return 4;
      }),
    ]);
    phase(`extension tests exited with ${exitCode}`);
  } catch (err) {
    emit(`[harness] ${err instanceof Error ? err.stack || err.message : String(err)}`);
    if (server) emit(`[harness] code-server output (tail):\n${server.output().slice(-3000)}`);
  } finally {
    await shoot(exitCode !== 0);
    await context?.close().catch(() => {});
    await server?.stop();
    stopSignals();
    disposeSandbox();
    fs.mkdirSync(OUTPUT_DIR, { recursive: true });
    fs.writeFileSync(path.join(OUTPUT_DIR, `${name}.log`), `${log.join('\n')}\n`);
    phase('torn down');
  }
  return { exitCode, log, summary, screenshot, durationMs: Date.now() - t0 };
}

/** Headless Debian chromium with its profile, HOME and XDG folders inside `sandbox`. */
export function launchBrowser(sandbox: Sandbox): Promise<BrowserContext> {
  return chromium.launchPersistentContext(path.join(sandbox.root, 'chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: CHROMIUM_ARGS,
    env: sandbox.env as Record<string, string>,
  });
}

/** A path on code-server's machine as the workbench names it. */
export const remoteUri = (server: CodeServer, p: string) =>
  `vscode-remote://127.0.0.1:${server.port}${path.resolve(p)}`;

/** The workbench URL opening `folder`, with a payload (extensionDevelopmentPath, extensionTestsPath). */
export function workbenchUrl(server: CodeServer, folder: string, payload: [string, string][] = []): string {
  const query = `folder=${encodeURIComponent(path.resolve(folder))}`;
  return `${server.url}/?${query}${payload.length ? `&payload=${encodeURIComponent(JSON.stringify(payload))}` : ''}`;
}

/** Runs `cleanup` on Ctrl+C / SIGTERM, then exits; returns the function that removes the handlers. */
export function onInterrupt(cleanup: () => Promise<void>): () => void {
  const handler = (signal: NodeJS.Signals) => {
    void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
