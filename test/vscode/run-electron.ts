/**
 * The same extension test suite in desktop VS Code, through @vscode/test-electron. Not run in CI (it
 * downloads VS Code from Microsoft unless VSCODE_PATH names a VS Code executable):
 *
 *   VSCODE_PATH=/usr/share/code/code npx tsx test/vscode/run-electron.ts
 *   VSCODE_VERSION=1.100.3 npx tsx test/vscode/run-electron.ts    # download that version into .cache/vscode-test
 *
 * Builds the extension and the suite, creates the same temp workspace, exits with the suite's code.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { REPO_ROOT } from './harness/code-server';
import { buildSuite } from './harness/extension-tests';
import { createTestWorkspace } from './harness/workspace';

async function main(): Promise<number> {
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (build.status !== 0) return 1;
  const extensionTestsPath = await buildSuite();
  const workspace = createTestWorkspace();
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'spt-vscode-electron-'));
  try {
    return await runTests({
      vscodeExecutablePath: process.env.VSCODE_PATH || undefined,
      // Without VSCODE_PATH: downloaded into the gitignored .cache/ (needs access to update.code.visualstudio.com).
      version: process.env.VSCODE_VERSION || 'stable',
      cachePath: path.join(REPO_ROOT, '.cache', 'vscode-test'),
      // No screenshot to wait for here (see suite/index.ts).
      extensionTestsEnv: { SPT_VSCODE_SETTLE_MS: '0' },
      extensionDevelopmentPath: REPO_ROOT,
      extensionTestsPath,
      launchArgs: [
        workspace.dir,
        '--disable-extensions',
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        `--user-data-dir=${path.join(profile, 'user-data')}`,
        `--extensions-dir=${path.join(profile, 'extensions')}`,
      ],
    });
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    return 1;
  } finally {
    workspace.dispose();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().then((code) => {
  console.log(`test:vscode (electron): ${code === 0 ? 'OK' : `FAILED (exit ${code})`}`);
  process.exit(code);
});
