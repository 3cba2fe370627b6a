/**
 * Scenario 16 (issue 19, item 5; last, so that its sweep does not sit above the runs the other scenarios read): "SPT: Run Sweep" on a two-setting sweep of a tiny experiment, run
 * locally: the sweep appears in the Runs view and its runs show their epochs moving while they train
 * (the sweep's run events, `spt sweep --events`), run by run, until the sweep says every run finished;
 * then "Compare Sweep Runs" from the sweep row's context menu opens the dashboard on both runs' curves.
 */
import * as assert from 'node:assert/strict';
import type { Locator } from 'playwright-core';
import {
  closeAllEditors,
  dashboardFrame,
  dashboardMetrics,
  describeRunsTree,
  epochOf,
  runsTree,
  ui,
} from './context';
import { sleep, type Workbench } from './workbench';

const SWEEP = 'ui-sweep';
const FILE = `exp/${SWEEP}.sweep.yaml`;

/** The sweep's row and its runs' rows (level 2: one task). */
async function sweepRows(wb: Workbench): Promise<{ sweep?: string; runs: string[] }> {
  const rows = await runsTree(wb);
  const at = rows.findIndex((r) => r.level === 1 && r.label.startsWith(`${SWEEP} `));
  if (at < 0) return { runs: [] };
  const runs: string[] = [];
  for (let i = at + 1; i < rows.length && rows[i].level > 1; i++)
    if (rows[i].level === 2 && !rows[i].label.startsWith('results.md')) runs.push(rows[i].label);
  return { sweep: rows[at].label, runs };
}

async function sweepRow(wb: Workbench): Promise<Locator> {
  const pane = wb.viewPane('Runs');
  const index = await wb.waitFor(
    `the row of sweep ${SWEEP}`,
    () =>
      pane.locator('.pane-body .monaco-list-row').evaluateAll((els, sweep) => {
        const row = els.find(
          (e) =>
            e.getAttribute('aria-level') === '1' &&
            (e.getAttribute('aria-label') ?? '').startsWith(`${sweep} `),
        );
        return row?.getAttribute('data-index') ?? undefined;
      }, SWEEP),
    () => describeRunsTree(wb),
    { timeoutMs: 10_000 },
  );
  return pane.locator(`.pane-body .monaco-list-row[data-index="${index}"]`);
}

describe('UI: SPT: Run Sweep and Compare Sweep Runs', () => {
  before(() => closeAllEditors(ui().wb));

  it('shows the sweep and its runs live in the Runs view, then compares them in the dashboard', async function () {
    this.timeout(240_000);
    const { wb } = ui();
    await wb.openFile(FILE);
    await wb.showViewContainer('SPT', 'Runs');
    await wb.runCommand('SPT: Run Sweep');
    const local = await wb.waitFor(
      'the Local choice of Run Sweep',
      () => wb.quickInputRow('Local'),
      () => wb.describeQuickInput(),
      { timeoutMs: 15_000 },
    );
    await local.click();
    const t0 = Date.now();

    // The sweep's row appears as soon as its sweep.json is written; open it to see its runs.
    await wb.waitFor(
      `the sweep ${SWEEP} in the Runs view`,
      async () => (await sweepRows(wb)).sweep,
      () => describeRunsTree(wb),
      { timeoutMs: 30_000 },
    );
    let expanded = false;

    // Watch the sweep until every run finished, remembering the epochs its runs showed while training.
    const progress = new Map<string, number[]>();
    const seen = new Set<string>();
    let done: string | undefined;
    let shot = false;
    while (!done) {
      const { sweep, runs } = await sweepRows(wb);
      if (!expanded && sweep && runs.length === 0) {
        await (await sweepRow(wb)).click();
        expanded = true;
        continue;
      }
      for (const row of runs) {
        seen.add(row);
        if (/ failed/.test(row)) assert.fail(`a sweep run failed: ${row}`);
        const e = epochOf(row);
        const name = row.split(' ')[0];
        if (e && e[0] < e[1]) {
          const seen = progress.get(name) ?? [];
          if (seen[seen.length - 1] !== e[0]) progress.set(name, [...seen, e[0]]);
          if (!shot) {
            shot = true;
            await wb.screenshot('ui-sweep-running');
          }
        }
      }
      if (sweep && /2 of 2 finished/.test(sweep) && runs.length === 2) done = sweep;
      if (Date.now() - t0 > 180_000)
        assert.fail(`the sweep did not finish within 180 s; ${await describeRunsTree(wb)}`);
      await sleep(100);
    }
    console.log(`      finished after ${((Date.now() - t0) / 1000).toFixed(1)} s: ${done}`);
    console.log(`      epochs seen while training: ${JSON.stringify(Object.fromEntries(progress))}`);
    assert.ok(
      [...progress.values()].some((epochs) => epochs.length >= 2),
      `no sweep run showed its epochs moving in the Runs view: ${JSON.stringify(Object.fromEntries(progress))}; rows seen ${JSON.stringify([...seen].slice(0, 12))}`,
    );
    await wb.screenshot('ui-sweep-finished');

    await wb.contextMenu(await sweepRow(wb), 'Compare Sweep Runs');
    const frame = dashboardFrame(wb);
    const loaded = await wb.waitFor(
      'the dashboard to compare both sweep runs with their curves',
      async () => {
        const ms = (await dashboardMetrics(frame)).filter((m) => m.loaded && m.train > 0);
        return ms.length === 2 ? ms : undefined;
      },
      async () => `the dashboard holds ${JSON.stringify(await dashboardMetrics(frame))}`,
      { timeoutMs: 30_000 },
    );
    assert.equal(new Set(loaded.map((m) => m.runDir)).size, 2);
    assert.ok(
      loaded.every((m) => m.runDir.includes(`${SWEEP}`)),
      JSON.stringify(loaded),
    );
    await wb.screenshot('ui-sweep-compare');
  });
});
