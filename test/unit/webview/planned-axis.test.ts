/** The live curve's x-axis runs to the planned steps (or epochs) and names them with the ETA (issue 19, item 4). */
import * as assert from 'node:assert/strict';
import type { DashboardRun } from '../../../src/shared/webview-contract';
import { axisName, extendToPlan, plannedEnd } from '../../../webview-ui/src/lib/planned-axis';

const run = (o: Partial<DashboardRun>): DashboardRun =>
  ({ status: 'running', epochs: 10, ...o }) as DashboardRun;

describe('planned x-axis', () => {
  it('takes the largest plan of the live runs, per x kind', () => {
    const runs = [
      run({ totalSteps: 250 }),
      run({ totalSteps: 400, status: 'finished' }),
      run({ totalSteps: 100, epochs: 20 }),
    ];
    assert.equal(plannedEnd(runs, 'step'), 250);
    assert.equal(plannedEnd(runs, 'epoch'), 20);
    assert.equal(plannedEnd([run({ status: 'finished', totalSteps: 9 })], 'step'), null);
    assert.equal(plannedEnd([run({ totalSteps: null })], 'step'), null);
  });

  it('extends the range to the plan, never shrinks it', () => {
    assert.deepEqual(extendToPlan({ min: 1, max: 75 }, 250), { min: 1, max: 250 });
    assert.deepEqual(extendToPlan({ min: 1, max: 300 }, 250), { min: 1, max: 300 });
    assert.deepEqual(extendToPlan({ min: 1, max: 75 }, null), { min: 1, max: 75 });
    assert.equal(extendToPlan(null, 250), null);
  });

  it('names the axis with the plan and the ETA of the progress wording', () => {
    const live = run({ totalSteps: 250, progress: 'epoch 3/10 · step 75/250 · 41 img/s · ETA 2 min' });
    assert.equal(axisName([live], 'step'), 'step · planned 250 · ETA 2 min');
    assert.equal(axisName([live], 'epoch'), 'epoch · planned 10 · ETA 2 min');
    assert.equal(axisName([run({ status: 'finished' })], 'step'), 'step');
  });
});
