/**
 * Scenario 12 (issue 19, item 1): one progress truth. While `ui-progress` trains, the status bar (one
 * SPT entry, naming the run once), the Runs view's row, the editor's CodeLens (updating live), the run
 * notification and the dashboard's header all show the one wording `epoch k/N · step s/T · R img/s ·
 * ETA …`, with epochs completed; the CodeLens moves while the run trains. Then the run is stopped.
 */
import * as assert from 'node:assert/strict';
import { closeAllEditors, describeRunsTree, experimentRows, ui } from './context';
import { screenshotBothThemes } from './themes';
import { SEL, sleep } from './workbench';

const EXPERIMENT = 'ui-progress';
const FILE = `exp/${EXPERIMENT}.spt.yaml`;
const WORDING = /epoch (\d+)\/(\d+) · step (\d+)\/(\d+) · [\d.]+ img\/s(?: · ETA \d+(?: h \d+)? (?:s|min))?/;

describe('UI: one progress truth', () => {
  before(() => closeAllEditors(ui().wb));
  after(() => closeAllEditors(ui().wb));

  it('shows the same progress wording in the status bar, the Runs view, the CodeLens, the notification and the dashboard', async () => {
    const { wb, page } = ui();
    await wb.openFile(FILE);
    await wb.showViewContainer('SPT', 'Runs');
    await wb.runCommand('SPT: Run Experiment');
    const seen = {
      status: new Set<string>(),
      row: new Set<string>(),
      lens: new Set<string>(),
      note: new Set<string>(),
    };
    const lensTexts = () => wb.texts(`${SEL.editor} .codelens-decoration`);
    const deadline = Date.now() + 60_000;
    // Sample until every place has shown the wording and the CodeLens has moved at least twice.
    while (!(seen.status.size && seen.row.size && seen.lens.size >= 2 && seen.note.size)) {
      if (Date.now() > deadline)
        assert.fail(
          `not every place showed the progress wording within 60 s: ${JSON.stringify(
            Object.fromEntries(Object.entries(seen).map(([k, v]) => [k, [...v].slice(-3)])),
          )}; ${await describeRunsTree(wb)}`,
        );
      const bar = (await wb.statusBarTexts()).filter((t) => t.includes(EXPERIMENT) || /^SPT:/.test(t));
      assert.ok(bar.length <= 1, `the status bar shows the run more than once: ${JSON.stringify(bar)}`);
      const add = (set: Set<string>, t: string | undefined) => {
        const m = t && WORDING.exec(t);
        if (m) set.add(m[0]);
      };
      add(seen.status, bar[0]);
      add(seen.row, (await experimentRows(wb, EXPERIMENT)).runs[0]);
      add(
        seen.lens,
        (await lensTexts()).find((t) => t.includes('latest run')),
      );
      add(
        seen.note,
        (await wb.notifications()).find((t) => t.includes(EXPERIMENT)),
      );
      await sleep(200);
    }
    console.log(
      `      ${Object.entries(seen)
        .map(([k, v]) => `${k}: ${[...v].slice(-1)[0]}`)
        .join('; ')}`,
    );
    // Epochs completed, the same total everywhere.
    const totals = new Set(
      Object.values(seen).flatMap((v) => [...v].map((t) => (WORDING.exec(t) as RegExpExecArray)[2])),
    );
    assert.deepEqual([...totals], ['20000']);
    // The notification closed once training was under way: the status bar item is the run's only entry.
    await wb.waitFor(
      'the run notification to close',
      async () => !(await wb.notifications()).some((t) => t.includes(`running ${EXPERIMENT}`)),
      async () => `the notifications ${JSON.stringify(await wb.notifications())}`,
      { timeoutMs: 10_000 },
    );

    // The dashboard's header.
    await wb.runCommand('SPT: Open Dashboard');
    const pick = await wb.waitFor(
      `the running ${EXPERIMENT} in the Open Dashboard quick pick`,
      async () => {
        const r = page.locator(SEL.quickInputRows).filter({ hasText: EXPERIMENT }).first();
        return (await r.isVisible()) ? r : undefined;
      },
      () => wb.describeQuickInput(),
      { timeoutMs: 15_000 },
    );
    await pick.click();
    const frame = page.frameLocator('iframe.webview.ready').last().frameLocator('iframe#active-frame');
    const header = await wb.waitFor(
      'the dashboard header to show the progress wording',
      async () => {
        const t = await frame
          .locator('.meta .progress')
          .first()
          .textContent({ timeout: 1000 })
          .catch(() => null);
        return t && WORDING.test(t) ? t : undefined;
      },
      async () =>
        `the dashboard header ${JSON.stringify(
          await frame
            .locator('.meta')
            .allTextContents()
            .catch(() => []),
        )}`,
      { timeoutMs: 30_000 },
    );
    console.log(`      dashboard: ${header}`);
    // The live curve's x-axis runs to the planned steps and names them with the ETA.
    const axis = await wb.waitFor(
      'the live curve x-axis to the planned 20000 steps',
      async () => {
        const x = await frame
          .locator('body')
          .evaluate(() => {
            const dbg = (
              globalThis as {
                sptDashboardDebug?: {
                  charts(): { name: string; xAxis: { name?: string; max?: number } | null }[];
                };
              }
            ).sptDashboardDebug;
            return dbg?.charts().find((c) => c.name === 'curves')?.xAxis ?? null;
          })
          .catch(() => null);
        return x && x.max === 20_000 && /^step · planned 20000 · ETA /.test(x.name ?? '') ? x : undefined;
      },
      async () => 'no such x-axis',
      { timeoutMs: 30_000 },
    );
    console.log(`      live x-axis: ${JSON.stringify(axis)}`);
    await screenshotBothThemes(wb, 'ui-progress');

    await wb.runCommand('SPT: Stop Run');
    await wb.waitFor(
      `the ${EXPERIMENT} run to stop`,
      async () => / stopped/.test((await experimentRows(wb, EXPERIMENT)).runs[0] ?? ''),
      () => describeRunsTree(wb),
      // The trainer saves a resumable checkpoint first; on a loaded 2-core machine that has taken over 30 s.
      { timeoutMs: 60_000 },
    );
  });
});
