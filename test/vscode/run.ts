/**
 * `npm run test:vscode`: SPT Studio inside a real VS Code (code-server's workbench and Node extension
 * host, driven by Debian's chromium through playwright-core), in three layers:
 *
 *   suite  the extension test suite (test/vscode/suite) inside the extension host, extension from source
 *   ui     the UI scenarios (test/vscode/ui/*.ui.ts) driven through the page, extension from source
 *   vsix   `vsce package`, the .vsix's file list and size checked, installed into a clean code-server
 *          with `--install-extension`, and the extension test suite run against the installed copy
 *
 *   tsx test/vscode/run.ts [suite] [ui] [vsix] [--no-build]     (no layer named: all three)
 *
 * Builds first (unless --no-build), installs code-server into .cache/code-server/ once, prints one
 * summary line and writes .test-output/vscode/summary.json. Screenshots and logs: .test-output/vscode/.
 * Exit code: 0 all passed, 1 a test failed, 2 the harness failed.
 *
 * Needs: apt-get install -y --no-install-recommends chromium libkrb5-dev ripgrep
 * Env: SPT_VSCODE_TIMEOUT_S (suite limit, default 300), SPT_VSCODE_GREP (suite and UI tests to run),
 *      SPT_CODE_SERVER_DIR (install folder), SPT_VSCODE_EXTENSION_DIR (the extension folder the suite
 *      and UI layers load instead of the repository, e.g. an unpacked or altered copy), SPT_VSCODE_VSIX
 *      (a .vsix the vsix layer checks and installs instead of packaging one).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureCodeServer, installExtension, makeSandbox, REPO_ROOT } from './harness/code-server';
import {
  buildSuite,
  type ExtensionTestResult,
  OUTPUT_DIR,
  runExtensionTests,
} from './harness/extension-tests';
import { checkVsix, packageVsix, readVsix } from './harness/vsix';
import { createTestWorkspace } from './harness/workspace';
import { runUiTests } from './ui/index';

type Layer = 'suite' | 'ui' | 'vsix';
const LAYERS: Layer[] = ['suite', 'ui', 'vsix'];

interface LayerResult {
  layer: Layer;
  ok: boolean;
  passes: number;
  failures: number;
  seconds: number;
  /** One line: what passed or what went wrong. */
  note: string;
}

const secs = (ms: number) => Math.round(ms / 100) / 10;
const rel = (p: string) => path.relative(REPO_ROOT, p);
const say = (line: string) => console.log(line);
const header = (layer: Layer, what: string) => say(`\n===== test:vscode ${layer}: ${what} =====`);

/** Runs the in-host suite and turns its result into a layer result. */
async function suiteLayer(
  layer: Layer,
  extensionTestsPath: string,
  opts: { extensionDevelopmentPath?: string; sandbox?: ReturnType<typeof makeSandbox>; name: string },
): Promise<{ result: ExtensionTestResult; layer: LayerResult }> {
  const workspace = createTestWorkspace();
  try {
    const result = await runExtensionTests({
      extensionDevelopmentPath: opts.extensionDevelopmentPath,
      extensionTestsPath,
      sandbox: opts.sandbox,
      workspace: workspace.dir,
      screenshotName: opts.name,
      timeoutMs: Number(process.env.SPT_VSCODE_TIMEOUT_S || 300) * 1000,
    });
    const s = result.summary;
    const ok = result.exitCode === 0 && !!s && s.failures === 0;
    const shot = result.screenshot ? `, screenshot ${rel(result.screenshot)}` : '';
    const note = ok
      ? `${s?.passes} passed${shot}`
      : `exit ${result.exitCode}${s ? `, ${s.failures} failed` : ' (no test summary)'}; log ${rel(path.join(OUTPUT_DIR, `${opts.name}.log`))}${shot}`;
    return {
      result,
      layer: {
        layer,
        ok,
        passes: s?.passes ?? 0,
        failures: s?.failures ?? (ok ? 0 : 1),
        seconds: secs(result.durationMs),
        note,
      },
    };
  } finally {
    workspace.dispose();
  }
}

