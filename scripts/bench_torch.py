"""PyTorch baseline for `npm run bench` (bench/run.ts): the same prompted ViT and the same math as the
engine (timm's ViT, deep prompts replaced before every block, frozen backbone, prompts + head trained with
AdamW), and a large sgemm for the machine's fp32 GEMM peak. Prints one JSON object on stdout.

Run it as the bench does (Debian's python3-torch with OpenBLAS's OpenMP build):
  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 scripts/bench_torch.py \
      model --config small --batch 64 --steps 3 --threads 2
  ... scripts/bench_torch.py gemm --n 2048 --threads 2
  ... scripts/bench_torch.py info
"""

import argparse
import json
import os
import platform
import resource
import sys
import time

CONFIGS = {
    # name: (embed_dim, depth, heads, patch, image)
    "tiny": (192, 12, 3, 16, 224),
    "small": (192, 6, 3, 4, 32),
    # the device check's configurations (scripts/device/torch_cuda_step.py)
    "vit-ti": (192, 12, 3, 16, 224),
    "vit-s": (384, 12, 6, 16, 224),
    "vit-b": (768, 12, 12, 16, 224),
}


def info():
    out = {"python": platform.python_version()}
    try:
        import torch

        out["torch"] = torch.__version__
        out["torch_threads_default"] = torch.get_num_threads()
        try:
            from threadpoolctl import threadpool_info

            out["blas"] = [
                {k: d.get(k) for k in ("internal_api", "version", "threading_layer", "num_threads", "filepath")}
                for d in threadpool_info()
            ]
        except Exception as err:  # noqa: BLE001
            out["blas_error"] = str(err)
    except Exception as err:  # noqa: BLE001
        out["error"] = str(err)
    return out


def gemm(n, reps, threads):
    import torch

    torch.set_num_threads(threads)
    a = torch.randn(n, n)
    b = torch.randn(n, n)
    torch.mm(a, b)
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        torch.mm(a, b)
        times.append(time.perf_counter() - t0)
    times.sort()
    med = times[len(times) // 2]
    return {"n": n, "threads": threads, "ms": [t * 1e3 for t in times], "gflops": 2 * n**3 / med / 1e9}


def build(config, prompts, classes):
    import torch
    from torch import nn
    from torch.nn import functional as F

    D, depth, H, P, S = CONFIGS[config]
    T = (S // P) ** 2

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.norm1 = nn.LayerNorm(D, eps=1e-6)
            self.qkv = nn.Linear(D, 3 * D)
            self.proj = nn.Linear(D, D)
            self.norm2 = nn.LayerNorm(D, eps=1e-6)
            self.fc1 = nn.Linear(D, 4 * D)
            self.fc2 = nn.Linear(4 * D, D)
            self.scale = (D // H) ** -0.5

        def forward(self, x):
            B, L, _ = x.shape
            qkv = self.qkv(self.norm1(x)).reshape(B, L, 3, H, D // H).permute(2, 0, 3, 1, 4)
            q, k, v = qkv.unbind(0)
            attn = ((q * self.scale) @ k.transpose(-2, -1)).softmax(dim=-1)
            o = (attn @ v).transpose(1, 2).reshape(B, L, D)
            x = x + self.proj(o)
            return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))

    class PromptedViT(nn.Module):
        def __init__(self):
            super().__init__()
            self.patch = nn.Conv2d(3, D, P, P)
            self.cls = nn.Parameter(torch.randn(1, 1, D) * 0.02)
            self.pos = nn.Parameter(torch.randn(1, 1 + T, D) * 0.02)
            self.blocks = nn.ModuleList([Block() for _ in range(depth)])
            self.norm = nn.LayerNorm(D, eps=1e-6)
            for p in self.parameters():
                p.requires_grad_(False)  # frozen backbone
            self.prompts = nn.Parameter(torch.randn(depth, prompts, D) * 0.02)
            self.head = nn.Linear(D, classes)

        def forward(self, images):
            B = images.shape[0]
            x = self.patch(images).flatten(2).transpose(1, 2)  # [B, T, D]
            x = torch.cat([self.cls.expand(B, -1, -1), x], 1) + self.pos
            N = self.prompts.shape[1]
            x = torch.cat([x[:, :1], self.prompts[0].expand(B, -1, -1), x[:, 1:]], 1)
            for i, blk in enumerate(self.blocks):
                if i > 0:
                    x = torch.cat([x[:, :1], self.prompts[i].expand(B, -1, -1), x[:, 1 + N :]], 1)
                x = blk(x)
            return self.head(self.norm(x)[:, 0])

    return PromptedViT(), S


def model_bench(config, batch, mode, steps, warmup, threads, prompts=10, classes=10):
    import torch
    from torch.nn import functional as F

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    t0 = time.perf_counter()
    model, S = build(config, prompts, classes)
    images = torch.randn(batch, 3, S, S)
    labels = torch.arange(batch) % classes
    opt = torch.optim.AdamW([model.prompts, *model.head.parameters()], lr=1e-3, weight_decay=1e-4)
    setup_ms = (time.perf_counter() - t0) * 1e3

    def train_step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
        opt.step()
        return float(loss)

    def forward_step():
        with torch.no_grad():
            return float(model(images).sum())

    step = train_step if mode == "train" else forward_step
    for _ in range(warmup):
        step()
    times = []
    cpu = []
    for _ in range(steps):
        t = time.perf_counter()
        c = time.process_time()
        step()
        times.append((time.perf_counter() - t) * 1e3)
        cpu.append((time.process_time() - c) * 1e3)  # all threads: with 1 thread, one core's time
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {
        "config": config,
        "batch": batch,
        "mode": mode,
        "threads": threads,
        "setup_ms": setup_ms,
        "step_ms": times,
        "step_cpu_ms": cpu,
        "peak_rss_bytes": rss,
    }


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("info")
    g = sub.add_parser("gemm")
    g.add_argument("--n", type=int, default=2048)
    g.add_argument("--reps", type=int, default=5)
    g.add_argument("--threads", type=int, default=2)
    m = sub.add_parser("model")
    m.add_argument("--config", choices=sorted(CONFIGS), required=True)
    m.add_argument("--batch", type=int, required=True)
    m.add_argument("--mode", choices=["train", "forward"], default="train")
    m.add_argument("--steps", type=int, default=3)
    m.add_argument("--warmup", type=int, default=1)
    m.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    try:
        if a.cmd == "info":
            out = info()
        elif a.cmd == "gemm":
            out = gemm(a.n, a.reps, a.threads)
        else:
            out = model_bench(a.config, a.batch, a.mode, a.steps, a.warmup, a.threads)
    except ImportError as err:
        out = {"error": f"{err}", "hint": "apt-get install python3-torch libopenblas0-openmp"}
    out["omp_num_threads_env"] = os.environ.get("OMP_NUM_THREADS")
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
