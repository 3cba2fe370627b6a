#!/usr/bin/env python3
"""Masked-autoencoder pre-training (He et al. 2022) of a small ViT on Fashion-MNIST, on CPU, and the default
experiment's downstream split.

Data: Debian's `dataset-fashion-mnist` (MIT licence; /usr/share/datasets/fashion-mnist/*.gz, the idx files of
the 60k training and 10k test sets). `apt-get install dataset-fashion-mnist`.

Two jobs:
  --make-split DIR   draws the VTAB-1k-style downstream split from the t10k set (seeded, stratified, disjoint:
                     80 train / 20 val / 100 test images per class = 800 / 200 / 1,000) and writes it to DIR as
                     `images-idx3-ubyte.gz`, `labels-idx1-ubyte.gz` (the 2,000 images in split order: train, val,
                     test) and `split.json` (seed, counts, the t10k index of every image). The project turns these
                     into PNGs and split files (src/engine/data/fashion-mnist/default-dataset.ts); none of the
                     t10k images is seen in pre-training (it uses the 60k training set only, without labels).
  --out DIR          pre-trains the encoder and writes DIR/<name>.safetensors (timm keys, float32, metadata) and
                     DIR/<name>.md (data, steps, loss curve, the linear-probe figures at every probe point).

Run (Debian's CPU PyTorch; one thread is fastest on a shared 2-core machine):
    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 scripts/pretrain_mae_fashion.py \
        --make-split examples/default/dataset
    LD_LIBRARY_PATH=... /usr/bin/python3 scripts/pretrain_mae_fashion.py --out examples/default/backbone \
        --name mae_vit_fashion_d64h4 --embed-dim 64 --heads 4

Model: a timm-structured ViT (pre-norm blocks, fused qkv with bias, scale head_dim^-0.5, LayerNorm eps 1e-6,
exact erf GELU, MLP ratio 4), 28x28 inputs (the gray value copied into R, G and B, ImageNet mean/std, exactly what
the engine's decoder and transform produce from a gray PNG), patch 7 (4x4 = 16 patches), MAE's fixed 2-D sin-cos
position table with a zero CLS row. MAE: random masking per image (argsort of uniform noise), encoder on the
visible patches + CLS, decoder (dim 64, depth 2, 4 heads, mask token, fixed sin-cos positions), MSE on per-patch
normalised pixels of the masked patches (norm_pix_loss). AdamW (0.9, 0.95), weight decay 0.05 on matrices only,
lr = blr x batch / 256, linear warm-up then half-cycle cosine, per step. Data augmentation: random horizontal flip.

Probe (the "stops improving" check, run every --probe-every steps and at the end): logistic regression on the
mean-pooled, final-norm features (the engine's `pool: mean`) of the downstream split: fit on train800 for each L2
weight of a small grid, choose it on val200, report val200 and test1000 at that weight. Only val200 is used to
choose; test is reported.
Deterministic for a given seed, thread count and library build.
"""
import argparse
import collections
import gzip
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SCRIPT = "scripts/pretrain_mae_fashion.py"
SRC = "/usr/share/datasets/fashion-mnist"
IMG, PATCH = 28, 7
GRID = IMG // PATCH
T = GRID * GRID
DEC_D, DEC_DEPTH, DEC_HEADS = 64, 2, 4
EPS = 1e-6
MEAN = np.array([0.485, 0.456, 0.406], np.float32)
STD = np.array([0.229, 0.224, 0.225], np.float32)
CLASSES = ["t-shirt_top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag",
           "ankle_boot"]
PER_CLASS = {"train": 80, "val": 20, "test": 100}


# --------------------------------------------------------------------------------------------------
# idx files
# --------------------------------------------------------------------------------------------------
def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def write_idx(path, arr):
    arr = np.ascontiguousarray(arr, dtype=np.uint8)
    head = struct.pack(">I", 0x0800 | arr.ndim) + struct.pack(">" + "I" * arr.ndim, *arr.shape)
    # mtime=0: the same bytes on every run
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=9) as f:
        f.write(head + arr.tobytes())


