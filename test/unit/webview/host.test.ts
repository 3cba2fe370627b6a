import * as assert from 'node:assert/strict';
import type { ToExtension } from '../../../src/shared/webview-contract';
import { asToWebview, RequestClient, RequestError } from '../../../webview-ui/src/host';

/** Manual timers, so timeouts are tested without waiting. */
function fakeTimers() {
  let next = 1;
  const timers = new Map<number, () => void>();
  return {
    setTimer: (fn: () => void) => {
      timers.set(next, fn);
      return next++ as unknown as ReturnType<typeof setTimeout>;
    },
    clearTimer: (t: ReturnType<typeof setTimeout>) => {
      timers.delete(t as unknown as number);
    },
    fireAll: () => {
      for (const [id, fn] of [...timers]) {
        timers.delete(id);
        fn();
      }
    },
    get count() {
      return timers.size;
    },
  };
}

describe('webview request/response correlation', () => {
  it('posts typed requests with increasing ids and resolves by id, in any order', async () => {
    const sent: ToExtension[] = [];
    const timers = fakeTimers();
    const client = new RequestClient((m) => sent.push(m), timers);
    const a = client.request('analysisIndex', { runDir: '/a' });
    const b = client.request('metrics', { runDir: '/b' });
    assert.deepEqual(sent[0], {
      type: 'request',
      requestId: 1,
      kind: 'analysisIndex',
      params: { runDir: '/a' },
    });
    assert.equal(sent[1].type === 'request' && sent[1].requestId, 2);
    assert.equal(client.handleResponse({ requestId: 2, ok: true, result: { runDir: '/b' } }), true);
    assert.equal(client.handleResponse({ requestId: 1, ok: true, result: null }), true);
    assert.deepEqual(await b, { runDir: '/b' });
    assert.equal(await a, null);
    assert.equal(client.inFlight, 0);
    assert.equal(timers.count, 0); // timers cleared
  });

  it('rejects with the extension’s error, and ignores unknown or repeated ids', async () => {
    const client = new RequestClient(() => {}, fakeTimers());
    const p = client.request('prototypeMap', { runDir: '/a', epoch: 0, layer: 1 });
    assert.equal(client.handleResponse({ requestId: 99, ok: true, result: 1 }), false);
    client.handleResponse({ requestId: 1, ok: false, error: 'run /a is not in this panel' });
    await assert.rejects(
      p,
      (e: unknown) =>
        e instanceof RequestError && e.kind === 'prototypeMap' && /not in this panel/.test(e.message),
    );
    assert.equal(client.handleResponse({ requestId: 1, ok: true, result: 1 }), false);
  });

  it('times out, and a late answer is then ignored', async () => {
    const timers = fakeTimers();
    const client = new RequestClient(() => {}, { ...timers, timeoutMs: 5000 });
    const p = client.request('attention', { runDir: '/a', epoch: 0, layer: 0 });
    timers.fireAll();
    await assert.rejects(
      p,
      (e: unknown) => e instanceof RequestError && e.timedOut && /within 5 s/.test(e.message),
    );
    assert.equal(client.handleResponse({ requestId: 1, ok: true, result: {} }), false);
  });

  it('rejects when posting throws, and everything on dispose', async () => {
    const failing = new RequestClient(() => {
      throw new Error('gone');
    }, fakeTimers());
    await assert.rejects(failing.request('metrics', { runDir: '/a' }), /Could not send/);
    const client = new RequestClient(() => {}, fakeTimers());
    const p = client.request('metrics', { runDir: '/a' });
    client.dispose();
    await assert.rejects(p, /closed/);
  });

  it('accepts only known message types from the extension', () => {
    assert.equal(asToWebview({ type: 'setData', payload: {} }), null);
    assert.equal(asToWebview(null), null);
    assert.deepEqual(asToWebview({ type: 'analysisAdded', payload: { runDir: '/a', epoch: 5 } }), {
      type: 'analysisAdded',
      payload: { runDir: '/a', epoch: 5 },
    });
  });
});
