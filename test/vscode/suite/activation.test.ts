/** The extension activates fast, registers every declared command, and loads no TensorFlow.js. */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID, extension, loadedTensorFlowModules, type PackageJson } from './util';

/** Startup marks the extension host records around each activation (vs/base/common/performance). */
function activationMarks(id: string): { load?: number; activate?: number } {
  const marks: { name: string; startTime: number }[] =
    (
      globalThis as { MonacoPerformanceMarks?: { getMarks(): { name: string; startTime: number }[] } }
    ).MonacoPerformanceMarks?.getMarks() ?? performance.getEntriesByType('mark');
  const at = (name: string) => marks.find((m) => m.name === `code/extHost/${name}/${id}`)?.startTime;
  const span = (from: string, to: string) => {
    const a = at(from);
    const b = at(to);
    return a !== undefined && b !== undefined ? b - a : undefined;
  };
  return {
    load: span('willLoadExtensionCode', 'didLoadExtensionCode'),
    activate: span('willActivateExtension', 'didActivateExtension'),
  };
}

const ACTIVATION_BUDGET_MS = 5_000;

describe('activation', () => {
  it(`runs ${EXTENSION_ID} from the folder the harness loaded`, () => {
    const ext = extension();
    console.log(`    extension folder: ${ext.extensionPath}`);
    // Set by test/vscode/run.ts for the installed .vsix: the suite must not test the repository.
    const expected = process.env.SPT_VSCODE_EXPECT_EXTENSION_DIR;
    if (expected)
      assert.equal(path.resolve(ext.extensionPath), path.resolve(expected), 'not the installed .vsix');
  });

  it(`activates ${EXTENSION_ID}`, async () => {
    const ext = extension();
    const wasActive = ext.isActive;
    const t0 = performance.now();
    await ext.activate();
    const callMs = performance.now() - t0;
    assert.ok(ext.isActive, 'isActive after activate()');
    const marks = activationMarks(ext.id);
    // The workspace holds *.spt.yaml files, so activation (workspaceContains) normally ran before the
    // suite: its duration comes from the extension host's own performance marks.
    const ms = marks.activate !== undefined ? marks.activate + (marks.load ?? 0) : callMs;
    const parts =
      marks.activate !== undefined
        ? ` (loading ${marks.load?.toFixed(0)} ms, activate() ${marks.activate.toFixed(0)} ms)`
        : '';
    console.log(
      `    activation: ${ms.toFixed(0)} ms${parts}, ` +
        `${wasActive ? 'already active when the suite started (workspaceContains)' : 'activated by the test'}`,
    );
    assert.ok(
      ms < ACTIVATION_BUDGET_MS,
      `activation took ${ms.toFixed(0)} ms (budget ${ACTIVATION_BUDGET_MS} ms)`,
    );
  });

  it('registers every command declared in package.json contributes.commands', async () => {
    const declared = ((extension().packageJSON as PackageJson).contributes?.commands ?? []).map(
      (c) => c.command,
    );
    assert.ok(declared.length > 0, 'package.json declares no commands');
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = declared.filter((id) => !registered.has(id));
    assert.deepEqual(missing, [], `declared but not registered: ${missing.join(', ')}`);
  });

  it('loads no TensorFlow.js module into the extension host', () => {
    assert.ok(
      Object.keys(require.cache).some((k) => /[\\/]dist[\\/]extension\.js$/.test(k)),
      "the extension's dist/extension.js is not in require.cache: this check would see nothing",
    );
    assert.deepEqual(loadedTensorFlowModules(), []);
    assert.equal((globalThis as { _tfengine?: unknown })._tfengine, undefined, 'a tfjs engine exists');
  });
});
