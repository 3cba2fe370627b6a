import * as assert from 'node:assert/strict';
import type { RunMetrics } from '../../../src/shared/webview-contract';
import { RunMetricsLoader } from '../../../webview-ui/src/lib/run-metrics-loader';

const metrics = (runDir: string) => ({ runDir }) as unknown as RunMetrics;

describe('webview: RunMetricsLoader (the curves and the system tab)', () => {
  it('asks once per run, records answers and failures, and retries a failed run', async () => {
    const asked: string[] = [];
    let fail = true;
    const loader = new RunMetricsLoader(async (dir) => {
      asked.push(dir);
      if (dir === 'b' && fail) throw new Error('gone');
      return metrics(dir);
    });
    let settled = 0;
    loader.load(['a', 'b'], () => settled++);
    assert.deepEqual([...loader.loading], ['a', 'b']);
    loader.load(['a', 'b'], () => settled++); // in flight: not asked again
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(asked, ['a', 'b']);
    assert.equal(settled, 2);
    assert.equal(loader.loading.size, 0);
    assert.equal(loader.loaded.get('a')?.runDir, 'a');
    assert.equal(loader.errors.get('b'), 'gone');
    fail = false;
    loader.load(['a', 'b'], () => settled++); // a is loaded; b failed, so it is asked again
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(asked, ['a', 'b', 'b']);
    assert.equal(loader.errors.has('b'), false);
    assert.equal(loader.loaded.get('b')?.runDir, 'b');
  });
});
