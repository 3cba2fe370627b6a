/** The dashboard's attention-to-prompts figures: per block, at initialisation and at the end. */
import * as assert from 'node:assert/strict';
import type { AnalysisIndex } from '../../../src/shared/analysis-contract';
import { indexSeries } from '../../../webview-ui/src/lib/analysis';
import { promptShareByLayer } from '../../../webview-ui/src/lib/attention';

function index(promptLength: number, withPatchShare = true): AnalysisIndex {
  return {
    version: 1,
    model: {
      method: promptLength ? 'spt' : 'linear',
      promptMode: promptLength ? 'deep' : null,
      promptLength,
      depth: 2,
      numHeads: 2,
      embedDim: 8,
      patchSize: 4,
      imageSize: 8,
      grid: 2,
    },
    // epochs written out of order: the first analysed epoch is the initial state
    epochs: [10, 0, 5].map((epoch) => ({
      epoch,
      file: '',
      sidecar: '',
      createdAt: '',
      layers: [0, 1].map((layer) => ({
        layer,
        nmi: 0.3,
        inertiaRatio: 2,
        nearestCosine: 0.5,
        meanCosine: 0.1,
        driftL2: epoch,
        driftCosine: 1,
        clsPromptMass: 0.01 * (layer + 1) + epoch / 100,
        clsPatchMass: 0.5,
        ...(withPatchShare ? { patchPromptMass: 0.02 * (layer + 1) + epoch / 200 } : {}),
      })),
    })),
  };
}

describe('webview: attention share to prompts', () => {
  it('per block: CLS and patches -> prompts at the first and the last analysed epoch', () => {
    const s = promptShareByLayer(index(2));
    assert.equal(s.initEpoch, 0);
    assert.equal(s.endEpoch, 10);
    assert.equal(s.uniform, 2 / (1 + 2 + 4), 'N / (1 + N + T)');
    const round = (v: number | null) => (v === null ? null : Math.round(v * 1e9) / 1e9);
    assert.deepEqual(
      s.rows.map((r) => [r.layer, r.clsInit, r.clsEnd, r.patchInit, r.patchEnd].map(round)),
      [
        [0, 0.01, 0.11, 0.02, 0.07],
        [1, 0.02, 0.12, 0.04, 0.09],
      ],
    );
    assert.deepEqual(
      indexSeries(index(2), 1, 'patchPromptMass').map(([e, v]) => [e, round(v)]),
      [
        [0, 0.04],
        [5, 0.065],
        [10, 0.09],
      ],
    );
  });

  it('older analyses without the patch share give null there, and no prompts give a zero uniform share', () => {
    const s = promptShareByLayer(index(2, false));
    assert.deepEqual(
      s.rows.map((r) => [r.patchInit, r.patchEnd]),
      [
        [null, null],
        [null, null],
      ],
    );
    assert.equal(s.rows[0].clsInit, 0.01);
    assert.equal(promptShareByLayer(index(0)).uniform, 0);
    assert.deepEqual(promptShareByLayer({ ...index(2), epochs: [] }), {
      initEpoch: null,
      endEpoch: null,
      uniform: 2 / 7,
      rows: [],
    });
  });
});
