/**
 * Scenario 4: "SPT: Run Experiment" from the command palette on a tiny experiment (40 epochs, about
 * 10 s): the run appears in the SPT side bar's Runs view, its epoch counter moves, it ends as
 * finished; the status bar shows the run while it trains and drops it afterwards.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import {
  closeAllEditors,
  describeRunsTree,
  epochOf,
  experimentRows,
  runStatusItem,
  ui,
  workspacePath,
} from './context';
import { sleep } from './workbench';

const EXPERIMENT = 'ui-run';
const FILE = `exp/${EXPERIMENT}.spt.yaml`;

describe('UI: SPT: Run Experiment', () => {
  before(() => closeAllEditors(ui().wb));

  it('shows the run in the Runs view and the status bar until it finishes', async () => {
    const { wb } = ui();
    const epochs = Number(/^ {2}epochs: (\d+)$/m.exec(fs.readFileSync(workspacePath(FILE), 'utf8'))?.[1]);
    assert.ok(epochs > 1, `${FILE} has no train.epochs`);
    await wb.openFile(FILE);
    await wb.showViewContainer('SPT', 'Runs');
    await wb.runCommand('SPT: Run Experiment');
    const t0 = Date.now();

    await wb.waitFor(
      `the Runs view to show a running ${EXPERIMENT}`,
      async () => (await experimentRows(wb, EXPERIMENT)).experiment?.includes('1 running'),
      () => describeRunsTree(wb),
      { timeoutMs: 30_000 },
    );

    // Watch until the run row says finished, remembering what the view and the status bar showed.
    const rowEpochs: number[] = [];
    const statusTexts: string[] = [];
    let finishedRow: string | undefined;
    let shot = false;
    while (!finishedRow) {
      const { runs } = await experimentRows(wb, EXPERIMENT);
      assert.ok(runs.length <= 1, `one run of ${EXPERIMENT} expected: ${JSON.stringify(runs)}`);
      const row = runs[0];
      if (row && / failed/.test(row)) assert.fail(`the run failed: ${row}`);
      if (row && / finished/.test(row)) finishedRow = row;
      const e = epochOf(row);
      if (e && rowEpochs[rowEpochs.length - 1] !== e[0]) rowEpochs.push(e[0]);
      const status = await runStatusItem(wb, EXPERIMENT);
      if (status && statusTexts[statusTexts.length - 1] !== status) statusTexts.push(status);
      if (!shot && e && status) {
        shot = true;
        await wb.screenshot('ui-run-running');
      }
      if (Date.now() - t0 > 90_000)
        assert.fail(`the run did not finish within 90 s; ${await describeRunsTree(wb)}`);
      await sleep(100);
    }
    console.log(`      finished after ${((Date.now() - t0) / 1000).toFixed(1)} s: ${finishedRow}`);
    console.log(`      the Runs view showed epochs ${rowEpochs.join(', ')}`);
    const shown =
      statusTexts.length > 4
        ? [...statusTexts.slice(0, 3), '...', statusTexts[statusTexts.length - 1]]
        : statusTexts;
    console.log(`      the status bar showed ${statusTexts.length} texts: ${JSON.stringify(shown)}`);

    assert.ok(
      statusTexts.some((t) => t.includes(`/${epochs}`)),
      `the status bar never showed the run: ${JSON.stringify(statusTexts)}`,
    );
    assert.ok(
      rowEpochs.length >= 2,
      `the Runs view showed the epoch counter ${rowEpochs.length ? `only at ${rowEpochs.join(', ')}` : 'never'}; progress was not visible`,
    );
    assert.deepEqual(
      rowEpochs,
      [...rowEpochs].sort((a, b) => a - b),
      `the epoch counter went backwards: ${rowEpochs.join(', ')}`,
    );
    // Finished: the experiment no longer counts a running run, and the status bar drops the item.
    await wb.waitFor(
      `the ${EXPERIMENT} row without "running"`,
      async () => {
        const label = (await experimentRows(wb, EXPERIMENT)).experiment;
        return label && !label.includes('running');
      },
      () => describeRunsTree(wb),
    );
    await wb.waitFor(
      'the status bar to drop the finished run',
      async () => !(await runStatusItem(wb, EXPERIMENT)),
      async () => `the status bar ${JSON.stringify(await wb.statusBarTexts())}`,
      { timeoutMs: 10_000 },
    );
    await wb.screenshot('ui-run-finished');
  });
});
