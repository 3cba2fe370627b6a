/**
 * The PyTorch parity fixtures (scripts/make_parity_fixtures.py, float64) through a step engine: one
 * training step with learning rate 0 on each case's images, then its loss and the gradients it
 * accumulated (prompts, head weight, head bias) against PyTorch's. Used for the native engine
 * (test/unit/native) and the WebGPU engine (test/webgpu).
 */
import * as assert from 'node:assert/strict';
import type { PromptedViT } from '../../src/engine/model/prompted-vit';
import { AdamW } from '../../src/engine/train/adamw';
import { paramGroups } from '../../src/engine/train/param-groups';
import type { StepEngine, StepEngineOptions } from '../../src/engine/webgpu/step-engine';
import {
  caseTensors,
  get,
  maxAbsDiff,
  normalisedImages,
  parityCaseModel,
  parityCases,
} from './parity-fixtures';

type Create = (model: PromptedViT, opt: AdamW, opts: StepEngineOptions) => Promise<StepEngine>;

/** Registers one test per parity case for the engine `create` makes (micro-batches of 2: chunked). */
export function engineParityTests(create: Create): void {
  for (const c of parityCases()) {
    it(`${c.name}: loss and gradients match PyTorch (max abs err <= 1e-4)`, async () => {
      const model = parityCaseModel(c);
      const opt = new AdamW(paramGroups(model, 0, 0));
      const { data, labels } = await normalisedImages(c.split);
      const engine = await create(model, opt, { batch: labels.length, microBatch: 2, nanCheck: true });
      try {
        const r = await engine.trainStep(data as Float32Array, labels, 0);
        assert.ok(Math.abs(r.loss - c.loss) <= 1e-4, `loss ${r.loss} vs ${c.loss}`);
        const g = await engine.gradients();
        const t = caseTensors(c);
        const S = model.prompts?.sets.length ?? 0;
        const N = model.prompts?.length ?? 0;
        const D = model.cfg.embedDim;
        const C = model.head.b.shape[0] as number;
        const promptSize = S * N * D;
        if (S) {
          const want = get(t, 'grad.prompts').data;
          const d = maxAbsDiff(g.subarray(0, promptSize), want);
          assert.ok(d <= 1e-4, `grad prompts differ by ${d}`);
          assert.ok(
            Array.from(want).some((v) => Math.abs(v) > 1e-4),
            'the reference prompt gradient is not trivially zero',
          );
        }
        // head weight: [D, C] here, (C, D) in PyTorch
        const hw = g.subarray(promptSize, promptSize + D * C);
        const wantW = get(t, 'grad.head.weight').data;
        let dw = 0;
        for (let i = 0; i < C; i++)
          for (let j = 0; j < D; j++) dw = Math.max(dw, Math.abs(hw[j * C + i] - wantW[i * D + j]));
        assert.ok(dw <= 1e-4, `grad head.weight differs by ${dw}`);
        const db = maxAbsDiff(
          g.subarray(promptSize + D * C, promptSize + D * C + C),
          get(t, 'grad.head.bias').data,
        );
        assert.ok(db <= 1e-4, `grad head.bias differs by ${db}`);
      } finally {
        engine.dispose();
        model.dispose();
      }
    });
  }
}
