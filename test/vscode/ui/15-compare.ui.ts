/**
 * Scenario 15 (issue 19, item 3): "SPT: Compare Runs" on three runs of a small sweep over `train.lr` (run
 * folders on disk, each with a real analysis folder copied from the test fixtures: two SPT, one VPT): the
 * curves' legend names the runs and the splits' line styles; the Compare tab's runs table has a column for
 * the swept `train.lr` and the final metrics and sorts by best val accuracy on a click (aria-sort); the
 * sweep plot puts a val and a test point per run against `train.lr` and draws a parallel-coordinates line
 * per run; the attention maps and the prototype maps of the three runs are shown side by side, one panel
 * per run, the attention maps on one colour scale (the colour bar's maximum is the largest of the runs'
 * own maxima).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../harness/code-server';
import { closeAllEditors, describeRunsTree, experimentRows, ui, workspacePath } from './context';
import { writeFinishedRun } from './fake-runs';
import { screenshotBothThemes } from './themes';
import { SEL } from './workbench';

const EXPERIMENT = 'ui-cmp';
const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'runs');
const DATA_ROOT = path.join(FIXTURES, 'data');
const SPT_ANALYSIS = path.join(FIXTURES, 'default-spt-mean-s0', '20261127-015813', 'analysis');
const VPT_ANALYSIS = path.join(FIXTURES, 'default-vpt-s0', '20261127-015356', 'analysis');
const RUNS = [
  { stamp: '20261203-100000', lr: '0.1', valAcc: 0.55, analysis: SPT_ANALYSIS },
  { stamp: '20261203-110000', lr: '0.01', valAcc: 0.85, analysis: VPT_ANALYSIS },
  { stamp: '20261203-120000', lr: '0.001', valAcc: 0.7, analysis: SPT_ANALYSIS },
];

interface DebugChart {
  name: string;
  series: { name: string; points: number }[];
  xAxis: { name?: string } | null;
}

describe('UI: Compare Runs', () => {
  before(() => closeAllEditors(ui().wb));
  after(() => closeAllEditors(ui().wb));

  it('keys runs and splits in the legend, sorts the runs table, plots the sweep and shows the runs’ maps side by side', async () => {
    const { wb, page } = ui();
    for (const [i, r] of RUNS.entries()) {
      const dir = writeFinishedRun(workspacePath(path.join('runs', EXPERIMENT, r.stamp)), {
        name: EXPERIMENT,
        seed: i,
        valAcc: r.valAcc,
        testAcc: r.valAcc - 0.05,
        // The fixtures' data folder holds the probe images the analyses name (drawn under the maps).
        config: `data:\n  format: vtab\n  root: ${JSON.stringify(DATA_ROOT)}\n  val: val200.txt\n  num_classes: 10\ntrain:\n  epochs: 2\n  lr: ${r.lr}\n`,
      });
      fs.cpSync(r.analysis, path.join(dir, 'analysis'), { recursive: true });
    }
    await wb.showViewContainer('SPT', 'Runs');
    await wb.runCommand('SPT: Refresh Runs');
    // Compare Runs lists the runs discovery has found: wait until the Runs view shows all three.
    await wb.waitFor(
      `the three ${EXPERIMENT} runs in the Runs view`,
      async () => (await experimentRows(wb, EXPERIMENT)).runs.length === 3,
      () => describeRunsTree(wb),
      { timeoutMs: 15_000 },
    );
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

    // The sweep plot: a best-val and a test point per run against train.lr.
    const sweep = await wb.waitFor(
      'the sweep plot with a point per run',
      async () => {
        const c = await frame
          .locator('body')
          .evaluate(() =>
            (globalThis as { sptDashboardDebug?: { charts(): DebugChart[] } }).sptDashboardDebug
              ?.charts()
              .find((x) => x.name === 'sweep-scatter'),
          )
          .catch(() => undefined);
        return c?.series.find((x) => x.name === 'best val acc')?.points === 3 ? c : undefined;
      },
      async () => 'no sweep plot with three val points',
      { timeoutMs: 15_000 },
    );
    assert.equal(sweep.xAxis?.name, 'train.lr', JSON.stringify(sweep));
    assert.equal(sweep.series.find((x) => x.name === 'test acc')?.points, 3, JSON.stringify(sweep));
    // Parallel coordinates: a line per run over train.lr, seed and the two accuracies.
    const parallel = await frame
      .locator('body')
      .evaluate(() =>
        (globalThis as { sptDashboardDebug?: { charts(): DebugChart[] } }).sptDashboardDebug
          ?.charts()
          .find((x) => x.name === 'sweep-parallel'),
      );
    assert.equal(parallel?.series.length, 3, JSON.stringify(parallel));
    assert.ok(
      parallel?.series.every((x) => x.points === 1),
      `one line per run: ${JSON.stringify(parallel)}`,
    );
    await screenshotBothThemes(wb, 'ui-compare-sweep', async () => {
      await frame.locator('.card-sweep').scrollIntoViewIfNeeded();
    });

    // Side by side: one attention panel and one prototype map per run, one colour scale per row.
    const cls = frame.locator('.side-attention .side-row[data-kind="clsToPatch"]');
    await cls.locator('canvas.side-canvas').nth(2).waitFor({ timeout: 30_000 });
    const runDirs = await cls
      .locator('figure.side-map')
      .evaluateAll((fs) => fs.map((f) => f.getAttribute('data-run')));
    assert.deepEqual(
      runDirs.map((d) => path.basename(d ?? '')).sort(),
      RUNS.map((r) => r.stamp).sort(),
      'one attention panel per run',
    );
    const ownMax = (
      await cls.locator('figure.side-map').evaluateAll((fs) => fs.map((f) => f.getAttribute('data-max')))
    ).map(Number);
    assert.equal(await cls.locator('.colourbar-block').count(), 1, 'one colour bar for the row');
    const barMax = Number(await cls.locator('.colourbar-block').getAttribute('data-max'));
    assert.equal(barMax, Math.max(...ownMax), `the colour bar spans every run's map: ${ownMax} vs ${barMax}`);
    assert.ok(new Set(ownMax).size > 1, `the SPT and VPT maps differ: ${ownMax}`);
    await frame.locator('.side-prototypes .side-proto .chart-side').nth(2).waitFor({ timeout: 15_000 });
    assert.equal(await frame.locator('.side-prototypes .side-proto .chart-side').count(), 3);
    await screenshotBothThemes(wb, 'ui-compare-side-by-side', async () => {
      await frame.locator('.card-side-attention').scrollIntoViewIfNeeded();
      await frame.locator('.card-side-attention canvas.side-canvas').first().waitFor();
    });
  });
});
