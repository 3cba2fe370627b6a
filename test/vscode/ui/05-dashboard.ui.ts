/**
 * Scenario 5: the dashboard inside VS Code. "SPT: Open Dashboard" on the run scenario 4 finished shows,
 * inside the webview's frames, non-empty curves, a prototype map and an attention heat map, in the dark
 * and the light theme; a second run opened while it trains shows its curve growing.
 */
import * as assert from 'node:assert/strict';
import type { FrameLocator } from 'playwright-core';
import {
  closeAllEditors,
  dashboardFrame,
  describeRunsTree,
  experimentRows,
  type MetricsInfo,
  dashboardMetrics as metrics,
  ui,
} from './context';
import { isDark, pickTheme, themedScreenshot } from './themes';
import { SEL, type Workbench } from './workbench';

const EXPERIMENT = 'ui-run';
const LIVE = 'ui-live';

interface ChartInfo {
  name: string;
  visible: boolean;
  series: { name: string; points: number }[];
}

/** The charts the dashboard reports through its debug hook (visible ones only). */
async function charts(frame: FrameLocator): Promise<ChartInfo[]> {
  return frame
    .locator('body')
    .evaluate(() => {
      const dbg = (globalThis as { sptDashboardDebug?: { charts(): ChartInfo[] } }).sptDashboardDebug;
      return dbg ? dbg.charts().filter((c) => c.visible) : [];
    })
    .catch(() => []);
}

/** Rows and last step of the (single) loaded run with training rows. */
function liveRows(ms: MetricsInfo[]): { rows: number; lastStep: number } | undefined {
  const m = ms.find((x) => x.loaded && x.train > 0 && x.lastStep !== null);
  return m ? { rows: m.train, lastStep: m.lastStep as number } : undefined;
}

const points = (cs: ChartInfo[], chart: string) =>
  cs.find((c) => c.name.includes(chart))?.series.reduce((n, s) => n + s.points, 0) ?? 0;

/** Picks the run of `experiment` whose row says `status` from "SPT: Open Dashboard"'s quick pick. */
async function openDashboard(wb: Workbench, experiment: string, status: RegExp): Promise<void> {
  await wb.runCommand('SPT: Open Dashboard');
  const row = await wb.waitFor(
    `a ${experiment} run ${status} in the Open Dashboard quick pick`,
    async () => {
      const r = wb.page
        .locator(SEL.quickInputRows)
        .filter({ hasText: experiment })
        .filter({ hasText: status });
      return (await r.first().isVisible()) ? r.first() : undefined;
    },
    () => wb.describeQuickInput(),
    { timeoutMs: 15_000 },
  );
  await row.click();
}

async function selectTab(frame: FrameLocator, tab: string): Promise<void> {
  // A new panel loads its script first (slower while a trainer keeps the cores busy).
  await frame.locator(`#tab-${tab}`).waitFor({ timeout: 45_000 });
  await frame.locator(`#tab-${tab}`).click();
  await frame.locator(`#tab-${tab}[aria-selected="true"]`).waitFor({ timeout: 10_000 });
}

async function waitCharts(wb: Workbench, frame: FrameLocator, chart: string, what: string): Promise<number> {
  return wb.waitFor(
    what,
    async () => {
      const n = points(await charts(frame), chart);
      return n > 0 ? n : undefined;
    },
    async () => `the dashboard's charts ${JSON.stringify(await charts(frame))}`,
    { timeoutMs: 30_000 },
  );
}

