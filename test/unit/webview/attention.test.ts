import * as assert from 'node:assert/strict';
import type { AnalysisIndex } from '../../../src/shared/analysis-contract';
import { chooseAnalysis, hasPromptStats, indexSeries, layerMean } from '../../../webview-ui/src/lib/analysis';
import {
  checkMaps,
  clsMassByLayer,
  colormap,
  extractMap,
  headIndex,
  mapOffset,
  normalise,
  probeCoverage,
  provenanceCells,
} from '../../../webview-ui/src/lib/attention';

describe('webview attention shaping', () => {
  // P = 2, H = 3 (+ mean), g = 2: value = p * 100 + h * 10 + cell
  const P = 2;
  const H = 3;
  const g = 2;
  const flat: number[] = [];
  for (let p = 0; p < P; p++)
    for (let h = 0; h <= H; h++) for (let c = 0; c < g * g; c++) flat.push(p * 100 + h * 10 + c);

  it('indexes [P, H + 1, g, g] row-major', () => {
    assert.equal(mapOffset(1, 2, H, g), (1 * 4 + 2) * 4);
    assert.deepEqual(extractMap(flat, 1, 2, H, g), [120, 121, 122, 123]);
    assert.deepEqual(extractMap(flat, 0, 0, H, g), [0, 1, 2, 3]);
  });

  it('uses index H for the head mean (and for out-of-range heads)', () => {
    assert.equal(headIndex('mean', H), 3);
    assert.equal(headIndex(1, H), 1);
    assert.equal(headIndex(7, H), 3);
    assert.deepEqual(extractMap(flat, 1, 'mean', H, g), [130, 131, 132, 133]);
  });

  it('checks the shape', () => {
    assert.equal(checkMaps(flat, P, H, g), null);
    assert.match(checkMaps(flat.slice(1), P, H, g) ?? '', /expected 2 x 4 x 2 x 2 = 32 values, got 31/);
  });

  it('normalises and colours', () => {
    assert.deepEqual(normalise([2, 4, 3]), [0, 1, 0.5]);
    assert.deepEqual(normalise([1, 1]), [0, 0]);
    assert.deepEqual(colormap(0), [0, 0, 4]);
    assert.deepEqual(colormap(1), [252, 253, 191]);
    assert.deepEqual(colormap(Number.NaN), [0, 0, 4]);
  });

  it('finds the cells of a patch or a pooled window', () => {
    assert.deepEqual(provenanceCells({ patch: 5 }, 4), [[1, 1]]);
    assert.deepEqual(provenanceCells({ window: [6, 9] }, 4), [
      [1, 2],
      [1, 3],
      [2, 0],
    ]);
    assert.deepEqual(provenanceCells(null, 4), []);
    assert.deepEqual(provenanceCells({ patch: 99 }, 4), []);
  });

  const index: AnalysisIndex = {
    version: 1,
    model: {
      method: 'spt',
      promptMode: 'deep',
      promptLength: 2,
      depth: 2,
      numHeads: 3,
      embedDim: 8,
      patchSize: 4,
      imageSize: 8,
      grid: 2,
    },
    epochs: [0, 5].map((epoch) => ({
      epoch,
      file: '',
      sidecar: '',
      createdAt: '',
      layers: [0, 1].map((layer) => ({
        layer,
        nmi: 0.1 * (layer + 1) + epoch / 100,
        inertiaRatio: 2,
        nearestCosine: null,
        meanCosine: null,
        driftL2: epoch,
        driftCosine: 1,
        clsPromptMass: 0.25,
        clsPatchMass: 0.7,
      })),
    })),
  };

  it('splits the CLS attention mass per layer', () => {
    const m = clsMassByLayer(index.epochs[0]);
    assert.equal(m.length, 2);
    assert.ok(Math.abs(m[0].cls - 0.05) < 1e-12);
    assert.equal(m[0].prompts, 0.25);
  });

  it('chooses the epoch and layer to show, and reads series out of the index', () => {
    assert.deepEqual(chooseAnalysis(index, 1, null), {
      epochs: [0, 5],
      layers: [0, 1],
      epoch: 5,
      layer: 1,
      latest: true,
    });
    assert.equal(chooseAnalysis(index, 9, 0)?.layer, 1);
    assert.equal(chooseAnalysis(index, 0, 0)?.epoch, 0);
    assert.equal(chooseAnalysis({ ...index, epochs: [] }, 0, null), null);
    assert.deepEqual(indexSeries(index, 1, 'driftL2'), [
      [0, 0],
      [5, 5],
    ]);
    assert.deepEqual(indexSeries(index, 0, 'nearestCosine'), []);
    assert.ok(Math.abs(layerMean(index.epochs[0].layers, 'nmi')! - 0.15) < 1e-12);
    assert.equal(layerMean(index.epochs[0].layers, 'nearestCosine'), null);
    assert.equal(hasPromptStats(index), true);
  });

  it('says how many classes of how many the probe set shows (one image per class)', () => {
    assert.equal(
      probeCoverage([0, 1, 2, 3, 4, 5, 6, 7], 10),
      '8 probe images, one per class: 8 of 10 classes',
    );
    assert.equal(probeCoverage([0, 1, 2], 3), '3 probe images, one per class: 3 of 3 classes');
    assert.equal(probeCoverage([0, 0, 1], null), '3 probe images of 2 classes');
    assert.equal(probeCoverage([4], 5), '1 probe image, one per class: 1 of 5 classes');
  });
});
