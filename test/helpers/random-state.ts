import type { ViTConfig } from '../../src/config/architectures';
import { Rng } from '../../src/engine/util/rng';
import type { HostTensor, TensorMap } from '../../src/run-folder/tensors/host-tensor';

/** A random timm-named ViT state dict (PyTorch shapes) whose every part changes the output. */
export function randomVitState(cfg: ViTConfig, seed = 1): TensorMap {
  const rng = new Rng(seed);
  const D = cfg.embedDim;
  const H = D * cfg.mlpRatio;
  const T = (cfg.imageSize / cfg.patchSize) ** 2;
  const m: TensorMap = new Map();
  const put = (k: string, shape: number[], std: number, mean = 0) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = mean + std * rng.normal();
    m.set(k, { dtype: 'float32', shape, data } satisfies HostTensor);
  };
  put('cls_token', [1, 1, D], 0.3);
  put('pos_embed', [1, 1 + T, D], 0.3);
  put('patch_embed.proj.weight', [D, cfg.inChans, cfg.patchSize, cfg.patchSize], 0.1);
  put('patch_embed.proj.bias', [D], 0.05);
  for (let i = 0; i < cfg.depth; i++) {
    const p = `blocks.${i}`;
    put(`${p}.norm1.weight`, [D], 0.1, 1);
    put(`${p}.norm1.bias`, [D], 0.05);
    put(`${p}.attn.qkv.weight`, [3 * D, D], 0.15);
    put(`${p}.attn.qkv.bias`, [3 * D], 0.05);
    put(`${p}.attn.proj.weight`, [D, D], 0.15);
    put(`${p}.attn.proj.bias`, [D], 0.05);
    put(`${p}.norm2.weight`, [D], 0.1, 1);
    put(`${p}.norm2.bias`, [D], 0.05);
    put(`${p}.mlp.fc1.weight`, [H, D], 0.15);
    put(`${p}.mlp.fc1.bias`, [H], 0.05);
    put(`${p}.mlp.fc2.weight`, [D, H], 0.15);
    put(`${p}.mlp.fc2.bias`, [D], 0.05);
  }
  put('norm.weight', [D], 0.1, 1);
  put('norm.bias', [D], 0.05);
  return m;
}
