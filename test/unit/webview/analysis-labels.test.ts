/**
 * What the Prompt-patch view says about its figures: the token space each layer is compared in, and
 * which figures are the paper's and which this project's additions.
 */
import * as assert from 'node:assert/strict';
import type { AnalysisIndex, AnalysisIndexLayer } from '../../../src/shared/analysis-contract';
import { METRIC_ORIGIN, originNote, originTag, tokenSpaceLines } from '../../../webview-ui/src/lib/analysis';

function indexOf(layers: Partial<AnalysisIndexLayer>[]): AnalysisIndex {
  return {
    version: 1,
    model: {
      method: 'spt',
      promptMode: 'deep',
      promptLength: 2,
      depth: layers.length,
      numHeads: 2,
      embedDim: 8,
      patchSize: 4,
      imageSize: 8,
      grid: 2,
    },
    epochs: [
      {
        epoch: 0,
        file: '',
        sidecar: '',
        createdAt: '',
        layers: layers.map((l, i) => ({
          layer: i,
          nmi: 0.5,
          inertiaRatio: 1.5,
          nearestCosine: 0.9,
          meanCosine: 0.1,
          driftL2: 0,
          driftCosine: 1,
          clsPromptMass: 0.2,
          clsPatchMass: 0.7,
          ...l,
        })),
      },
    ],
  };
}

describe('webview: the token space of the prompt-patch figures', () => {
  const current = indexOf([
    { tokenSpace: 'patch-embedding' },
    { tokenSpace: 'block-input' },
    { tokenSpace: 'block-input' },
  ]);

  it('says block 0 is compared before the position embedding, the others with the block inputs', () => {
    const all = tokenSpaceLines(current, 'all');
    assert.equal(all.length, 2);
    assert.match(all[0], /^block 0: the patch embeddings before the position embedding/);
    assert.match(all[1], /^blocks 1–2: the patch tokens entering each block/);
    assert.deepEqual(tokenSpaceLines(current, 2), [
      'block 2: the patch tokens entering the block, i.e. leaving block 1 (where SPT-deep samples set 2)',
    ]);
  });

  it('says so when an older analysis compared block 0 after the position embedding', () => {
    const old = indexOf([{}, {}]);
    const [l0, l1] = tokenSpaceLines(old, 'all');
    assert.match(l0, /^block 0: the tokens entering block 0, after the position embedding/);
    assert.match(l1, /^block 1: the patch tokens entering the block/);
  });
});

describe("webview: the paper's metrics and the project's additions", () => {
  it('labels the prompt-patch NMI as the paper’s and every other figure as an addition', () => {
    const paper = Object.entries(METRIC_ORIGIN)
      .filter(([, o]) => o === 'paper')
      .map(([k]) => k);
    assert.deepEqual(paper, ['nmi']);
    for (const k of [
      'ami',
      'inertiaRatio',
      'nearestCosine',
      'meanCosine',
      'driftL2',
      'clsPromptMass',
    ] as const)
      assert.equal(METRIC_ORIGIN[k], 'project', k);
    assert.equal(originTag('paper'), 'paper');
    assert.equal(originTag('project'), 'added');
    assert.match(originNote('paper'), /paper's measure/);
    assert.match(originNote('project'), /project's addition, not a figure of the paper/);
  });
});
