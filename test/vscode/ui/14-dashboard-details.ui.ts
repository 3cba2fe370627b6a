/**
 * Scenario 14 (issue 19, item 4): the dashboard's attention view inside VS Code names its colour bar with
 * a unit, shows the plain probe image next to the maps, and says how many classes of how many the probe
 * set shows (one image per class). It trains `train-tiny` (2 epochs, seconds) when no finished run of it
 * exists yet, opens its dashboard from the palette and reads the webview's frames. (The live curve's
 * x-axis to the planned steps with the ETA is asserted by scenario 12 on a live run.)
 */
import * as assert from 'node:assert/strict';
import { closeAllEditors, openFinishedRunDashboard, ui } from './context';
import { screenshotBothThemes } from './themes';

const EXPERIMENT = 'train-tiny';

describe('UI: dashboard details', () => {
  before(() => closeAllEditors(ui().wb));
  after(() => closeAllEditors(ui().wb));

  it('names the attention colour bar with its unit, shows the plain probe image and the probe coverage', async () => {
    const { wb } = ui();
    const frame = await openFinishedRunDashboard(wb, EXPERIMENT);
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
