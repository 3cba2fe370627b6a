import * as assert from 'node:assert/strict';
import type { PrototypeMapData } from '../../../src/shared/webview-contract';
import {
  driftSegments,
  mapBounds,
  promptSetForLayer,
  shapePrototypeMap,
} from '../../../webview-ui/src/lib/prototypes';

function data(extra: Partial<PrototypeMapData['pca']> = {}): PrototypeMapData {
  // 3 images x 2 patches: labels [1, 0, 1]
  return {
    runDir: '/r',
    epoch: 5,
    layer: 2,
    model: {
      method: 'spt',
      promptMode: 'deep',
      promptLength: 2,
      depth: 4,
      numHeads: 2,
      embedDim: 8,
      patchSize: 4,
      imageSize: 8,
      grid: 2,
    },
    pca: {
      layer: 2,
      explainedVariance: [6, 2],
      totalVariance: 10,
      points: [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5],
      prompts: [
        [10, 10],
        [20, 20],
      ],
      initialPrompts: [
        [0, 1],
        [2, 3],
      ],
      ...extra,
    },
    probeLabels: [1, 0, 1],
    classNames: ['cat', 'dog'],
    tokensPerImage: 2,
    stats: null,
    drift: null,
  };
}

describe('webview prototype map shaping', () => {
  it('splits patch points into one series per class, with image and patch', () => {
    const s = shapePrototypeMap(data());
    assert.deepEqual(
      s.classes.map((c) => [c.label, c.name, c.points.length]),
      [
        [0, 'cat', 2],
        [1, 'dog', 4],
      ],
    );
    assert.deepEqual(s.classes[0].points, [
      [2, 2, 1, 0],
      [3, 3, 1, 1],
    ]);
    assert.deepEqual(s.classes[1].points[3], [5, 5, 2, 1]);
    assert.deepEqual(s.explained, [0.6, 0.2]);
    assert.equal(s.dropped, 0);
  });

  it('pairs prompts with their initial positions', () => {
    const s = shapePrototypeMap(data());
    assert.deepEqual(s.prompts, [
      [10, 10, 0],
      [20, 20, 1],
    ]);
    assert.deepEqual(s.pairs[1], { index: 1, current: [20, 20], initial: [2, 3] });
    assert.deepEqual(driftSegments(s.pairs), [[0, 1], [10, 10], null, [2, 3], [20, 20]]);
    const b = mapBounds(s)!;
    assert.ok(b.x[0] < 0 && b.x[1] > 20);
  });

  it('copes with missing initial prompts, no prompts and missing labels', () => {
    const s = shapePrototypeMap(data({ initialPrompts: undefined }));
    assert.equal(s.initial.length, 0);
    assert.equal(s.pairs[0].initial, null);
    assert.deepEqual(driftSegments(s.pairs), []);
    const none = shapePrototypeMap(data({ prompts: undefined, initialPrompts: undefined }));
    assert.equal(none.prompts.length, 0);
    const d = data();
    d.probeLabels = [1, 0];
    d.classNames = null;
    const missing = shapePrototypeMap(d);
    assert.equal(missing.dropped, 2);
    assert.equal(missing.classes[0].name, 'class 0');
  });

  it('maps a layer to its prompt set', () => {
    assert.equal(promptSetForLayer({ promptMode: 'deep' }, 3), 3);
    assert.equal(promptSetForLayer({ promptMode: 'shallow' }, 3), 0);
  });
});
