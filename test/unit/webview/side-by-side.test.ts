/** Compare's side-by-side maps (issue 19, item 3): runs shown, common layer/epoch, one colour scale, probes. */
import * as assert from 'node:assert/strict';
import type { AnalysisIndex } from '../../../src/shared/analysis-contract';
import {
  commonChoice,
  probeMismatch,
  sharedRange,
  sideBySideRuns,
} from '../../../webview-ui/src/lib/side-by-side';

const index = (epochs: number[], layers: number[], depth = 4): AnalysisIndex =>
  ({
    version: 1,
    model: { depth },
    epochs: epochs.map((epoch) => ({
      epoch,
      file: '',
      sidecar: '',
      createdAt: '',
      layers: layers.map((layer) => ({ layer })),
    })),
  }) as unknown as AnalysisIndex;

describe('compare side-by-side maps', () => {
  it('shows at most four runs and counts the rest', () => {
    assert.deepEqual(sideBySideRuns([1, 2, 3]), { shown: [1, 2, 3], more: 0 });
    assert.deepEqual(sideBySideRuns([1, 2, 3, 4, 5, 6]), { shown: [1, 2, 3, 4], more: 2 });
  });

  it('picks a layer and epoch every analysed run has, leaving runs without analysis out', () => {
    const c = commonChoice([index([0, 5, 10], [0, 1, 2, 3]), null, index([0, 10], [0, 2])], 1, null);
    assert.deepEqual(c, { layers: [0, 2], epochs: [0, 10], layer: 0, epoch: 10 });
    assert.equal(commonChoice([index([0, 5, 10], [0, 1, 2, 3]), index([0, 5], [0, 1])], 1, 5)?.epoch, 5);
    assert.equal(commonChoice([index([0, 5, 10], [0, 1, 2, 3]), index([0, 5], [0, 1])], 3, null)?.layer, 1);
  });

  it('is null when no run has an analysis or the runs share no epoch', () => {
    assert.equal(commonChoice([null, null], 0, null), null);
    assert.equal(commonChoice([index([1], [0]), index([2], [0])], 0, null), null);
  });

  it('takes one colour range over all the maps (NaN and missing maps ignored)', () => {
    assert.deepEqual(sharedRange([[0.1, 0.2], null, [0.05, Number.NaN, 0.4]]), { min: 0.05, max: 0.4 });
    assert.deepEqual(sharedRange([null, [Number.NaN]]), { min: 0, max: 0 });
  });

  it('says which run analysed other probe images', () => {
    assert.equal(
      probeMismatch([
        { name: 'a', ids: ['x.png', 'y.png'] },
        { name: 'b', ids: ['x.png', 'y.png'] },
      ]),
      null,
    );
    assert.match(
      probeMismatch([
        { name: 'a', ids: ['x.png', 'y.png'] },
        { name: 'b', ids: ['y.png', 'x.png'] },
      ]) ?? '',
      /^b analysed other probe images than a/,
    );
  });
});
