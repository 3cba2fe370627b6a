/**
 * One workbench for the UI scenarios: code-server on a temp workspace with the extension loaded from
 * a folder (`extensionDevelopmentPath`, the repository by default) or already installed in the
 * sandbox (from the .vsix), headless chromium on it, and everything the page logs kept for a log file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { type CodeServer, makeSandbox, type Sandbox, startCodeServer } from '../harness/code-server';
import { launchBrowser, OUTPUT_DIR, remoteUri, workbenchUrl } from '../harness/extension-tests';
import { Workbench } from './workbench';

export interface UiSession {
  server: CodeServer;
  context: BrowserContext;
  page: Page;
  wb: Workbench;
  workspace: string;
  /** When the workbench was ready (Date.now()). */
  readyAt: number;
  /** Every console line of the page so far. */
  log: string[];
  close(): Promise<void>;
}

export interface UiSessionOptions {
  workspace: string;
  /** The extension folder to load from source; omitted: what is installed in `sandbox`. */
  extensionDevelopmentPath?: string;
  sandbox?: Sandbox;
}

/** Settings the scenarios rely on, over the harness's defaults. */
const UI_SETTINGS = {
  // New Experiment's open dialogs as quick inputs (desktop VS Code would show native dialogs).
  'files.simpleDialog.enable': true,
  // Hover and suggest documentation show without delay or a toggle.
  'editor.hover.delay': 150,
  'editor.quickSuggestions': { other: false, comments: false, strings: false },
  'workbench.editor.enablePreview': false,
  'problems.autoReveal': false,
  'window.commandCenter': false,
  'workbench.layoutControl.enabled': false,
  'chat.commandCenter.enabled': false,
  'chat.disableAIFeatures': true,
  // The workbench starts dark (the browser's default would be a light theme): `*-dark.png` shots are dark.
  'workbench.colorTheme': 'Default Dark Modern',
};

export async function openUiSession(opts: UiSessionOptions): Promise<UiSession> {
  const sandbox = opts.sandbox ?? makeSandbox('spt-vscode-ui-', UI_SETTINGS);
  const log: string[] = [];
  let server: CodeServer | undefined;
  let context: BrowserContext | undefined;
  const close = async () => {
    await context?.close().catch(() => {});
    await server?.stop();
    if (!opts.sandbox) sandbox.dispose();
  };
  try {
    server = await startCodeServer({ workspace: opts.workspace, sandbox });
    context = await launchBrowser(sandbox);
    const page = context.pages()[0] ?? (await context.newPage());
    // Playwright actions (click, hover, a probe reading a vanished element) give up after 10 s, not
    // 30 s: waits for what a person would see go through Workbench.waitFor, with their own deadline.
    page.setDefaultTimeout(10_000);
    page.setDefaultNavigationTimeout(60_000);
    page.on('console', (msg) => log.push(`[${msg.type()}] ${msg.text()}`));
    page.on('pageerror', (err) => log.push(`[pageerror] ${err.message}`));
    const payload: [string, string][] = opts.extensionDevelopmentPath
      ? [['extensionDevelopmentPath', remoteUri(server, opts.extensionDevelopmentPath)]]
      : [];
    await page.goto(workbenchUrl(server, opts.workspace, payload));
    const wb = new Workbench(page, OUTPUT_DIR);
    await wb.ready();
    return { server, context, page, wb, workspace: opts.workspace, readyAt: Date.now(), log, close };
  } catch (err) {
    await close();
    throw err;
  }
}

export function writeLog(session: UiSession | undefined, name: string): string {
  const file = path.join(OUTPUT_DIR, `${name}.log`);
  fs.mkdirSync(OUTPUT_DIR, { recursive: true });
  const server = session
    ? `\n--- code-server output (tail) ---\n${session.server.output().slice(-20_000)}`
    : '';
  fs.writeFileSync(file, `${(session?.log ?? []).join('\n')}${server}\n`);
  return file;
}