def make_split(out, seed):
    images, labels = read_idx(f"{SRC}/t10k-images-idx3-ubyte.gz"), read_idx(f"{SRC}/t10k-labels-idx1-ubyte.gz")
    rng = np.random.RandomState(seed)
    parts = {k: [] for k in PER_CLASS}
    for c in range(10):
        idx = rng.permutation(np.flatnonzero(labels == c))
        o = 0
        for k, n in PER_CLASS.items():
            parts[k].extend(int(i) for i in idx[o:o + n])
            o += n
    for k in parts:  # a seeded shuffle inside each split (class order does not leak into file order)
        parts[k] = [int(i) for i in rng.permutation(parts[k])]
    order = parts["train"] + parts["val"] + parts["test"]
    assert len(set(order)) == len(order)
    os.makedirs(out, exist_ok=True)
    write_idx(os.path.join(out, "images-idx3-ubyte.gz"), images[order])
    write_idx(os.path.join(out, "labels-idx1-ubyte.gz"), labels[order])
    meta = {
        "source": "Fashion-MNIST t10k (Debian dataset-fashion-mnist 0.0~git20200523, MIT licence, Zalando SE)",
        "script": SCRIPT, "seed": seed, "classes": CLASSES,
        "counts": {k: len(v) for k, v in parts.items()},
        "t10k_index": parts,
    }
    with open(os.path.join(out, "split.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    print(f"wrote the split to {out}: {meta['counts']}")


def load_split(folder):
    x = read_idx(os.path.join(folder, "images-idx3-ubyte.gz"))
    y = torch.from_numpy(read_idx(os.path.join(folder, "labels-idx1-ubyte.gz")).astype(np.int64))
    n = json.load(open(os.path.join(folder, "split.json")))["counts"]
    a, b = n["train"], n["train"] + n["val"]
    return (x[:a], y[:a]), (x[a:b], y[a:b]), (x[b:], y[b:])


def to_input(u8):
    """uint8 (N, 28, 28) gray -> float (N, 3, 28, 28): gray copied to RGB, /255, ImageNet mean/std (as the engine)."""
    x = u8.astype(np.float32)[..., None].repeat(3, axis=-1) / np.float32(255.0)
    x = (x - MEAN) / STD
    return torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))


# --------------------------------------------------------------------------------------------------
# Model (timm names and maths)
# --------------------------------------------------------------------------------------------------
def sincos_1d(dim, pos):
    omega = np.arange(dim // 2, dtype=np.float64) / (dim / 2.0)
    omega = 1.0 / 10000 ** omega
    out = np.einsum("m,d->md", pos.reshape(-1), omega)
    return np.concatenate([np.sin(out), np.cos(out)], axis=1)


def sincos_2d(dim, grid):
    """MAE's get_2d_sincos_pos_embed with cls_token=True: (1, 1 + grid^2, dim), the CLS row zero."""
    g = np.arange(grid, dtype=np.float32)
    gw, gh = np.meshgrid(g, g)
    emb = np.concatenate([sincos_1d(dim // 2, gw), sincos_1d(dim // 2, gh)], axis=1)
    emb = np.concatenate([np.zeros([1, dim]), emb], axis=0)
    return torch.from_numpy(emb.astype(np.float32)).unsqueeze(0)


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=True)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):  # x: (B, N, C)
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)  # (3, B, H, N, hd)
        q, k, v = qkv[0], qkv[1], qkv[2]
        a = ((q @ k.transpose(-2, -1)) * self.scale).softmax(dim=-1)  # (B, H, N, N)
        return self.proj((a @ v).transpose(1, 2).reshape(b, n, c))


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=EPS)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=EPS)
        self.mlp = nn.Module()
        self.mlp.fc1 = nn.Linear(dim, 4 * dim)
        self.mlp.fc2 = nn.Linear(4 * dim, dim)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp.fc2(F.gelu(self.mlp.fc1(self.norm2(x))))  # exact (erf) GELU


