/**
 * Export Prompts: a run's best prompts and head as `<run>/export/prompts.safetensors` (prompts
 * (S, N, D), head.weight (C, D), head.bias (C)) and `<run>/export/load_prompts.py`, a PyTorch
 * snippet that puts them into a timm VisionTransformer with the engine's forward semantics.
 * Pure Node (the safetensors reader/writer loads no TensorFlow).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { writeFileAtomic } from '../../run-folder/atomic-write';
import { checkpointFile, checkpointSidecar, RUN_FILES } from '../../run-folder/layout';
import type { TensorMap } from '../../run-folder/tensors/host-tensor';
import { readSafetensors, writeSafetensors } from '../../run-folder/tensors/safetensors';

export interface ExportedPrompts {
  dir: string;
  safetensors: string;
  snippet: string;
  /** Which checkpoint was exported (`best`, or `last` when the run has no best yet). */
  checkpoint: 'best' | 'last';
  metadata: Record<string, string>;
}

const EXPORTED = ['prompts', 'head.weight', 'head.bias'];

export function exportPrompts(runDir: string): ExportedPrompts {
  let kind: 'best' | 'last' = 'best';
  let sidecar = checkpointSidecar(runDir, 'best');
  if (!fs.existsSync(sidecar)) {
    kind = 'last';
    sidecar = checkpointSidecar(runDir, 'last');
  }
  if (!fs.existsSync(sidecar))
    throw new Error(`${runDir}: no checkpoint to export (the run stopped before its first epoch ended)`);
  const meta = JSON.parse(fs.readFileSync(sidecar, 'utf8')) as { weights?: string; best?: { epoch: number } };
  if (typeof meta.weights !== 'string') throw new Error(`${sidecar}: no weights file named`);
  const { tensors } = readSafetensors(checkpointFile(runDir, meta.weights));

  let config: {
    prompt?: { method?: string; mode?: string };
    backbone?: { pool?: string; checkpoint?: string };
    data?: { num_classes?: number };
    name?: string;
  } = {};
  try {
    config = parseYaml(fs.readFileSync(path.join(runDir, RUN_FILES.config), 'utf8')) ?? {};
  } catch {
    // the metadata falls back to what the tensors tell
  }
  const out: TensorMap = new Map();
  for (const name of EXPORTED) {
    const t = tensors.get(name);
    if (t) out.set(name, t);
  }
  if (!out.has('head.weight')) throw new Error(`${meta.weights}: no head.weight in the checkpoint`);
  const prompts = out.get('prompts');
  const metadata: Record<string, string> = {
    format: 'spt-studio-prompts',
    method: config.prompt?.method ?? (prompts ? 'spt' : 'linear'),
    mode: config.prompt?.mode ?? (prompts && prompts.shape[0] > 1 ? 'deep' : 'shallow'),
    pool: config.backbone?.pool ?? 'cls',
    num_prompts: String(prompts?.shape[1] ?? 0),
    checkpoint: kind,
    source: meta.weights,
  };
  if (config.name) metadata.experiment = config.name;
  if (config.backbone?.checkpoint) metadata.backbone_checkpoint = config.backbone.checkpoint;
  const dir = path.join(runDir, 'export');
  fs.mkdirSync(dir, { recursive: true });
  const safetensors = path.join(dir, 'prompts.safetensors');
  writeSafetensors(safetensors, out, metadata);
  const snippet = path.join(dir, 'load_prompts.py');
  writeFileAtomic(snippet, loadPromptsPython());
  return { dir, safetensors, snippet, checkpoint: kind, metadata };
}

/** The PyTorch snippet (also usable on its own: `python load_prompts.py`). */
export function loadPromptsPython(): string {
  return `"""Load SPT Studio prompts into a timm VisionTransformer.

    pip install torch timm safetensors   # safetensors is optional: a small reader is built in

    import timm
    from load_prompts import attach_prompts
    model = timm.create_model("vit_base_patch16_224", pretrained=True)
    attach_prompts(model, "prompts.safetensors")   # prompts + head, forward overridden
    logits = model(images)                          # images: [B, 3, H, W], normalised as in training

Token layout: [CLS, P_1..P_N, patches]; prompts get no position embedding. Deep prompts: before
every block i > 0 the N prompt tokens are replaced by set i (never accumulated). Pool "cls": final
norm, then token 0; pool "mean": mean of every token but CLS (prompts included), then the norm.
"""
import json
import struct
import types

import torch


def load_file(path):
    """safetensors.torch.load_file, with a fallback for F32/I32 files when it is not installed."""
    try:
        from safetensors.torch import load_file as st_load, safe_open
        with safe_open(path, "pt") as f:
            return st_load(path), f.metadata() or {}
    except ImportError:
        pass
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {}) or {}
    dtypes = {"F32": torch.float32, "I32": torch.int32}
    out = {}
    for name, h in header.items():
        a, b = h["data_offsets"]
        t = torch.frombuffer(bytearray(data[a:b]), dtype=dtypes[h["dtype"]])
        out[name] = t.reshape(h["shape"])
    return out, meta


def attach_prompts(model, path):
    tensors, meta = load_file(path)
    deep = meta.get("mode", "deep") == "deep"
    pool = meta.get("pool", "cls")
    prompts = tensors.get("prompts")  # [S, N, D]
    if prompts is not None and deep and prompts.shape[0] != len(model.blocks):
        raise ValueError(f"{prompts.shape[0]} prompt sets for {len(model.blocks)} blocks")
    w, b = tensors["head.weight"], tensors["head.bias"]  # [C, D], [C]
    model.reset_classifier(w.shape[0])
    with torch.no_grad():
        model.head.weight.copy_(w)
        model.head.bias.copy_(b)
    model.spt_prompts = torch.nn.Parameter(prompts) if prompts is not None else None
    n = 0 if prompts is None else prompts.shape[1]

    def forward_features(self, x):
        x = self.patch_embed(x)  # [B, T, D]
        x = self._pos_embed(x)  # [B, 1+T, D] (CLS + position embedding)
        B = x.shape[0]
        if self.spt_prompts is not None:
            p0 = self.spt_prompts[0].unsqueeze(0).expand(B, -1, -1)  # [B, N, D]
            x = torch.cat([x[:, :1], p0, x[:, 1:]], dim=1)  # [B, 1+N+T, D]
        for i, blk in enumerate(self.blocks):
            if self.spt_prompts is not None and deep and i > 0:
                pi = self.spt_prompts[i].unsqueeze(0).expand(B, -1, -1)  # [B, N, D]
                x = torch.cat([x[:, :1], pi, x[:, 1 + n:]], dim=1)  # replace, never accumulate
            x = blk(x)  # [B, 1+N+T, D]
        return x

    def forward_head(self, x, pre_logits=False):
        norm = self.norm if isinstance(self.fc_norm, torch.nn.Identity) else self.fc_norm
        if pool == "cls":
            x = norm(x)[:, 0]  # [B, D]
        else:
            x = norm(x[:, 1:].mean(dim=1))  # [B, D]
        return x if pre_logits else self.head(x)  # [B, C]

    model.forward_features = types.MethodType(forward_features, model)
    model.forward_head = types.MethodType(forward_head, model)
    return model


if __name__ == "__main__":
    import sys

    t, m = load_file(sys.argv[1] if len(sys.argv) > 1 else "prompts.safetensors")
    print(m)
    for k, v in t.items():
        print(k, tuple(v.shape))
`;
}
