/** The native CPU step engine against the PyTorch parity fixtures: loss and gradients (test/helpers/engine-parity.ts). */
import { selectBackend } from '../../../src/engine/backend/select-backend';
import { NativeStepEngine } from '../../../src/engine/native/native-step-engine';
import { engineParityTests } from '../../helpers/engine-parity';

describe('parity with PyTorch: the native step engine', () => {
  before(async () => {
    await selectBackend('wasm'); // where the model's tensors live; the engine reads them once
  });
  engineParityTests((model, opt, opts) => NativeStepEngine.create(model, opt, { ...opts, threads: 2 }));
});