async function runLayer(
  layer: Layer,
  extensionTestsPath: string,
  extensionDir: string,
): Promise<LayerResult> {
  const t0 = Date.now();
  if (layer === 'suite') {
    header(
      'suite',
      `extension test suite in the extension host (extension from ${rel(extensionDir) || '.'})`,
    );
    return (
      await suiteLayer('suite', extensionTestsPath, {
        extensionDevelopmentPath: extensionDir,
        name: 'extension-tests',
      })
    ).layer;
  }
  if (layer === 'ui') {
    header('ui', `UI scenarios through the page (extension from ${rel(extensionDir) || '.'})`);
    const r = await runUiTests({ extensionDevelopmentPath: extensionDir, grep: process.env.SPT_VSCODE_GREP });
    const ok = !r.error && r.failures === 0 && r.passes > 0;
    return {
      layer,
      ok,
      passes: r.passes,
      failures: r.error ? Math.max(1, r.failures) : r.failures,
      seconds: secs(Date.now() - t0),
      note: r.error
        ? `the harness failed: ${r.error.split('\n')[0]}; log .test-output/vscode/ui.log`
        : ok
          ? `${r.passes} passed, screenshots .test-output/vscode/ui-*.png`
          : `${r.failures} failed (screenshots .test-output/vscode/ui-*-failed.png, log .test-output/vscode/ui.log)`,
    };
  }

  header('vsix', 'vsce package, file list and size, install into a clean code-server, the suite against it');
  let vsixNote = '';
  try {
    const given = process.env.SPT_VSCODE_VSIX;
    const vsix = given
      ? readVsix(path.resolve(given))
      : packageVsix(path.join(OUTPUT_DIR, 'spt-studio.vsix'));
    const check = checkVsix(vsix);
    for (const line of check.report) say(`[vsix] ${line}`);
    const files = vsix.entries.filter((e) => e.name.startsWith('extension/'));
    fs.writeFileSync(
      path.join(OUTPUT_DIR, 'vsix-files.txt'),
      `${files.map((e) => `${e.size}\t${e.name}`).join('\n')}\n`,
    );
    say(`[vsix] packaged in ${secs(vsix.durationMs)} s; file list .test-output/vscode/vsix-files.txt`);
    vsixNote = `${(vsix.size / 1024 / 1024).toFixed(1)} MB, ${files.length} files`;
    if (check.problems.length) {
      for (const p of check.problems) say(`[vsix] PROBLEM: ${p}`);
      return {
        layer,
        ok: false,
        passes: 0,
        failures: check.problems.length,
        seconds: secs(Date.now() - t0),
        note: `the .vsix (${vsixNote}) has ${check.problems.length} problem(s): ${check.problems[0]}${check.problems.length > 1 ? ', ...' : ''}`,
      };
    }
    const sandbox = makeSandbox('spt-vscode-vsix-');
    try {
      const installed = installExtension(vsix.file, sandbox);
      say(`[vsix] installed into a clean extensions folder: ${path.basename(installed)}`);
      // The suite checks that it runs the installed copy, not the repository (activation.test.ts).
      sandbox.env.SPT_VSCODE_EXPECT_EXTENSION_DIR = installed;
      // VS Code runs extensionTestsPath only in an extension development window: a stub extension with
      // no code is the development extension, SPT Studio is the installed one.
      const runner = path.join(sandbox.root, 'test-runner');
      fs.mkdirSync(runner);
      fs.writeFileSync(
        path.join(runner, 'package.json'),
        `${JSON.stringify({ name: 'spt-vscode-test-runner', publisher: 'spt-studio-tests', version: '0.0.0', engines: { vscode: '^1.100.0' } }, null, 2)}\n`,
      );
      const { layer: r } = await suiteLayer('vsix', extensionTestsPath, {
        sandbox,
        extensionDevelopmentPath: runner,
        name: 'vsix-extension-tests',
      });
      return {
        ...r,
        passes: r.passes + 1,
        seconds: secs(Date.now() - t0),
        note: `${vsixNote}; installed: ${r.note}`,
      };
    } finally {
      sandbox.dispose();
    }
  } catch (err) {
    say(`[vsix] ${err instanceof Error ? err.message : String(err)}`);
    return {
      layer,
      ok: false,
      passes: 0,
      failures: 1,
      seconds: secs(Date.now() - t0),
      note: `${vsixNote ? `${vsixNote}; ` : ''}${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`,
    };
  }
}

async function main(): Promise<number> {
  const t0 = Date.now();
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--no-build' && !LAYERS.includes(a as Layer));
  if (unknown.length) {
    say(`test:vscode: unknown argument(s) ${unknown.join(' ')}; use [${LAYERS.join('] [')}] [--no-build]`);
    return 2;
  }
  const chosen = LAYERS.filter((l) => args.includes(l));
  const layers = chosen.length ? chosen : LAYERS;
  if (!args.includes('--no-build')) {
    const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
    if (build.status !== 0) {
      say(`test:vscode: FAILED: npm run build exited with ${build.status ?? build.signal}`);
      return 1;
    }
  }
  ensureCodeServer();
  fs.mkdirSync(OUTPUT_DIR, { recursive: true });
  const extensionTestsPath = await buildSuite();
  const extensionDir = path.resolve(process.env.SPT_VSCODE_EXTENSION_DIR || REPO_ROOT);

  const results: LayerResult[] = [];
  for (const layer of layers) {
    const r = await runLayer(layer, extensionTestsPath, extensionDir);
    say(`[${layer}] ${r.ok ? 'OK' : 'FAILED'}: ${r.note} (${r.seconds} s)`);
    results.push(r);
  }
  const ok = results.every((r) => r.ok);
  const total = secs(Date.now() - t0);
  fs.writeFileSync(
    path.join(OUTPUT_DIR, 'summary.json'),
    `${JSON.stringify({ ok, seconds: total, layers: results }, null, 2)}\n`,
  );
  say('');
  for (const r of results)
    say(`test:vscode ${r.layer}: ${r.ok ? 'OK' : 'FAILED'}: ${r.note} (${r.seconds} s)`);
  const counts = results.map((r) => `${r.layer} ${r.passes}/${r.passes + r.failures}`).join(', ');
  say(`test:vscode: ${ok ? 'OK' : 'FAILED'}: ${counts}; ${total} s in all`);
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.stack || err.message : err);
    console.log('test:vscode: FAILED: the harness did not run (see above)');
    process.exit(2);
  },
);
