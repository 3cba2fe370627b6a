/**
 * Whether a training run uses the WebGPU step engine: on the webgpu backend, for models it supports
 * (frozen backbone: linear, VPT, SPT), unless SPT_WEBGPU_STEP=tfjs asks for tfjs's autodiff path
 * (kept for comparison; the bench measures both).
 */
import type { BackendName } from '../backend/backend-names';
import type { PromptedViT } from '../model/prompted-vit';
import type { AdamW } from '../train/adamw';
import { stepEngineUnsupported } from './host-weights';
import { WebGpuStepEngine } from './webgpu-step-engine';

export async function stepEngineForRun(
  backend: BackendName,
  model: PromptedViT,
  opt: AdamW,
  o: { batch: number; microBatch: number | null; nanCheck: boolean; log: (msg: string) => void },
): Promise<WebGpuStepEngine | undefined> {
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
