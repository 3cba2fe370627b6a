/** "SPT: Show Compute Backends" runs the doctor in a child process and opens its report. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { loadedTensorFlowModules, poll } from './util';

describe('SPT: Show Compute Backends', () => {
  after(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  it('opens a document listing the wasm backend', async function () {
    this.timeout(120_000);
    const t0 = Date.now();
    await vscode.commands.executeCommand('spt.showBackends');
    const doc = await poll(
      'the spt-doctor document',
      () => vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'spt-doctor'),
      10_000,
    );
    console.log(`    report after ${Date.now() - t0} ms: ${doc.uri.toString()}`);
    assert.match(doc.getText(), /wasm/);
    // The doctor loaded TensorFlow.js in its own process, not here.
    assert.deepEqual(loadedTensorFlowModules(), []);
  });
});
