/**
 * The extension test suite's entry, run INSIDE the extension host (code-server's Node extension host,
 * or desktop VS Code through @vscode/test-electron). VS Code calls `run()`; a rejection means failure.
 * Bundled by test/vscode/harness/extension-tests.ts to out/test/vscode/suite/index.js; mocha comes
 * from the repository's node_modules.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

/** The line the harness reads the counts from. */
export const SUMMARY_PREFIX = 'SPT-VSCODE-SUITE';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
  const grep = process.env.SPT_VSCODE_GREP;
  if (grep) mocha.grep(grep);
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .sort();
  for (const f of files) mocha.addFile(path.join(__dirname, f));
  return new Promise((resolve, reject) => {
    try {
      const runner = mocha.run((failures) => {
        const s = runner.stats;
        console.log(
          `${SUMMARY_PREFIX} ${JSON.stringify({ passes: s?.passes ?? 0, failures, pending: s?.pending ?? 0, durationMs: s?.duration ?? 0 })}`,
        );
        // The extension host shuts down (language server, diagnostics) when run() settles: the
        // harness takes its screenshot when it reads the line above, so hold the state a moment.
        const settle = () =>
          failures > 0 ? reject(new Error(`${failures} extension test(s) failed`)) : resolve();
        setTimeout(settle, Number(process.env.SPT_VSCODE_SETTLE_MS ?? 2000));
      });
    } catch (err) {
      console.error(err);
      reject(err);
    }
  });
}
