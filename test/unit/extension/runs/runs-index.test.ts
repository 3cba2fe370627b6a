/** The index of runs on disk (runs/runs-index.ts): folders read, new runs noticed, removed folders forgotten. */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { RunsIndex } from '../../../../src/extension/runs/runs-index';
import { fakeRun, tmpDir } from './helpers';

describe('extension: runs index', () => {
  it('indexes folders, notices new runs and forgets removed folders', async () => {
    const runs = path.join(tmpDir(), 'runs');
    fakeRun(runs, 'cub', '20260101-100000', 0.8, 1);
    fakeRun(runs, 'cub', '20260102-100000', 0.7, 2, 'failed');
    const index = new RunsIndex({ debounceMs: 20 });
    try {
      index.setFolders([runs]);
      assert.equal(index.records().length, 2);
      const changed = new Promise<void>((resolve) => index.onDidChange(resolve));
      fakeRun(runs, 'vtab', '20260103-100000', 0.5, 3);
      await changed;
      assert.equal(index.records()[0].experiment, 'vtab');
      index.setFolders([]);
      assert.equal(index.records().length, 0);
    } finally {
      index.dispose();
    }
  });
});
