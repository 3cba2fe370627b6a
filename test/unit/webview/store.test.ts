import * as assert from 'node:assert/strict';
import type { MetricLine } from '../../../src/shared/run-events';
import type { RequestKind, RunMetrics } from '../../../src/shared/webview-contract';
import { emptyMetrics } from '../../../webview-ui/src/lib/metrics';
import { Store, type StoreEvent } from '../../../webview-ui/src/store';

const line = (step: number): MetricLine => ({
  t: step,
  epoch: 0,
  step,
  split: 'train',
  loss: 1 / step,
  acc: 0,
  lr: 0,
});

describe('webview store', () => {
  it('merges live lines that arrive while the metrics request is out, without duplicates', async () => {
    let answer: (m: RunMetrics) => void = () => {};
    const asked: RequestKind[] = [];
    const store = new Store(((kind: RequestKind) => {
      asked.push(kind);
      return new Promise((resolve) => {
        answer = resolve as (m: RunMetrics) => void;
      });
    }) as never);
    const events: StoreEvent[] = [];
    store.subscribe((e) => events.push(e));
    store.appendLines('/r', [line(1)]); // before any request: buffered
    const p = store.loadMetrics('/r');
    store.appendLines('/r', [line(3), line(4)]); // while the request is out
    const file = emptyMetrics('/r');
    file.train = {
      step: [1, 2, 3],
      epoch: [0, 0, 0],
      loss: [1, 0.5, 0.33],
      acc: [0, 0, 0],
      lr: [0, 0, 0],
      t: [1, 2, 3],
      ips: [9, 9, 9],
      rss_mb: [100, 101, 102],
      tensor_mb: [1, 1, 1],
      engine_mb: [Number.NaN, Number.NaN, Number.NaN],
    };
    answer(file);
    const m = await p;
    assert.deepEqual(m.train.step, [1, 2, 3, 4]);
    store.appendLines('/r', [line(4), line(5)]);
    assert.deepEqual(m.train.step, [1, 2, 3, 4, 5]);
    assert.deepEqual(events, [{ type: 'metrics', runDir: '/r', appended: 1 }]);
    assert.equal(store.loadMetrics('/r'), p); // one request per run
    assert.deepEqual(asked, ['metrics']);
  });

  it('forgets a failed request so a retry asks again, and drops stale analysis on analysisAdded', async () => {
    let calls = 0;
    const store = new Store((async (kind: RequestKind) => {
      calls++;
      if (calls === 1) throw new Error('busy');
      return kind === 'analysisIndex' ? { version: 1, model: {}, epochs: [] } : null;
    }) as never);
    await assert.rejects(store.analysisIndex('/r'), /busy/);
    await store.analysisIndex('/r');
    await store.analysisIndex('/r');
    assert.equal(calls, 2);
    store.analysisAdded('/r', 5);
    await store.analysisIndex('/r');
    assert.equal(calls, 3);
  });
});
