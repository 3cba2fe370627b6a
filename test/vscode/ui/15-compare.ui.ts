/**
 * Scenario 15 (issue 19, item 3, in part): "SPT: Compare Runs" on three runs of a small sweep over
 * `train.lr` (run folders on disk): the curves' legend names the runs and the splits' line styles, and the
 * Compare tab's runs table has a column for the swept `train.lr` and the final metrics, sorts by best val
 * accuracy on a click (aria-sort) and exports its rows as CSV in that order.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { closeAllEditors, ui, workspacePath } from './context';
import { writeFinishedRun } from './fake-runs';
import { screenshotBothThemes } from './themes';
import { SEL } from './workbench';

const EXPERIMENT = 'ui-cmp';
const RUNS = [
  { stamp: '20261203-100000', lr: '0.1', valAcc: 0.55 },
  { stamp: '20261203-110000', lr: '0.01', valAcc: 0.85 },
  { stamp: '20261203-120000', lr: '0.001', valAcc: 0.7 },
];

describe('UI: Compare Runs', () => {
  before(() => closeAllEditors(ui().wb));
  after(() => closeAllEditors(ui().wb));

  it('keys runs and splits in the legend and sorts the runs table by a metric', async () => {
    const { wb, page } = ui();
    for (const [i, r] of RUNS.entries())
      writeFinishedRun(workspacePath(path.join('runs', EXPERIMENT, r.stamp)), {
        name: EXPERIMENT,
        seed: i,
        valAcc: r.valAcc,
        testAcc: r.valAcc - 0.05,
        config: `train:\n  epochs: 2\n  lr: ${r.lr}\n`,
      });
    await wb.showViewContainer('SPT', 'Runs');
    await wb.runCommand('SPT: Refresh Runs');
    await wb.runCommand('SPT: Compare Runs');
    await page.locator(SEL.quickInputBox).fill(EXPERIMENT);
    await wb.waitFor(
      `the three ${EXPERIMENT} runs in the quick pick`,
      async () => (await wb.quickInputRows()).filter((r) => r.includes(EXPERIMENT)).length === 3,
      () => wb.describeQuickInput(),
      { timeoutMs: 15_000 },
    );
    // A multi-select quick pick: a click on a row ticks it.
    for (let i = 0; i < 3; i++)
      await page.locator(SEL.quickInputRows).filter({ hasText: EXPERIMENT }).nth(i).click();
    await wb.waitFor(
      'three runs ticked',
      async () => (await page.locator('.quick-input-widget .quick-input-count').textContent())?.includes('3'),
      () => wb.describeQuickInput(),
    );
    await page.keyboard.press('Enter');
    const frame = page.frameLocator('iframe.webview.ready').last().frameLocator('iframe#active-frame');
    await frame.locator('#tab-curves').waitFor({ timeout: 45_000 });
    const legend = await wb.waitFor(
      'the compare curves with split keys in the legend',
      async () => {
        const names = await frame
          .locator('body')
          .evaluate(() => {
            const dbg = (
              globalThis as {
                sptDashboardDebug?: { charts(): { name: string; series: { name: string }[] }[] };
              }
            ).sptDashboardDebug;
            return (
              dbg
                ?.charts()
                .find((c) => c.name === 'curves')
                ?.series.map((x) => x.name) ?? []
            );
          })
          .catch(() => [] as string[]);
        return names.includes('train (solid)') && names.includes('val (dashed)') ? names : undefined;
      },
      async () => 'no such legend',
      { timeoutMs: 30_000 },
    );
    assert.equal(new Set(legend.filter((n) => n.startsWith(EXPERIMENT))).size, 3, JSON.stringify(legend));

    await frame.locator('#tab-summary').click();
    const table = frame.locator('.view-summary .runs-table');
    await table.waitFor({ timeout: 15_000 });
    const headers = await table.locator('thead th').allTextContents();
    assert.ok(
      headers.some((h) => h.includes('train.lr')),
      `no train.lr column: ${JSON.stringify(headers)}`,
    );
    await table.locator('.sort-button', { hasText: /^best val acc/ }).click();
    await table.locator('th[aria-sort="descending"]').waitFor({ timeout: 5_000 });
    const lrs = await table.locator('tbody tr').evaluateAll(
      (trs, col) => trs.map((tr) => tr.children[col]?.textContent),
      headers.findIndex((h) => h.includes('train.lr')),
    );
    assert.deepEqual(lrs, ['0.01', '0.001', '0.1'], 'rows by best val acc, highest first');
    await screenshotBothThemes(wb, 'ui-compare');
  });
});
