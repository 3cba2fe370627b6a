/**
 * "SPT: New Experiment" driven through its own quick pick, input box and open dialogs (the command
 * takes no arguments): the written file passes `spt validate --no-files`, and `spt validate` and the
 * language server find no problem in it besides the template's placeholder checkpoint and dataset
 * folder, which are not on disk.
 */
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { extension, poll, sleep, workspaceFile } from './util';

/** The first template (SPT-deep) and its default name. */
const NAME = 'spt-deep';
/** The only errors a placeholder path may cause: a file the workspace does not have. */
const DISK_CODES = new Set(['checkpoint-missing', 'data-missing', 'split-missing']);
/** Time for the workbench to show the next quick input before it is answered. */
const STEP_MS = 1_500;

const codeOf = (d: vscode.Diagnostic) =>
  String(typeof d.code === 'object' && d.code ? d.code.value : (d.code ?? ''));

describe('SPT: New Experiment', () => {
  after(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  it(`writes ${NAME}.spt.yaml from the first template, valid for spt validate`, async function () {
    this.timeout(90_000);
    // Open dialogs as quick inputs (desktop VS Code would show a native dialog no command can answer).
    await vscode.workspace
      .getConfiguration('files')
      .update('simpleDialog.enable', true, vscode.ConfigurationTarget.Global);
    const file = workspaceFile(`${NAME}.spt.yaml`).fsPath;
    assert.ok(!fs.existsSync(file), `${file} exists before the test`);

    const t0 = Date.now();
    let settled = false;
    const command = Promise.resolve(vscode.commands.executeCommand('spt.newExperiment')).finally(() => {
      settled = true;
    });
    const answer = async (what: string, action: string) => {
      await sleep(STEP_MS);
      assert.ok(!settled, `the command ended before ${what}`);
      await vscode.commands.executeCommand(action);
    };
    await answer('the template pick', 'workbench.action.acceptSelectedQuickOpenItem');
    await answer('the name box', 'workbench.action.acceptSelectedQuickOpenItem');
    await answer('the checkpoint dialog', 'workbench.action.closeQuickOpen');
    await answer('the dataset dialog', 'workbench.action.closeQuickOpen');
    await poll('spt.newExperiment to finish', () => settled, 15_000);
    await command;
    assert.ok(fs.existsSync(file), `${file} was not written`);
    console.log(`    ${path.basename(file)} written ${Date.now() - t0} ms after the command started`);

    const text = fs.readFileSync(file, 'utf8');
    assert.match(text, new RegExp(`^name: ${NAME}$`, 'm'));
    assert.match(text, /^ {2}method: spt\b/m);

    const cli = path.join(extension().extensionPath, 'dist', 'cli.js');
    const validate = (...flags: string[]) =>
      new Promise<{ code: number; out: string }>((resolve) =>
        execFile(
          process.execPath,
          [cli, 'validate', file, ...flags],
          { cwd: path.dirname(file), env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } },
          (err, stdout, stderr) =>
            resolve({
              code: err ? Number((err as { code?: number }).code ?? 1) : 0,
              out: `${stdout}${stderr}`,
            }),
        ),
      );
    const schemaOnly = await validate('--no-files');
    console.log(`    spt validate --no-files: exit ${schemaOnly.code}: ${schemaOnly.out.trim()}`);
    assert.equal(schemaOnly.code, 0, schemaOnly.out);
    // With the file checks (as the editor has them): only the placeholder paths (issue 14 item 8).
    const full = await validate();
    console.log(`    spt validate: exit ${full.code}: ${full.out.trim()}`);
    assert.equal(full.code, 2, full.out);
    const codes = [...full.out.matchAll(/: error: .*\[([\w-]+)\]$/gm)].map((m) => m[1]);
    assert.ok(codes.length > 0 && codes.every((c) => DISK_CODES.has(c)), full.out);

    // The command opened the file: the language server checks it, including the paths on disk.
    const uri = vscode.Uri.file(file);
    const diagnostics = await poll(
      `diagnostics for ${NAME}.spt.yaml`,
      () => {
        const ds = vscode.languages.getDiagnostics(uri);
        return ds.length ? ds : undefined;
      },
      20_000,
    );
    const lines = diagnostics.map((d) => `${d.range.start.line + 1}: [${codeOf(d)}] ${d.message}`);
    console.log(`    language server: ${lines.join(' | ')}`);
    const other = diagnostics.filter(
      (d) => d.severity === vscode.DiagnosticSeverity.Error && !DISK_CODES.has(codeOf(d)),
    );
    assert.deepEqual(
      other.map((d) => d.message),
      [],
      'errors other than the placeholder paths missing on disk',
    );
  });
});