class Encoder(nn.Module):
    """The part that is saved: exactly timm's VisionTransformer encoder keys."""

    def __init__(self, dim, depth, heads):
        super().__init__()
        self.dim = dim
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(sincos_2d(dim, GRID), requires_grad=False)  # fixed
        self.patch_embed = nn.Module()
        self.patch_embed.proj = nn.Conv2d(3, dim, kernel_size=PATCH, stride=PATCH)
        self.blocks = nn.ModuleList([Block(dim, heads) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=EPS)

    def embed(self, x):  # (B, 3, 28, 28) -> (B, T, C), position added
        return self.patch_embed.proj(x).flatten(2).transpose(1, 2) + self.pos_embed[:, 1:]

    def features(self, x):
        """Full (unmasked) forward: final-norm'ed mean of the patch tokens (the engine's `pool: mean`)."""
        t = self.embed(x)
        cls = (self.cls_token + self.pos_embed[:, :1]).expand(t.shape[0], -1, -1)
        t = torch.cat([cls, t], dim=1)
        for blk in self.blocks:
            t = blk(t)
        return self.norm(t[:, 1:].mean(dim=1))


class MAE(nn.Module):
    def __init__(self, dim, depth, heads, mask_ratio):
        super().__init__()
        self.mask_ratio = mask_ratio
        self.encoder = Encoder(dim, depth, heads)
        self.decoder_embed = nn.Linear(dim, DEC_D)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, DEC_D))
        self.decoder_pos_embed = nn.Parameter(sincos_2d(DEC_D, GRID), requires_grad=False)
        self.decoder_blocks = nn.ModuleList([Block(DEC_D, DEC_HEADS) for _ in range(DEC_DEPTH)])
        self.decoder_norm = nn.LayerNorm(DEC_D, eps=EPS)
        self.decoder_pred = nn.Linear(DEC_D, PATCH * PATCH * 3)
        self.init_weights()

    def init_weights(self):
        """MAE's initialisation: xavier-uniform linears (and the patch conv as a linear), LN 1/0, tokens N(0, .02)."""
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.LayerNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        w = self.encoder.patch_embed.proj.weight
        nn.init.xavier_uniform_(w.data.view(w.shape[0], -1))
        nn.init.zeros_(self.encoder.patch_embed.proj.bias)
        nn.init.normal_(self.encoder.cls_token, std=0.02)
        nn.init.normal_(self.mask_token, std=0.02)

    def forward(self, imgs):
        enc = self.encoder
        x = enc.embed(imgs)  # (B, T, C)
        n, l, c = x.shape
        keep = int(l * (1 - self.mask_ratio))
        ids_shuffle = torch.argsort(torch.rand(n, l), dim=1)
        ids_restore = torch.argsort(ids_shuffle, dim=1)
        x = torch.gather(x, 1, ids_shuffle[:, :keep].unsqueeze(-1).expand(-1, -1, c))  # (B, keep, C)
        mask = torch.ones(n, l)
        mask[:, :keep] = 0
        mask = torch.gather(mask, 1, ids_restore)  # (B, T), 1 = masked
        cls = (enc.cls_token + enc.pos_embed[:, :1]).expand(n, -1, -1)
        x = torch.cat([cls, x], dim=1)
        for blk in enc.blocks:
            x = blk(x)
        x = self.decoder_embed(enc.norm(x))  # (B, 1 + keep, Dd)
        y = torch.cat([x[:, 1:], self.mask_token.expand(n, l - keep, -1)], dim=1)
        y = torch.gather(y, 1, ids_restore.unsqueeze(-1).expand(-1, -1, DEC_D))
        x = torch.cat([x[:, :1], y], dim=1) + self.decoder_pos_embed
        for blk in self.decoder_blocks:
            x = blk(x)
        pred = self.decoder_pred(self.decoder_norm(x))[:, 1:]  # (B, T, P*P*3)
        target = imgs.reshape(n, 3, GRID, PATCH, GRID, PATCH)
        target = torch.einsum("nchpwq->nhwpqc", target).reshape(n, T, PATCH * PATCH * 3)
        mean, var = target.mean(dim=-1, keepdim=True), target.var(dim=-1, keepdim=True)
        target = (target - mean) / (var + 1e-6) ** 0.5  # norm_pix_loss
        loss = ((pred - target) ** 2).mean(dim=-1)
        return (loss * mask).sum() / mask.sum()


# --------------------------------------------------------------------------------------------------
# safetensors (written by hand, as scripts/make_parity_fixtures.py does)
# --------------------------------------------------------------------------------------------------
def safetensors_bytes(tensors, metadata):
    header, blobs, off = {"__metadata__": metadata}, [], 0
    for name, t in tensors.items():
        b = t.detach().contiguous().float().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    hb = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hb += b" " * ((8 - len(hb) % 8) % 8)
    return struct.pack("<Q", len(hb)) + hb + b"".join(blobs)


# --------------------------------------------------------------------------------------------------
# Linear probe (model selection on val200 only)
# --------------------------------------------------------------------------------------------------
@torch.no_grad()
def extract(encoder, u8):
    encoder.eval()
    out = torch.cat([encoder.features(to_input(u8[i:i + 500])) for i in range(0, len(u8), 500)])
    encoder.train()
    return out


def logreg(xtr, ytr, xev, wd, steps=300):
    w = torch.zeros(xtr.shape[1], 10, requires_grad=True)
    b = torch.zeros(10, requires_grad=True)
    opt = torch.optim.Adam([w, b], lr=0.05)
    for _ in range(steps):
        opt.zero_grad()
        loss = F.cross_entropy(xtr @ w + b, ytr) + wd * (w ** 2).sum()
        loss.backward()
        opt.step()
    with torch.no_grad():
        return [((x @ w + b).argmax(1) == y).float().mean().item() for x, y in xev]


