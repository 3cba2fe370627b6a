/** The WebGPU step engine against the PyTorch parity fixtures: loss and gradients (test/helpers/engine-parity.ts). */
import { selectBackend } from '../../src/engine/backend/select-backend';
import { WebGpuStepEngine } from '../../src/engine/webgpu/webgpu-step-engine';
import { engineParityTests } from '../helpers/engine-parity';

describe('parity with PyTorch: the WebGPU step engine', function () {
  this.timeout(600_000);
  before(async () => {
    await selectBackend('webgpu'); // the adapter the engine opens its device on
    await selectBackend('wasm');
  });
  engineParityTests((model, opt, opts) => WebGpuStepEngine.create(model, opt, opts));
});
