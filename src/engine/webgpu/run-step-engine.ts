/**
 * Whether a training run uses a step engine: on the webgpu backend the WebGPU one, on the native
 * backend the CPU one, for models they support (frozen backbone: linear, VPT, SPT). SPT_WEBGPU_STEP=tfjs
 * asks for tfjs's autodiff path on webgpu (kept for comparison; the bench measures both).
 */
import type { BackendName } from '../../config/backends';
import type { PromptedViT } from '../model/prompted-vit';
import { NativeStepEngine } from '../native/native-step-engine';
import type { AdamW } from '../train/adamw';
import { stepEngineUnsupported } from './host-weights';
import type { StepEngine } from './step-engine';
import { WebGpuStepEngine } from './webgpu-step-engine';

export async function stepEngineForRun(
  backend: BackendName,
  model: PromptedViT,
  opt: AdamW,
  o: {
    batch: number;
    microBatch: number | null;
    nanCheck: boolean;
    log: (msg: string) => void;
    /** device.threads, for the native engine. */
    threads?: number | null;
  },
): Promise<StepEngine | undefined> {
  if (backend === 'native') {
    const why = stepEngineUnsupported(model);
    if (why) {
      o.log(`native: training steps run through tfjs on wasm: ${why}`);
      return undefined;
    }
    return NativeStepEngine.create(model, opt, o);
  }
  if (backend !== 'webgpu') return undefined;
  if (process.env.SPT_WEBGPU_STEP === 'tfjs') {
    o.log('webgpu: SPT_WEBGPU_STEP=tfjs, training steps run through tfjs-backend-webgpu');
    return undefined;
  }
  const why = stepEngineUnsupported(model);
  if (why) {
    o.log(`webgpu: training steps run through tfjs-backend-webgpu: ${why}`);
    return undefined;
  }
  return WebGpuStepEngine.create(model, opt, o);
}