def probe(encoder, split):
    (xtr, ytr), (xva, yva), (xte, yte) = split
    ftr, fva, fte = extract(encoder, xtr), extract(encoder, xva), extract(encoder, xte)
    mu, sd = ftr.mean(0), ftr.std(0) + 1e-6
    ftr, fva, fte = (ftr - mu) / sd, (fva - mu) / sd, (fte - mu) / sd
    rows = [(logreg(ftr, ytr, [(fva, yva), (fte, yte)], wd), wd) for wd in (1e-4, 1e-3, 1e-2)]
    (val, test), wd = max(rows, key=lambda r: r[0][0])  # chosen on val only
    return {"val": round(val, 4), "test": round(test, 4), "wd": wd}


# --------------------------------------------------------------------------------------------------
def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def write_readme(path, meta, probes):
    dim, heads = int(meta["embed_dim"]), int(meta["num_heads"])
    curve = json.loads(meta["loss_curve"])
    rows = "\n".join(f"| {p['step']} | {p['images']:,} | {p['loss']:.4f} | {100 * p['val']:.1f} % | "
                     f"{100 * p['test']:.1f} % | {p['wd']:g} |" for p in probes)
    rnd = json.loads(meta["random_init_probe"])
    text = f"""# `{meta['name']}.safetensors`

A small Vision Transformer encoder pre-trained from scratch on a CPU with masked-autoencoder pre-training
(He et al. 2022) on the 60,000 Fashion-MNIST training images, without their labels. Generated by `{SCRIPT}`;
do not edit by hand.

- Architecture (timm `VisionTransformer` names and maths): embed_dim {dim}, depth {meta['depth']}, {heads} heads
  (head width {dim // heads}), patch 7, 28 px (4x4 = 16 patches), MLP ratio 4, fused qkv with bias, LayerNorm
  eps 1e-6, exact GELU, no head; {int(meta['num_params']):,} parameters, float32. `pos_embed` is MAE's fixed
  2-D sin-cos table with a zero CLS row. Use `pool: mean` (mean of the patch tokens, then `norm`), 3-channel input
  (a gray image is copied into R, G and B, as the engine decodes a gray PNG) and ImageNet mean/std.
- Pre-training: {round(100 * float(meta['mask_ratio']))} % random masking, decoder dim {DEC_D} depth {DEC_DEPTH}
  ({DEC_HEADS} heads), MSE on per-patch-normalised pixels of the masked patches; random horizontal flips; AdamW
  0.9/0.95, weight decay 0.05 (matrices only), batch {meta['batch']}, lr {float(meta['lr']):.3g}
  (blr {meta['blr']} x batch/256), {meta['warmup']} warm-up steps then cosine to 0, {int(meta['steps']):,} steps
  ({int(meta['steps']) * int(meta['batch']) / 60000:.0f} epochs of the 60k images). Only the encoder is kept.
- Seed {meta['seed']}; torch {meta['torch']}, {meta['threads']} thread(s); {float(meta['train_s']) / 60:.1f} min of
  pre-training on {meta['cpu']} (shared with other work).

## Linear probe during pre-training

Logistic regression on the standardised `pool: mean` features of the downstream split (examples/default/dataset:
train800 to fit; the L2 weight chosen on val200 from 1e-4, 1e-3, 1e-2; test1000 reported at that weight, never
used to choose). Loss: masked-patch MSE, mean of the 100 steps before the probe.

| step | images seen | loss | probe val200 | probe test1000 | L2 |
|---|---|---|---|---|---|
{rows}

A randomly initialised encoder of the same architecture (MAE init, seed {meta['seed']}): probe val200
{100 * rnd['val']:.1f} %, test1000 {100 * rnd['test']:.1f} %.

Loss curve (step: loss): {", ".join(f"{s}: {v:.3f}" for s, v in curve)}.

## Regenerate

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 {SCRIPT} \\
        --out <dir> --name {meta['name']} --embed-dim {dim} --depth {meta['depth']} --heads {heads} \\
        --steps {meta["steps"]} --batch {meta["batch"]} --seed {meta["seed"]} --probe-every {meta["probe_every"]}
"""
    with open(path, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--make-split")
    ap.add_argument("--split-seed", type=int, default=0)
    ap.add_argument("--out")
    ap.add_argument("--name", default="mae_vit_fashion")
    ap.add_argument("--split-dir", default="examples/default/dataset")
    ap.add_argument("--embed-dim", type=int, default=64)
    ap.add_argument("--depth", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--steps", type=int, default=6000)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--blr", type=float, default=1.5e-3)
    ap.add_argument("--mask-ratio", type=float, default=0.6)
    ap.add_argument("--warmup", type=int, default=0, help="warm-up steps (default: 5 %% of the steps)")
    ap.add_argument("--probe-every", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    if args.make_split:
        make_split(args.make_split, args.split_seed)
        return
    if not args.out:
        sys.exit("give --make-split DIR or --out DIR")

    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    os.makedirs(args.out, exist_ok=True)
    split = load_split(args.split_dir)
    train = read_idx(f"{SRC}/train-images-idx3-ubyte.gz")  # (60000, 28, 28) uint8; labels never read

    torch.manual_seed(args.seed)
    rng = np.random.RandomState(args.seed)
    model = MAE(args.embed_dim, args.depth, args.heads, args.mask_ratio)
    rnd_probe = probe(MAE(args.embed_dim, args.depth, args.heads, args.mask_ratio).encoder, split)
    print(f"random-init probe: {rnd_probe}", flush=True)
    num_params = sum(p.numel() for p in model.encoder.parameters())
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if p.requires_grad:
            (no_decay if p.ndim <= 1 or name.endswith(".bias") or "token" in name else decay).append(p)
    lr = args.blr * args.batch / 256
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=lr, betas=(0.9, 0.95))
    warmup = args.warmup or max(1, round(0.05 * args.steps))
    losses, curve, probes = [], [], []
    order, pos = rng.permutation(len(train)), 0
    tt = time.time()
    for step in range(args.steps):
        cur = lr * (step + 1) / warmup if step < warmup else \
            lr * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, args.steps - warmup)))
        for g in opt.param_groups:
            g["lr"] = cur
        if pos + args.batch > len(order):
            order, pos = rng.permutation(len(train)), 0
        u8 = train[order[pos:pos + args.batch]]
        pos += args.batch
        flip = rng.rand(args.batch) < 0.5
        u8 = np.where(flip[:, None, None], u8[:, :, ::-1], u8)
        loss = model(to_input(u8))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if not math.isfinite(losses[-1]):
            sys.exit(f"loss diverged at step {step}")
        s = step + 1
        if s % 250 == 0 or s == args.steps:
            curve.append((s, round(float(np.mean(losses[-100:])), 4)))
        if s % args.probe_every == 0 or s == args.steps:
            p = probe(model.encoder, split)
            probes.append({"step": s, "images": s * args.batch, "loss": float(np.mean(losses[-100:])), **p})
            el = time.time() - tt
            print(f"step {s}/{args.steps} loss {probes[-1]['loss']:.4f} lr {cur:.2e} probe val {p['val']:.3f} "
                  f"test {p['test']:.3f} ({el / s:.3f} s/step, {el / 60:.1f} min)", flush=True)
    train_s = time.time() - tt

    esd = model.encoder.state_dict()
    keys = ["cls_token", "pos_embed", "patch_embed.proj.weight", "patch_embed.proj.bias"]
    keys += [k for k in esd if k.startswith("blocks.")] + ["norm.weight", "norm.bias"]
    assert sorted(keys) == sorted(esd.keys()), sorted(esd.keys())
    sd = collections.OrderedDict((k, esd[k].detach().clone().float()) for k in keys)
    meta = {
        "format": "pt", "script": SCRIPT, "name": args.name, "seed": str(args.seed), "steps": str(args.steps),
        "batch": str(args.batch), "blr": str(args.blr), "lr": repr(lr), "warmup": str(warmup),
        "mask_ratio": str(args.mask_ratio), "norm_pix_loss": "true", "embed_dim": str(args.embed_dim),
        "depth": str(args.depth), "num_heads": str(args.heads), "patch_size": str(PATCH), "image_size": str(IMG),
        "data": "Fashion-MNIST train (60k, labels unused), Debian dataset-fashion-mnist",
        "loss_curve": json.dumps(curve), "probes": json.dumps(probes), "random_init_probe": json.dumps(rnd_probe),
        "num_params": str(num_params), "torch": torch.__version__, "threads": str(args.threads), "cpu": cpu_name(),
        "train_s": f"{train_s:.0f}", "probe_every": str(args.probe_every),
    }
    wfile = os.path.join(args.out, f"{args.name}.safetensors")
    with open(wfile, "wb") as f:
        f.write(safetensors_bytes(sd, meta))
    write_readme(os.path.join(args.out, f"{args.name}.md"), meta, probes)
    print(f"wrote {wfile} ({os.path.getsize(wfile)} bytes, {num_params} params) in {train_s / 60:.1f} min", flush=True)


if __name__ == "__main__":
    main()
