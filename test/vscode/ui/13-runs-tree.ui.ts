/**
 * Scenario 13 (issue 19, item 2): the Runs view's rows lead with the run's name and seed and its key
 * metric, the start time last (and in the tooltip); there is no `checkpoints/best.json` row; "Sort
 * Runs..." orders by best val accuracy; "Set Run Note..." from a row's context menu writes note.json in
 * the run folder and the row shows its #tag; "Filter Runs..." keeps only matching runs (the view says
 * so) and "Clear Runs Filter" brings them back. The two runs are real run folders on disk.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeRunsTree, experimentRows, runsTree, ui, workspacePath } from './context';
import { writeFinishedRun } from './fake-runs';
import { screenshotBothThemes } from './themes';
import { SEL, type Workbench } from './workbench';

const EXPERIMENT = 'ui-tree';

const writeRun = (stamp: string, seed: number, valAcc: number) =>
  writeFinishedRun(workspacePath(path.join('runs', EXPERIMENT, stamp)), { name: EXPERIMENT, seed, valAcc });

async function rowsOf(wb: Workbench): Promise<string[]> {
  return (await experimentRows(wb, EXPERIMENT)).runs;
}

async function waitRows(wb: Workbench, what: string, ok: (rows: string[]) => boolean): Promise<string[]> {
  return wb.waitFor(
    what,
    async () => {
      const rows = await rowsOf(wb);
      return ok(rows) ? rows : undefined;
    },
    () => describeRunsTree(wb),
    { timeoutMs: 15_000 },
  );
}

async function answerInput(wb: Workbench, text: string): Promise<void> {
  const box = wb.page.locator(SEL.quickInputBox);
  await box.fill(text);
  await box.press('Enter');
}

describe('UI: the Runs view rows, sort, filter and notes', () => {
  it('leads with name, seed and key metric; sorts by val acc; notes and filters runs', async () => {
    const { wb, page } = ui();
    const older = writeRun('20261201-100000', 1, 0.9);
    const newer = writeRun('20261202-100000', 2, 0.6);
    await wb.showViewContainer('SPT', 'Runs');
    await wb.runCommand('SPT: Refresh Runs');
    let rows = await waitRows(wb, `two ${EXPERIMENT} runs`, (r) => r.length === 2);
    // Newest first; each row: name · seed, then the key metric, the state, the start time last.
    assert.match(rows[0], /^ui-tree · seed 2 val 60\.0% · finished · 12-02 10:00$/);
    assert.match(rows[1], /^ui-tree · seed 1 val 90\.0% · finished · 12-01 10:00$/);

    // A run's children: no checkpoints/best.json row.
    const rowOf = (seed: number) =>
      page.locator(`.part.sidebar .monaco-list-row[aria-label^="${EXPERIMENT} · seed ${seed} "]`).first();
    await rowOf(2).click();
    await page.keyboard.press('ArrowRight');
    await wb.waitFor(
      'the run to show its children',
      async () => (await runsTree(wb)).some((r) => r.level === 3 && r.label.startsWith('config.yaml')),
      () => describeRunsTree(wb),
    );
    const children = (await runsTree(wb)).filter((r) => r.level === 3).map((r) => r.label);
    assert.ok(!children.some((c) => c.includes('best.json')), `a best.json row: ${JSON.stringify(children)}`);
    await page.keyboard.press('ArrowLeft');

    // Sort by best val accuracy.
    await wb.runCommand('SPT: Sort Runs...');
    await (await wb.waitFor('the sort choice', () => wb.quickInputRow('Best val accuracy first'))).click();
    rows = await waitRows(
      wb,
      'seed 1 (val 90%) first',
      (r) => r.length === 2 && r[0].startsWith('ui-tree · seed 1'),
    );

    // A note with a tag, from the row's context menu; stored in the run folder.
    await wb.contextMenu(rowOf(2), 'Set Run Note...');
    await wb.waitQuickInput('Run Note');
    await answerInput(wb, '#baseline lr from the paper');
    await waitRows(wb, 'the note on seed 2', (r) => r.some((x) => /seed 2 .*#baseline/.test(x)));
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(newer, 'note.json'), 'utf8')), {
      note: '#baseline lr from the paper',
      tags: ['baseline'],
    });
    assert.ok(!fs.existsSync(path.join(older, 'note.json')));

    // Filter by the tag: one run left, and the view says it is filtered.
    await wb.runCommand('SPT: Filter Runs...');
    await wb.waitQuickInput('Filter Runs');
    await answerInput(wb, '#baseline');
    await waitRows(
      wb,
      'only the #baseline run',
      (r) => r.length === 1 && r[0].startsWith('ui-tree · seed 2'),
    );
    const message = await wb.texts(wb.viewPane('Runs').locator('.pane-body .message'));
    assert.ok(
      message.some((m) => m.includes('Filter: #baseline') && m.includes('best val acc first')),
      JSON.stringify(message),
    );
    await screenshotBothThemes(wb, 'ui-runs-tree');
    await wb.runCommand('SPT: Clear Runs Filter');
    await waitRows(wb, 'both runs back', (r) => r.length === 2);
    await wb.runCommand('SPT: Sort Runs...');
    await (await wb.waitFor('the sort choice', () => wb.quickInputRow('Newest first'))).click();
    await waitRows(wb, 'newest first again', (r) => r.length === 2 && r[0].startsWith('ui-tree · seed 2'));
  });
});
