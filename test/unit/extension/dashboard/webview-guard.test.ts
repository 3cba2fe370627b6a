/** The webview message guard: every valid message passes as a clean copy, hostile ones are refused. */
import * as assert from 'node:assert/strict';
import {
  isGuardError,
  MAX_EXPORT_CHARS,
  MAX_LOG_CHARS,
  parseToExtension,
} from '../../../../src/shared/webview-guard';

const refused = (v: unknown, pattern: RegExp) => {
  const r = parseToExtension(v);
  if (!isGuardError(r)) assert.fail(`not refused: ${JSON.stringify(v)?.slice(0, 200)}`);
  assert.match(r.error, pattern);
};

describe('webview message guard', () => {
  it('passes every message type of the contract', () => {
    const valid: unknown[] = [
      { type: 'initialized' },
      { type: 'request', requestId: 0, kind: 'metrics', params: { runDir: '/r' } },
      { type: 'request', requestId: 1, kind: 'analysisIndex', params: { runDir: '/r' } },
      { type: 'request', requestId: 2, kind: 'prototypeMap', params: { runDir: '/r', epoch: 0, layer: 3 } },
      { type: 'request', requestId: 3, kind: 'attention', params: { runDir: '/r', epoch: 10, layer: 0 } },
      { type: 'request', requestId: 4, kind: 'probeImages', params: { runDir: '/r', epoch: 5 } },
      { type: 'request', requestId: 5, kind: 'promptSource', params: { runDir: '/r', set: 2, index: 7 } },
      { type: 'export', payload: { fileName: 'loss.png', mime: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'export', payload: { fileName: 'loss.svg', mime: 'image/svg+xml', data: '<svg/>' } },
      {
        type: 'export',
        payload: { fileName: 'metrics run 1.csv', mime: 'text/csv', data: 'step,loss\n1,2\n' },
      },
      { type: 'openRun', payload: { runDir: '/r' } },
      { type: 'openConfig', payload: { runDir: '/r' } },
      { type: 'log', payload: { level: 'warn', message: 'chart failed' } },
    ];
    for (const v of valid) assert.deepEqual(parseToExtension(v), v);
  });

  it('keeps only the fields of the contract', () => {
    assert.deepEqual(parseToExtension({ type: 'initialized', extra: 1 }), { type: 'initialized' });
    assert.deepEqual(
      parseToExtension({
        type: 'request',
        requestId: 9,
        kind: 'prototypeMap',
        params: { runDir: '/r', epoch: 1, layer: 2, path: '/etc/passwd' },
        file: '/etc/passwd',
      }),
      { type: 'request', requestId: 9, kind: 'prototypeMap', params: { runDir: '/r', epoch: 1, layer: 2 } },
    );
    const long = parseToExtension({
      type: 'log',
      payload: { level: 'info', message: 'x'.repeat(MAX_LOG_CHARS + 50) },
    });
    assert.ok(
      !isGuardError(long) && long.type === 'log' && long.payload.message.length === MAX_LOG_CHARS + 3,
    );
  });

  it('refuses what is not a message', () => {
    for (const v of [null, undefined, 42, 'initialized', [], [{ type: 'initialized' }]])
      refused(v, /must be an object/);
    refused({ type: 'setData' }, /unknown message type/);
    refused({ type: { toString: () => 'initialized' } }, /unknown message type/);
    refused({}, /unknown message type/);
  });

  it('refuses bad requests: kinds, ids, epochs, layers and run folders', () => {
    const req = (o: Record<string, unknown>, params: Record<string, unknown> = {}) => ({
      type: 'request',
      requestId: 1,
      kind: 'prototypeMap',
      ...o,
      params: { runDir: '/r', epoch: 0, layer: 0, ...params },
    });
    refused(req({ kind: 'readFile' }), /kind must be one of/);
    refused(req({ kind: '__proto__' }), /kind must be one of/);
    refused(req({ kind: 'toString' }), /kind must be one of/);
    refused(req({ requestId: -1 }), /requestId must be an integer/);
    refused(req({ requestId: 1.5 }), /requestId/);
    refused(req({ requestId: '1' }), /requestId/);
    refused(req({ requestId: Number.NaN }), /requestId/);
    refused(req({}, { epoch: -1 }), /params\.epoch must be an integer/);
    refused(req({}, { epoch: 0.5 }), /params\.epoch/);
    refused(req({}, { epoch: '3' }), /params\.epoch/);
    refused(req({}, { layer: Number.POSITIVE_INFINITY }), /params\.layer/);
    refused(req({}, { layer: 1e12 }), /params\.layer/);
    refused(req({}, { layer: undefined }), /params\.layer/);
    refused(req({}, { runDir: '' }), /runDir must be/);
    refused(req({}, { runDir: 7 }), /runDir must be/);
    refused(req({}, { runDir: '/r\0/x' }), /runDir must be/);
    refused(req({}, { runDir: 'x'.repeat(5000) }), /runDir must be/);
    refused({ type: 'request', requestId: 1, kind: 'metrics' }, /params must be an object/);
    refused(
      { type: 'request', requestId: 1, kind: 'promptSource', params: { runDir: '/r', set: 0 } },
      /params\.index/,
    );
    refused({ type: 'openRun', payload: { runDir: ['/r'] } }, /runDir must be/);
    refused({ type: 'openConfig' }, /payload must be an object/);
  });

  it('refuses exports with another type, a path in the name, bad base64 or too much data', () => {
    const exp = (payload: Record<string, unknown>) => ({
      type: 'export',
      payload: { fileName: 'a.png', mime: 'image/png', data: 'AAAA', ...payload },
    });
    refused(exp({ mime: 'text/html' }), /mime must be one of/);
    refused(exp({ mime: 'application/x-sh' }), /mime must be one of/);
    for (const fileName of ['../a.png', 'a/b.png', 'a\\b.png', 'C:a.png', '.bashrc', '..', '', 'a\nb.png', 7])
      refused(exp({ fileName }), /fileName/);
    refused(exp({ fileName: 'x'.repeat(201) }), /fileName/);
    refused(exp({ data: 'not base64!' }), /must be base64/);
    refused(exp({ data: 'AAA' }), /must be base64/);
    refused(exp({ data: 42 }), /data must be a string/);
    refused(exp({ mime: 'text/csv', data: 'x'.repeat(MAX_EXPORT_CHARS + 1) }), /over the 64 MB/);
  });

  it('refuses log messages without a known level or a string message', () => {
    refused({ type: 'log', payload: { level: 'debug', message: 'x' } }, /log level/);
    refused({ type: 'log', payload: { level: 'error', message: { a: 1 } } }, /log message must be a string/);
  });
});
