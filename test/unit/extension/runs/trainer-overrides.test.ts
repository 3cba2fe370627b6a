/** The trainer overrides the settings add to every train job (runs/trainer-overrides.ts). */
import * as assert from 'node:assert/strict';
import { settingsOverrides } from '../../../../src/extension/runs/trainer-overrides';

describe('extension: trainer overrides', () => {
  it('turns settings into overrides', () => {
    assert.deepEqual(settingsOverrides({ defaultBackend: 'fromFile', analysisEveryEpochs: null }), []);
    assert.deepEqual(settingsOverrides({ defaultBackend: 'wasm', analysisEveryEpochs: 0 }), [
      'device.backend=wasm',
      'analysis.every_epochs=0',
    ]);
    assert.deepEqual(
      settingsOverrides({ defaultBackend: 'fromFile', analysisEveryEpochs: null, wasmThreads: 2 }),
      ['device.threads=2'],
    );
    assert.deepEqual(
      settingsOverrides({ defaultBackend: 'fromFile', analysisEveryEpochs: null, wasmThreads: 12 }),
      ['device.threads=8'],
    );
    assert.deepEqual(
      settingsOverrides({ defaultBackend: 'fromFile', analysisEveryEpochs: null, wasmThreads: null }),
      [],
    );
  });
});
