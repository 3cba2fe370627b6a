/**
 * Scenario 1: a broken experiment file shows a red squiggle under the wrong value and a Problems entry
 * with the language server's message at the right line and column; the quick fix (Ctrl+. on the
 * squiggle) repairs it and the squiggle and the entry go away.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { closeAllEditors, ui, workspacePath } from './context';
import { SEL } from './workbench';

const FILE = 'exp/bad.spt.yaml';
const MESSAGE = "prompt.method: the string 'vptt' is not one of spt, vpt, linear, full (did you mean 'vpt'?)";
const FIX = "Change to 'vpt'";

describe('UI: a broken experiment file', () => {
  before(() => closeAllEditors(ui().wb));

  it('shows the squiggle and the Problems entry, and the quick fix removes both', async () => {
    const { wb, page } = ui();
    const text = fs.readFileSync(workspacePath(FILE), 'utf8').split('\n');
    const line = text.findIndex((l) => /^ {2}method: vptt$/.test(l)) + 1;
    const column = text[line - 1].indexOf('vptt') + 1;
    assert.ok(line > 0, `${FILE} has no '  method: vptt' line`);

    await wb.openFile(FILE);
    // The squiggle: under `vptt`, drawn by the editor from the language server's diagnostic.
    const squiggle = page.locator(`${SEL.editor} ${SEL.squiggleError}`);
    await wb.waitFor(
      `a red squiggle in ${FILE} (language server diagnostics)`,
      async () => (await squiggle.count()) > 0,
      async () => `no squiggle; the editor lines ${JSON.stringify(await wb.editorLines())}`,
      { timeoutMs: 30_000 },
    );
    // Under `vptt`: both boxes read together, again until they agree (a CodeLens arriving late moves
    // the lines down between two reads).
    const fmt = (b: { x: number; y: number; width: number } | null | undefined) =>
      b ? `x ${b.x.toFixed(0)}..${(b.x + b.width).toFixed(0)}, y ${b.y.toFixed(0)}` : 'none';
    let where = '';
    await wb.waitFor(
      "the squiggle under 'vptt'",
      async () => {
        const sq = await squiggle.first().boundingBox();
        const word = await wb.textBox(/method: vptt/, 'vptt');
        where = `the squiggle at ${fmt(sq)}, 'vptt' at ${fmt(word)}`;
        return (
          sq &&
          word &&
          Math.abs(sq.y - word.y) < word.height &&
          sq.x < word.x + word.width &&
          sq.x + sq.width > word.x
        );
      },
      () => where,
      { timeoutMs: 10_000 },
    );

    // The Problems panel: one error, the message, at the line and column of `vptt`.
    const entry = `Error: ${MESSAGE} at line ${line} and character ${column}.`;
    const rows = await wb.waitFor(
      `the Problems entry "${entry}"`,
      async () => {
        const r = await wb.problems();
        return r.some((x) => x.startsWith(entry)) ? r : undefined;
      },
      async () => `the Problems rows ${JSON.stringify(await wb.problems())}`,
      { timeoutMs: 20_000 },
    );
    assert.deepEqual(
      rows.filter((r) => /^(Error|Warning|Info)/.test(r)).length,
      1,
      `exactly one problem: ${JSON.stringify(rows)}`,
    );
    const shown = await wb.texts(SEL.problemsRows);
    assert.ok(
      shown.some((t) => t.includes(MESSAGE) && t.includes(`[Ln ${line}, Col ${column}]`)),
      `the Problems row reads ${JSON.stringify(shown)}`,
    );
    await wb.screenshot('ui-quick-fix-problem');

    // The quick fix from the squiggle: Ctrl+. lists it, Enter applies it.
    await wb.pointAt(/method: vptt/, 'vptt', 'click');
    await page.keyboard.press('Control+.');
    await wb.waitFor(
      `the quick fix "${FIX}" (Ctrl+. on the squiggle)`,
      async () => (await wb.texts(SEL.actionWidgetRows)).includes(FIX),
      async () => `the code action menu ${JSON.stringify(await wb.texts('.action-widget .monaco-list-row'))}`,
    );
    // The menu is keyboard driven (a pointer block covers the page): move to the fix, press Enter.
    await wb.waitFor(
      `"${FIX}" to be the selected quick fix`,
      async () => {
        const focused = await wb.texts(`${SEL.actionWidgetRows}.focused`);
        if (focused.includes(FIX)) return true;
        await page.keyboard.press('ArrowDown');
        return false;
      },
      async () => `the selected entry ${JSON.stringify(await wb.texts(`${SEL.actionWidgetRows}.focused`))}`,
      { timeoutMs: 5_000 },
    );
    await page.keyboard.press('Enter');

    await wb.waitFor(
      "the editor to show '  method: vpt' instead of 'vptt'",
      async () => {
        const lines = await wb.editorLines();
        return lines.includes('  method: vpt') && !lines.includes('  method: vptt');
      },
      async () => `the editor lines ${JSON.stringify(await wb.editorLines())}`,
    );
    await wb.waitFor(
      'the squiggle to go away',
      async () => (await squiggle.count()) === 0,
      async () => `${await squiggle.count()} squiggle(s)`,
    );
    await wb.waitFor(
      `no Problems entry for ${FILE}`,
      async () => !(await wb.problems()).some((r) => r.includes('bad.spt.yaml') || r.includes(MESSAGE)),
      async () => `the Problems rows ${JSON.stringify(await wb.problems())}`,
    );
    await wb.screenshot('ui-quick-fix-fixed');
    // Saved, the file on disk is fixed too.
    await page.keyboard.press('Control+S');
    await wb.waitFor(
      `${FILE} saved with 'method: vpt'`,
      () => /^ {2}method: vpt$/m.test(fs.readFileSync(workspacePath(FILE), 'utf8')),
      () => fs.readFileSync(workspacePath(FILE), 'utf8'),
    );
  });
});
