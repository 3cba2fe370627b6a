"""PyTorch on the lent GPU for the device check (scripts/device/gpu-check.ts): the bench's model
(scripts/bench_torch.py build()) trained and run forward on CUDA, fp32, images/s per configuration.
  python3 scripts/device/torch_cuda_step.py [steps]
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import torch  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from bench_torch import build  # noqa: E402

torch.backends.cuda.matmul.allow_tf32 = False  # the same fp32 math as tfjs
torch.backends.cudnn.allow_tf32 = False
steps = int(sys.argv[1]) if len(sys.argv) > 1 else 20
for config, batch in (("tiny", 8), ("small", 64)):
    torch.manual_seed(0)
    model, S = build(config, 10, 10)
    model = model.cuda()
    images = torch.randn(batch, 3, S, S, device="cuda")
    labels = torch.arange(batch, device="cuda") % 10
    opt = torch.optim.AdamW([model.prompts, *model.head.parameters()], lr=1e-3, weight_decay=1e-4)

    def train():
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(images), labels).backward()
        opt.step()

    def forward():
        with torch.no_grad():
            model(images)

    out = {"config": config, "batch": batch, "device": torch.cuda.get_device_name()}
    for name, fn in (("train", train), ("forward", forward)):
        for _ in range(3):
            fn()
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(steps):
            fn()
        torch.cuda.synchronize()
        out[f"{name}_images_per_s"] = steps * batch / (time.perf_counter() - t0)
    print(json.dumps(out))
