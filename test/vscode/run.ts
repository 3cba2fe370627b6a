/**
 * `npm run test:vscode`: the extension test suite inside a real VS Code (code-server's workbench and Node
 * extension host, driven by Debian's chromium through playwright-core). Builds the extension and the
 * suite, installs code-server into .cache/code-server/ once, creates a temp workspace, runs the suite,
 * prints one summary line and exits with the suite's code. Screenshot: .test-output/vscode/.
 *
 * Needs: apt-get install -y --no-install-recommends chromium libkrb5-dev ripgrep
 * Env: SPT_VSCODE_TIMEOUT_S (default 300), SPT_CODE_SERVER_DIR (install folder).
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ensureCodeServer, REPO_ROOT } from './harness/code-server';
import { buildSuite, runExtensionTests } from './harness/extension-tests';
import { createTestWorkspace } from './harness/workspace';

async function main(): Promise<number> {
  const t0 = Date.now();
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (build.status !== 0) {
    console.log(`test:vscode: FAILED: npm run build exited with ${build.status ?? build.signal}`);
    return 1;
  }
  ensureCodeServer();
  const extensionTestsPath = await buildSuite();
  const workspace = createTestWorkspace();
  try {
    const result = await runExtensionTests({
      extensionDevelopmentPath: REPO_ROOT,
      extensionTestsPath,
      workspace: workspace.dir,
      timeoutMs: Number(process.env.SPT_VSCODE_TIMEOUT_S || 300) * 1000,
    });
    const s = result.summary;
    const counts = s
      ? `${s.passes} passed, ${s.failures} failed${s.pending ? `, ${s.pending} pending` : ''}, `
      : '';
    const shot = result.screenshot ? `; screenshot ${path.relative(REPO_ROOT, result.screenshot)}` : '';
    const verdict =
      result.exitCode === 0
        ? 'OK'
        : `FAILED (exit ${result.exitCode}; log .test-output/vscode/extension-tests.log)`;
    const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    console.log(
      `test:vscode: ${verdict}: ${counts}${secs(Date.now() - t0)} in all, ${secs(result.durationMs)} in code-server${shot}`,
    );
    return result.exitCode === 0 && s ? 0 : result.exitCode || 1;
  } finally {
    workspace.dispose();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    console.log('test:vscode: FAILED: the harness did not run (see above)');
    process.exit(1);
  },
);
