/**
 * Scenario 3: "SPT: New Experiment" from the command palette, answered step by step as each quick
 * input appears (template, name, the two open dialogs cancelled to keep the placeholders): the new
 * file opens, and "SPT: Validate Experiment", `spt validate` and the Problems panel all report the
 * same two problems, the placeholder paths that are not on disk (`spt validate --no-files` accepts it).
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../harness/code-server';
import { closeAllEditors, ui, workspacePath } from './context';
import { SEL } from './workbench';

const NAME = 'ui-experiment';

describe('UI: SPT: New Experiment', () => {
  before(() => closeAllEditors(ui().wb));

  it('creates an experiment file whose only problems are its placeholder paths', async () => {
    const { wb, page } = ui();
    const file = workspacePath(`${NAME}.spt.yaml`);
    assert.ok(!fs.existsSync(file), `${file} exists before the test`);

    await wb.runCommand('SPT: New Experiment');
    await wb.waitQuickInput('SPT: New Experiment (1/4)');
    const templates = await wb.quickInputRows();
    assert.match(templates[0] ?? '', /^SPT-deep/, `the first template: ${JSON.stringify(templates)}`);
    await page.keyboard.press('Enter');

    await wb.waitQuickInput('SPT: New Experiment (2/4)');
    const box = page.locator(SEL.quickInputBox);
    await box.fill(NAME);
    await page.keyboard.press('Enter');

    await wb.waitQuickInput('SPT: New Experiment (3/4)');
    await page.keyboard.press('Escape'); // keep the checkpoint placeholder
    await wb.waitQuickInput('SPT: New Experiment (4/4)');
    await page.keyboard.press('Escape'); // keep the dataset placeholder

    await wb.waitActiveEditor(`${NAME}.spt.yaml`);
    assert.ok(fs.existsSync(file), `${file} was not written`);
    const text = fs.readFileSync(file, 'utf8');
    assert.match(text, new RegExp(`^name: ${NAME}$`, 'm'));
    assert.match(text, /^ {2}method: spt\b/m);

    // What a person does next: validate it from the palette and read the notification (the
    // placeholder checkpoint and data folder, as the Problems panel shows them).
    await wb.runCommand('SPT: Validate Experiment');
    const note = await wb.waitFor(
      `the notification "${NAME}.spt.yaml has 2 problems"`,
      async () => (await wb.notifications()).find((n) => n.includes(`${NAME}.spt.yaml has 2 problems`)),
      async () => `the notifications ${JSON.stringify(await wb.notifications())}`,
      { timeoutMs: 30_000 },
    );
    assert.match(note, /backbone\.checkpoint: .* does not exist .*data\.root: the folder .* does not exist/);
    console.log(`      ${note}`);
    await wb.screenshot('ui-new-experiment');

    const cli = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'spt.js'), 'validate', file], {
      cwd: path.dirname(file),
      encoding: 'utf8',
    });
    assert.equal(cli.status, 2, `spt validate ${file}: ${cli.stdout}${cli.stderr}`);
    assert.deepEqual(
      [...cli.stderr.matchAll(/: error: .*\[([\w-]+)\]$/gm)].map((m) => m[1]),
      ['checkpoint-missing', 'data-missing'],
      cli.stderr,
    );
    const schemaOnly = spawnSync(
      process.execPath,
      [path.join(REPO_ROOT, 'bin', 'spt.js'), 'validate', file, '--no-files'],
      { cwd: path.dirname(file), encoding: 'utf8' },
    );
    assert.equal(
      schemaOnly.status,
      0,
      `spt validate --no-files ${file}: ${schemaOnly.stdout}${schemaOnly.stderr}`,
    );

    // The language server: the template's placeholder checkpoint and data folder are not on disk,
    // and nothing else is wrong.
    const rows = await wb.waitFor(
      `the Problems entries of ${NAME}.spt.yaml`,
      async () => {
        const r = await wb.problems();
        return r.some((x) => x.includes(`${NAME}.spt.yaml`)) ? r : undefined;
      },
      async () => `the Problems rows ${JSON.stringify(await wb.problems())}`,
    );
    // (Entries name no file; scenario 1's file, when it failed, is the only other one open.)
    const problems = rows.filter((r) => /^(Error|Warning)/.test(r) && !r.includes("'vptt'"));
    assert.ok(
      problems.some((r) => /does not exist/.test(r)),
      `no placeholder path reported: ${JSON.stringify(rows)}`,
    );
    const unexpected = problems.filter((r) => !/does not exist/.test(r));
    assert.deepEqual(unexpected, [], 'problems other than the placeholder paths missing on disk');
    await wb.escape(2);
  });
});
