/**
 * Scenario 17 (issue 19, item 4): the dashboard's System tab inside VS Code. It trains `ui-run` (40
 * epochs of one step, seconds) when scenario 4 left no finished run of it, opens its dashboard from the
 * palette, shows the System tab and reads the webview's frames: a throughput chart (img/s) and a memory chart (MiB), each with
 * series of more than 0 points, axis titles with their units, against step and against wall-clock time.
 * Screenshots `ui-dashboard-system-dark.png` / `-light.png` (their luminance checked).
 */
import * as assert from 'node:assert/strict';
import type { FrameLocator } from 'playwright-core';
import { closeAllEditors, openFinishedRunDashboard, ui } from './context';
import { screenshotBothThemes } from './themes';

// Scenario 4's 40-step run (trained here when that scenario did not run: 40 epochs of one step, seconds).
const EXPERIMENT = 'ui-run';

interface SystemChart {
  name: string;
  series: { id: string; points: number }[];
  xAxis: { name?: string } | null;
  yAxis: { name?: string } | null;
}

async function systemCharts(frame: FrameLocator): Promise<SystemChart[]> {
  return frame
    .locator('body')
    .evaluate(() => {
      const dbg = (
        globalThis as {
          sptDashboardDebug?: { charts(): (SystemChart & { visible: boolean })[] };
        }
      ).sptDashboardDebug;
      return dbg ? dbg.charts().filter((c) => c.visible && c.name.startsWith('system-')) : [];
    })
    .catch(() => []);
}

const points = (cs: SystemChart[], chart: string, suffix: string) =>
  cs.find((c) => c.name === chart)?.series.find((s) => s.id.endsWith(suffix))?.points ?? 0;

describe('UI: dashboard system panel', () => {
  before(() => closeAllEditors(ui().wb));
  after(() => closeAllEditors(ui().wb));

  it('shows throughput (img/s) and memory (MiB) series of a trained run, against step and time', async () => {
    const { wb } = ui();
    const frame = await openFinishedRunDashboard(wb, EXPERIMENT);
    await frame.locator('#tab-system').waitFor({ timeout: 45_000 });
    await frame.locator('#tab-system').click();
    for (const x of ['step', 'time'] as const) {
      if (x === 'time') await frame.locator('.view-system [role=radio]:text-is("Time")').click();
      const xName = x === 'step' ? 'step' : 'wall-clock time since the first step (min:s)';
      const charts = await wb.waitFor(
        `the System tab's throughput and memory series against ${x}`,
        async () => {
          const cs = await systemCharts(frame);
          const ready =
            cs.length === 2 &&
            points(cs, 'system-throughput', '|train') > 0 &&
            points(cs, 'system-memory', '|rss_mb') > 0 &&
            points(cs, 'system-memory', '|tensor_mb') > 0 &&
            cs.every((c) => c.xAxis?.name === xName);
          return ready ? cs : undefined;
        },
        async () => `the System tab's charts ${JSON.stringify(await systemCharts(frame))}`,
        { timeoutMs: 30_000 },
      );
      const y = (name: string) => charts.find((c) => c.name === name)?.yAxis?.name;
      assert.equal(y('system-throughput'), 'throughput (img/s)');
      assert.equal(y('system-memory'), 'memory (MiB)');
      assert.ok(points(charts, 'system-throughput', '|val') > 0, JSON.stringify(charts));
      console.log(
        `      against ${x}: train img/s ${points(charts, 'system-throughput', '|train')} points, rss ${points(charts, 'system-memory', '|rss_mb')}, tensors ${points(charts, 'system-memory', '|tensor_mb')}`,
      );
    }
    await frame.locator('.view-system [role=radio]:text-is("Step")').click();
    await screenshotBothThemes(wb, 'ui-dashboard-system');
  });
});