describe('UI: the dashboard', () => {
  before(() => closeAllEditors(ui().wb));
  after(async () => {
    await pickTheme(ui().wb, 'Dark Modern').catch(() => {});
    await closeAllEditors(ui().wb);
  });

  it('shows curves, a prototype map and an attention heat map of the finished run, dark and light', async () => {
    const { wb } = ui();
    // Dark first: the workbench starts in Dark Modern; a scenario before may have left another theme. The
    // palette is opened before the dashboard is (a webview still loading swallows F1).
    if (!(await isDark(wb))) await pickTheme(wb, 'Dark Modern');
    // The Problems panel an earlier scenario opened would cover half of the pictures.
    if (
      await wb.page
        .locator('.part.panel')
        .isVisible()
        .catch(() => false)
    )
      await wb.runCommand('View: Hide Panel').catch(() => wb.escape(1));
    await openDashboard(wb, EXPERIMENT, /finished/);
    const frame = dashboardFrame(wb);
    for (const theme of ['Dark Modern', 'Light Modern']) {
      const tag = theme.startsWith('Dark') ? ('dark' as const) : ('light' as const);
      // Light picked through the palette (asserted on the workbench); each shot is checked for its luminance.
      if (tag === 'light') await pickTheme(wb, theme);
      await selectTab(frame, 'curves');
      const curve = await waitCharts(wb, frame, 'curves', `non-empty curves (${tag})`);
      await themedScreenshot(wb, 'ui-dashboard-curves', tag);
      await selectTab(frame, 'prototypes');
      const map = await waitCharts(wb, frame, 'prototype', `a non-empty prototype map (${tag})`);
      await themedScreenshot(wb, 'ui-dashboard-prototypes', tag);
      await selectTab(frame, 'attention');
      await frame
        .locator('.map-canvas[data-drawn="true"]')
        .first()
        .waitFor({ timeout: 30_000 })
        .catch(async () => {
          await wb.screenshot('ui-dashboard-attention-missing');
          assert.fail(
            `no attention heat map was drawn (${tag}); charts ${JSON.stringify(await charts(frame))}`,
          );
        });
      const maps = await frame.locator('.map-canvas[data-drawn="true"]').count();
      await themedScreenshot(wb, 'ui-dashboard-attention', tag);
      console.log(`      ${tag}: curves ${curve} points, prototype map ${map} points, ${maps} heat maps`);
      assert.ok(maps >= 1);
    }
  });

  it("shows a live run's curve growing while it trains", async () => {
    const { wb } = ui();
    await closeAllEditors(wb);
    await wb.openFile(`exp/${LIVE}.spt.yaml`);
    await wb.showViewContainer('SPT', 'Runs');
    await wb.runCommand('SPT: Run Experiment');
    // The quick pick lists runs with a folder: wait until the trainer has made it and is training.
    await wb.waitFor(
      `the ${LIVE} run training in the Runs view`,
      async () => {
        const { runs } = await experimentRows(wb, LIVE);
        return runs.length === 1 && /epoch \d+/.test(runs[0]);
      },
      () => describeRunsTree(wb),
      { timeoutMs: 60_000 },
    );
    await openDashboard(wb, LIVE, /running/);
    const frame = dashboardFrame(wb);
    try {
      await selectTab(frame, 'curves');
      await waitCharts(wb, frame, 'curves', 'the live curve to show its first points');
      // The drawn points are downsampled to the chart's width, so growth is read from the data the
      // curves hold (rows received as live events) and from the last step they reach.
      const first = await wb.waitFor(
        "the live run's metrics in the dashboard",
        async () => liveRows(await metrics(frame)),
        async () => `the dashboard's metrics ${JSON.stringify(await metrics(frame))}`,
        { timeoutMs: 30_000 },
      );
      const grown = await wb.waitFor(
        'the live curve to grow',
        async () => {
          const now = liveRows(await metrics(frame));
          return now && now.rows > first.rows && now.lastStep > first.lastStep ? now : undefined;
        },
        async () =>
          `the curve stayed at ${first.rows} rows (step ${first.lastStep}); ${await describeRunsTree(wb)}`,
        { timeoutMs: 60_000 },
      );
      const drawn = points(await charts(frame), 'curves');
      assert.ok(drawn > 0, 'the grown curve is drawn');
      await wb.screenshot('ui-dashboard-live');
      console.log(
        `      the live curve grew from ${first.rows} rows (step ${first.lastStep}) to ${grown.rows} (step ${grown.lastStep}), ${drawn} points drawn`,
      );
    } finally {
      // The run is long on purpose: stop it so the next scenario starts from a quiet workbench.
      await wb.runCommand('SPT: Stop Run');
      await wb.waitFor(
        `the ${LIVE} run to stop`,
        async () => {
          const label = (await experimentRows(wb, LIVE)).experiment;
          return label && !label.includes('running');
        },
        () => describeRunsTree(wb),
        { timeoutMs: 60_000 },
      );
    }
  });
});
