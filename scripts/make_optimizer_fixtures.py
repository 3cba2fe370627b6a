"""Reference numbers for the AdamW and learning-rate schedule tests, from torch.optim.AdamW.

Run: LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 \
       scripts/make_optimizer_fixtures.py test/fixtures/optim
"""
import json
import math
import os
import sys

import torch

torch.manual_seed(0)
out_dir = sys.argv[1]
os.makedirs(out_dir, exist_ok=True)

shapes = {"prompts": (2, 3, 4), "head.weight": (5, 4), "head.bias": (5,)}
decay = {"prompts": 0.01, "head.weight": 0.5, "head.bias": 0.0}
params = {k: torch.randn(*s, dtype=torch.float64) for k, s in shapes.items()}
initial = {k: v.clone() for k, v in params.items()}
groups = [{"params": [params[k].requires_grad_()], "weight_decay": decay[k]} for k in shapes]
opt = torch.optim.AdamW(groups, lr=1.0, betas=(0.9, 0.999), eps=1e-8)

lrs = [0.05, 0.03, 0.01, 0.002]
grads = []
for lr in lrs:
    step_grads = {k: torch.randn(*s, dtype=torch.float64) for k, s in shapes.items()}
    grads.append({k: v.flatten().tolist() for k, v in step_grads.items()})
    for k in shapes:
        params[k].grad = step_grads[k].clone()
    for g in opt.param_groups:
        g["lr"] = lr
    opt.step()


def schedule(t, lr, min_lr, warmup, epochs):
    if t < warmup:
        return lr * t / warmup
    return min_lr + (lr - min_lr) * 0.5 * (1.0 + math.cos(math.pi * (t - warmup) / (epochs - warmup)))


sched = [[t, schedule(t, 0.05, 1e-8, 10, 100)] for t in [0, 0.5, 5, 9.99, 10, 10.25, 50, 77.7, 99.9, 100]]

json.dump(
    {
        "shapes": {k: list(s) for k, s in shapes.items()},
        "weight_decay": decay,
        "lrs": lrs,
        "initial": {k: v.flatten().tolist() for k, v in initial.items()},
        "grads": grads,
        "final": {k: v.detach().flatten().tolist() for k, v in params.items()},
        "schedule": {"lr": 0.05, "min_lr": 1e-8, "warmup_epochs": 10, "epochs": 100, "points": sched},
    },
    open(os.path.join(out_dir, "adamw.json"), "w"),
    indent=1,
)
print("wrote", os.path.join(out_dir, "adamw.json"))
