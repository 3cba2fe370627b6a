/** The language server's diagnostics reach VS Code for a broken experiment file. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { poll, sleep, workspaceFile } from './util';

/** Written by the harness (test/vscode/harness/workspace.ts): the tiny parity experiment with `method: vptt`. */
const BAD = 'exp/bad.spt.yaml';
const GOOD = 'exp/tiny.spt.yaml';
const EXPECTED =
  "prompt.method: the string 'vptt' is not one of spt, vpt, linear, full (did you mean 'vpt'?)";

describe('language server diagnostics', () => {
  it(`reports the wrong prompt.method of ${BAD} at its line`, async () => {
    const uri = workspaceFile(BAD);
    const t0 = Date.now();
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const line = doc
      .getText()
      .split('\n')
      .findIndex((l) => /method: vptt/.test(l));
    assert.ok(line >= 0, `${BAD} has no 'method: vptt' line`);
    const diagnostics = await poll(
      `diagnostics for ${BAD}`,
      () => {
        const ds = vscode.languages.getDiagnostics(uri);
        return ds.length ? ds : undefined;
      },
      20_000,
    );
    console.log(`    diagnostics ${Date.now() - t0} ms after opening the file`);
    const summary = diagnostics.map((d) => `${d.range.start.line + 1}: ${d.message}`).join('\n');
    assert.equal(diagnostics.length, 1, summary);
    const [d] = diagnostics;
    assert.equal(d.message, EXPECTED);
    assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(d.range.start.line, line, summary);
    assert.equal(doc.getText(d.range), 'vptt');
  });

  it(`reports nothing for the valid ${GOOD} (checkpoint and data checked on disk)`, async () => {
    const uri = workspaceFile(GOOD);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    // Give the server the time it took for the broken file, then some.
    await sleep(2_000);
    const ds = vscode.languages.getDiagnostics(uri);
    assert.deepEqual(
      ds.map((d) => `${d.range.start.line + 1}: ${d.message}`),
      [],
    );
    // Leave the broken file and the Problems panel on screen for the harness's screenshot.
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(workspaceFile(BAD)));
    await vscode.commands.executeCommand('workbench.actions.view.problems');
  });
});
