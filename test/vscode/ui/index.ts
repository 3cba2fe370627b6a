/**
 * Runs the UI scenarios (test/vscode/ui/*.ui.ts, in name order) with mocha in this Node process, all
 * against one workbench: code-server on a fresh test workspace, the extension loaded from source (or
 * the folder given), headless chromium driven by playwright-core. A failed scenario saves
 * `.test-output/vscode/ui-<scenario>-failed.png` and names it in its failure message.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import { OUTPUT_DIR, onInterrupt } from '../harness/extension-tests';
import { createTestWorkspace } from '../harness/workspace';
import { setSession } from './context';
import { openUiSession, type UiSession, writeLog } from './session';

export const UI_DIR = __dirname;

export interface UiResult {
  passes: number;
  failures: number;
  pending: number;
  durationMs: number;
  /** The harness failed before or after the scenarios (start-up, teardown). */
  error?: string;
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);

export async function runUiTests(opts: {
  extensionDevelopmentPath?: string;
  grep?: string;
  onLog?: (line: string) => void;
}): Promise<UiResult> {
  const t0 = Date.now();
  const say = opts.onLog ?? ((l: string) => console.log(l));
  fs.mkdirSync(OUTPUT_DIR, { recursive: true });
  for (const f of fs.readdirSync(OUTPUT_DIR, { withFileTypes: true }).filter((e) => e.isFile()))
    if (/^ui-.*\.png$/.test(f.name)) fs.rmSync(path.join(OUTPUT_DIR, f.name));
  const workspace = createTestWorkspace();
  let session: UiSession | undefined;
  const stopSignals = onInterrupt(async () => {
    await session?.close();
    workspace.dispose();
  });
  try {
    session = await openUiSession({
      workspace: workspace.dir,
      extensionDevelopmentPath: opts.extensionDevelopmentPath,
    });
    say(`[ui] workbench ready after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    setSession(session);
    const s = session;
    const mocha = new Mocha({
      ui: 'bdd',
      reporter: 'spec',
      color: false,
      timeout: 120_000,
      rootHooks: {
        async afterEach(this: Mocha.Context) {
          const test = this.currentTest;
          if (test?.state !== 'failed') return;
          const name = `ui-${slug(test.titlePath().join(' '))}-failed`;
          const file = await s.wb.screenshot(name);
          const err = (test as Mocha.Test & { err?: Error }).err;
          if (err && file) {
            const before = err.message;
            err.message = `${before}\n      screenshot: ${path.relative(process.cwd(), file)}`;
            if (err.stack?.includes(before)) err.stack = err.stack.replace(before, err.message);
          }
          await s.wb.escape(2).catch(() => {});
        },
      },
    });
    if (opts.grep) mocha.grep(opts.grep);
    for (const f of fs
      .readdirSync(UI_DIR)
      .filter((f) => /\.ui\.ts$/.test(f))
      .sort())
      mocha.addFile(path.join(UI_DIR, f));
    await mocha.loadFilesAsync();
    const stats = await new Promise<Mocha.Stats | undefined>((resolve) => {
      const runner = mocha.run(() => resolve(runner.stats));
    });
    return {
      passes: stats?.passes ?? 0,
      failures: stats?.failures ?? 0,
      pending: stats?.pending ?? 0,
      durationMs: Date.now() - t0,
    };
  } catch (err) {
    const message = err instanceof Error ? err.stack || err.message : String(err);
    say(`[ui] ${message}`);
    await session?.wb.screenshot('ui-harness-failed');
    return { passes: 0, failures: 0, pending: 0, durationMs: Date.now() - t0, error: message };
  } finally {
    setSession(undefined);
    const log = writeLog(session, 'ui');
    await session?.close();
    stopSignals();
    workspace.dispose();
    say(
      `[ui] torn down after ${((Date.now() - t0) / 1000).toFixed(1)} s; log ${path.relative(process.cwd(), log)}`,
    );
  }
}
