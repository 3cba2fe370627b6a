"""PyTorch CUDA reference for the device check (scripts/device/gpu-check.sh): the bench's prompted ViT
(scripts/bench_torch.py build(): frozen backbone, deep prompts, prompts + head trained with AdamW)
trained on CUDA, images/s per configuration, batch and precision; one `RESULT {json}` line each, the
schema of gpu-check.js --engine's lines.

  python3 scripts/device/torch_cuda_step.py [--configs vit-ti16,vit-s16,vit-b16] [--batches 8,64,128]
                                            [--modes fp32,amp] [--steps 10]

fp32 runs with TF32 off (the same fp32 arithmetic the WebGPU engine does); amp is torch.autocast to
float16 with a GradScaler, PyTorch's usual mixed precision.
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import torch  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from bench_torch import build  # noqa: E402

NAMES = {"vit-ti16": "vit-ti", "vit-s16": "vit-s", "vit-b16": "vit-b", "tiny": "tiny", "small": "small"}

p = argparse.ArgumentParser()
p.add_argument("--configs", default="vit-ti16,vit-s16,vit-b16")
p.add_argument("--batches", default="8,64,128")
p.add_argument("--modes", default="fp32,amp")
p.add_argument("--steps", type=int, default=10)
a = p.parse_args()

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
dev = torch.cuda.get_device_name() if torch.cuda.is_available() else "no CUDA device"
for config in a.configs.split(","):
    for batch in (int(b) for b in a.batches.split(",")):
        for mode in a.modes.split(","):
            out = {"impl": f"torch-cuda-{mode}", "config": config, "batch": batch, "precision": mode, "device": dev}
            try:
                torch.manual_seed(0)
                model, S = build(NAMES[config], 10, 10)
                model = model.cuda()
                images = torch.randn(batch, 3, S, S, device="cuda")
                labels = torch.arange(batch, device="cuda") % 10
                opt = torch.optim.AdamW([model.prompts, *model.head.parameters()], lr=1e-3, weight_decay=1e-4)
                scaler = torch.amp.GradScaler("cuda", enabled=mode == "amp")

                def train():
                    opt.zero_grad(set_to_none=True)
                    with torch.autocast("cuda", dtype=torch.float16, enabled=mode == "amp"):
                        loss = F.cross_entropy(model(images), labels)
                    scaler.scale(loss).backward()
                    scaler.step(opt)
                    scaler.update()

                for _ in range(3):
                    train()
                torch.cuda.synchronize()
                t0 = time.perf_counter()
                for _ in range(a.steps):
                    train()
                torch.cuda.synchronize()
                out["train_images_per_s"] = a.steps * batch / (time.perf_counter() - t0)
                del model, images, opt
                torch.cuda.empty_cache()
            except Exception as e:  # an OOM at one size must not lose the others
                out["error"] = str(e).split("\n")[0]
                torch.cuda.empty_cache()
            print("RESULT " + json.dumps(out), flush=True)
