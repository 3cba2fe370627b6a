/** What the CodeLens above an experiment file says (experiments/code-lens-model.ts), on real run folders. */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { experimentNameOfText, latestRunLens } from '../../../../src/extension/experiments/code-lens-model';
import { RunsIndex } from '../../../../src/extension/runs/runs-index';
import { fakeRun, tmpDir } from '../runs/helpers';

describe('extension: code lens model', () => {
  it('reads the top-level name of an experiment file', () => {
    assert.equal(experimentNameOfText('# c\nname: cub-1   # x\nseed: 1'), 'cub-1');
    assert.equal(experimentNameOfText("name: 'a b'\n"), 'a b');
    assert.equal(experimentNameOfText('backbone:\n  name: x\n'), null);
  });

  it('gives the CodeLens the latest run and the best accuracy', () => {
    const runs = path.join(tmpDir(), 'runs');
    fakeRun(runs, 'cub', '20260101-100000', 0.8, 1);
    const b = fakeRun(runs, 'cub', '20260102-100000', 0.7, 2, 'failed');
    const index = new RunsIndex();
    try {
      index.setFolders([runs]);
      const lens = latestRunLens(index.records(), 'cub');
      assert.equal(lens?.runDir, b);
      assert.equal(lens?.title, 'latest run: failed · epoch 2/2 · best val 80.0% · 2 runs');
      assert.equal(latestRunLens(index.records(), 'other'), null);
    } finally {
      index.dispose();
    }
  });
});
