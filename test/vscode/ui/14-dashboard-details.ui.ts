/**
 * Scenario 14 (issue 19, item 4): the dashboard's attention view inside VS Code names its colour bar with
 * a unit, shows the plain probe image next to the maps, and says how many classes of how many the probe
 * set shows (one image per class). It trains `train-tiny` (2 epochs, seconds) when no finished run of it
 * exists yet, opens its dashboard from the palette and reads the webview's frames. (The live curve's
 * x-axis to the planned steps with the ETA is asserted by scenario 12 on a live run.)
 */
import * as assert from 'node:assert/strict';
import { closeAllEditors, describeRunsTree, experimentRows, ui } from './context';
import { screenshotBothThemes } from './themes';
import { SEL } from './workbench';

const EXPERIMENT = 'train-tiny';

describe('UI: dashboard details', () => {
  before(() => closeAllEditors(ui().wb));
  after(() => closeAllEditors(ui().wb));

  it('names the attention colour bar with its unit, shows the plain probe image and the probe coverage', async () => {
    const { wb, page } = ui();
    await wb.showViewContainer('SPT', 'Runs');
    const finished = async () => (await experimentRows(wb, EXPERIMENT)).runs.some((r) => / finished/.test(r));
    if (!(await finished())) {
      await wb.openFile(`exp/${EXPERIMENT}.spt.yaml`);
      await wb.runCommand('SPT: Run Experiment');
      await wb.waitFor(`a finished ${EXPERIMENT} run`, finished, () => describeRunsTree(wb), {
        timeoutMs: 90_000,
      });
    }
    await wb.runCommand('SPT: Open Dashboard');
    const row = await wb.waitFor(
      `a finished ${EXPERIMENT} run in the Open Dashboard quick pick`,
      async () => {
        const r = page
          .locator(SEL.quickInputRows)
          .filter({ hasText: EXPERIMENT })
          .filter({ hasText: /finished/ });
        return (await r.first().isVisible()) ? r.first() : undefined;
      },
      () => wb.describeQuickInput(),
      { timeoutMs: 15_000 },
    );
    await row.click();
    const frame = page.frameLocator('iframe.webview.ready').last().frameLocator('iframe#active-frame');
    await frame.locator('#tab-attention').waitFor({ timeout: 45_000 });
    await frame.locator('#tab-attention').click();
    await frame
      .locator('.view-attention .map-canvas[data-drawn="true"]')
      .first()
      .waitFor({ timeout: 30_000 });
    const unit = await frame.locator('.view-attention .colourbar-name').first().textContent();
    assert.match(unit ?? '', /^attention weight \(share of the query’s softmax, 0–1\)$/);
    await frame.locator('.view-attention .plain-canvas[data-drawn="true"]').waitFor({ timeout: 10_000 });
    const coverage = (await frame.locator('.view-attention .probe-coverage').textContent()) ?? '';
    // The parity fixture's experiment has 5 classes.
    assert.match(
      coverage,
      /^\d+ probe images?(, one per class: \d+ of 5 classes| of \d+ of 5 classes)$/,
      coverage,
    );
    console.log(`      ${coverage}`);
    await screenshotBothThemes(wb, 'ui-dashboard-attention-details');
  });
});
