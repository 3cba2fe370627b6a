#!/usr/bin/env python3
"""Deterministic generator of the numerical parity fixtures for the TypeScript engine.

Run:
    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 \
        scripts/make_parity_fixtures.py test/fixtures/parity

Needs only torch (>= 1.13) and numpy. No timm / safetensors / transformers: the reference ViT is written
here with timm's parameter names and timm's exact math (see docs/spt-method.md sections 1-4 and 7), the
safetensors and npz files are written by hand. All reference maths runs in float64 on float32 weights; the
results are saved as float32. Random values come from numpy's legacy RandomState (stable across versions).
The script checks itself (every checkpoint layout reloads to identical tensors and logits, gradients agree
with central finite differences, the position-embedding resampler agrees with an independent
PIL-style implementation) and writes byte-identical files on every run in the same environment.
"""
import collections
import io
import json
import math
import os
import struct
import sys
import zipfile
import zlib

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

# --------------------------------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------------------------------
D = 32          # embed_dim
DEPTH = 3
HEADS = 4
PATCH = 8
IMG = 32        # native image size -> grid 4x4, T = 16
C = 5           # task classes
N = 4           # prompts
PRETRAINED_CLASSES = 10
EPS = 1e-6
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
LABELS = [0, 1, 2, 3, 4, 2]
NUM_IMAGES = len(LABELS)

CASES = [
    # name, method, mode, pool, image_size, split, seed
    ("linear_cls", "linear", None, "cls", 32, "images.txt", 101),
    ("linear_mean", "linear", None, "mean", 32, "images.txt", 102),
    ("shallow_cls", "vpt", "shallow", "cls", 32, "images.txt", 103),
    ("shallow_mean", "vpt", "shallow", "mean", 32, "images.txt", 104),
    ("deep_cls", "vpt", "deep", "cls", 32, "images.txt", 105),
    ("deep_mean", "vpt", "deep", "mean", 32, "images.txt", 106),
    ("deep_mean_img48", "vpt", "deep", "mean", 48, "images48.txt", 107),
    ("shallow_cls_img24", "vpt", "shallow", "cls", 24, "images24.txt", 108),
]


def rng(seed):
    return np.random.RandomState(seed)


def randn(r, shape, std, mean=0.0):
    return torch.from_numpy((mean + std * r.standard_normal(shape)).astype(np.float32))


# --------------------------------------------------------------------------------------------------
# Backbone weights (timm key names, float32)
# --------------------------------------------------------------------------------------------------
def make_backbone():
    r = rng(20240214)
    sd = collections.OrderedDict()
    sd["cls_token"] = randn(r, (1, 1, D), 0.3)
    sd["pos_embed"] = randn(r, (1, 1 + (IMG // PATCH) ** 2, D), 0.3)
    sd["patch_embed.proj.weight"] = randn(r, (D, 3, PATCH, PATCH), 0.1)
    sd["patch_embed.proj.bias"] = randn(r, (D,), 0.05)
    for i in range(DEPTH):
        p = f"blocks.{i}."
        sd[p + "norm1.weight"] = randn(r, (D,), 0.1, 1.0)
        sd[p + "norm1.bias"] = randn(r, (D,), 0.05)
        sd[p + "attn.qkv.weight"] = randn(r, (3 * D, D), 0.15)
        sd[p + "attn.qkv.bias"] = randn(r, (3 * D,), 0.05)
        sd[p + "attn.proj.weight"] = randn(r, (D, D), 0.15)
        sd[p + "attn.proj.bias"] = randn(r, (D,), 0.05)
        sd[p + "norm2.weight"] = randn(r, (D,), 0.1, 1.0)
        sd[p + "norm2.bias"] = randn(r, (D,), 0.05)
        sd[p + "mlp.fc1.weight"] = randn(r, (4 * D, D), 0.15)
        sd[p + "mlp.fc1.bias"] = randn(r, (4 * D,), 0.05)
        sd[p + "mlp.fc2.weight"] = randn(r, (D, 4 * D), 0.15)
        sd[p + "mlp.fc2.bias"] = randn(r, (D,), 0.05)
    sd["norm.weight"] = randn(r, (D,), 0.1, 1.0)
    sd["norm.bias"] = randn(r, (D,), 0.05)
    encoder = collections.OrderedDict(sd)
    sd["head.weight"] = randn(r, (PRETRAINED_CLASSES, D), 0.2)
    sd["head.bias"] = randn(r, (PRETRAINED_CLASSES,), 0.1)
    return encoder, sd


# --------------------------------------------------------------------------------------------------
# timm's resample_abs_pos_embed (defaults: bicubic, antialias=True, 1 prefix token, float32 maths)
# --------------------------------------------------------------------------------------------------
def resample_abs_pos_embed(posemb, new_size, num_prefix_tokens=1):
    num_pos_tokens = posemb.shape[1]
    if new_size[0] * new_size[1] + num_prefix_tokens == num_pos_tokens and new_size[0] == new_size[1]:
        return posemb
    hw = int(math.sqrt(num_pos_tokens - num_prefix_tokens))
    prefix, grid = posemb[:, :num_prefix_tokens], posemb[:, num_prefix_tokens:]
    dim = grid.shape[-1]
    orig_dtype = grid.dtype
    grid = grid.float().reshape(1, hw, hw, -1).permute(0, 3, 1, 2)
    grid = F.interpolate(grid, size=tuple(new_size), mode="bicubic", antialias=True, align_corners=False)
    grid = grid.permute(0, 2, 3, 1).reshape(1, -1, dim).to(orig_dtype)
    return torch.cat([prefix, grid], dim=1)


def _aa_weights(in_size, out_size):
    """PIL-style separable antialiased bicubic weights (what torch's antialias=True computes)."""
    def cubic(x, a=-0.5):
        x = abs(x)
        if x < 1.0:
            return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0
        if x < 2.0:
            return (((x - 5.0) * x + 8.0) * x - 4.0) * a
        return 0.0
    scale = in_size / out_size
    support = 2.0 * max(scale, 1.0)
    invscale = 1.0 / scale if scale >= 1.0 else 1.0
    m = np.zeros((out_size, in_size))
    for i in range(out_size):
        center = scale * (i + 0.5)
        xmin = max(int(center - support + 0.5), 0)
        xmax = min(int(center + support + 0.5), in_size)
        w = np.array([cubic((j - center + 0.5) * invscale) for j in range(xmin, xmax)])
        m[i, xmin:xmax] = w / w.sum()
    return m


def check_resample_independently(posemb, new):
    g = int(math.sqrt(posemb.shape[1] - 1))
    grid = posemb[0, 1:].double().numpy().reshape(g, g, -1)
    w = _aa_weights(g, new)
    out = np.einsum("ai,bj,ijd->abd", w, w, grid).reshape(new * new, -1)
    ref = resample_abs_pos_embed(posemb, (new, new))[0, 1:].double().numpy()
    err = np.abs(out - ref).max()
    assert err < 1e-5, f"resample cross-check failed for grid {new}: {err}"


# --------------------------------------------------------------------------------------------------
# Reference forward (functional, float64, timm math)
# --------------------------------------------------------------------------------------------------
def to_double(sd):
    return {k: v.double() for k, v in sd.items()}


def attention(x, w, p):
    B, L, _ = x.shape
    hd = D // HEADS
    qkv = F.linear(x, w[p + "attn.qkv.weight"], w[p + "attn.qkv.bias"])
    qkv = qkv.reshape(B, L, 3, HEADS, hd).permute(2, 0, 3, 1, 4)
    q, k, v = qkv.unbind(0)
    q = q * hd ** -0.5
    attn = (q @ k.transpose(-2, -1)).softmax(dim=-1)
    x = (attn @ v).transpose(1, 2).reshape(B, L, D)
    return F.linear(x, w[p + "attn.proj.weight"], w[p + "attn.proj.bias"])


def block(x, w, i):
    p = f"blocks.{i}."
    x = x + attention(F.layer_norm(x, (D,), w[p + "norm1.weight"], w[p + "norm1.bias"], EPS), w, p)
    h = F.layer_norm(x, (D,), w[p + "norm2.weight"], w[p + "norm2.bias"], EPS)
    h = F.linear(F.gelu(F.linear(h, w[p + "mlp.fc1.weight"], w[p + "mlp.fc1.bias"])),
                 w[p + "mlp.fc2.weight"], w[p + "mlp.fc2.bias"])
    return x + h


def patch_embed(images, w):
    x = F.conv2d(images, w["patch_embed.proj.weight"], w["patch_embed.proj.bias"], stride=PATCH)
    return x.flatten(2).transpose(1, 2)


def forward(images, w, prompts=None, mode=None, pool="cls", head=None, features=None, block_fn=block):
    """images (B,3,H,W) float64 normalised; w float64 backbone dict whose pos_embed fits H."""
    B = images.shape[0]
    x = patch_embed(images, w)
    if features is not None:
        features["patch_embed"] = x
    x = torch.cat([w["cls_token"].expand(B, -1, -1), x], dim=1) + w["pos_embed"]
    if prompts is not None:
        x = torch.cat([x[:, :1], prompts[0:1].expand(B, -1, -1), x[:, 1:]], dim=1)
    for i in range(DEPTH):
        if prompts is not None and mode == "deep" and i > 0:
            n = prompts.shape[1]
            x = torch.cat([x[:, :1], prompts[i:i + 1].expand(B, -1, -1), x[:, 1 + n:]], dim=1)
        if features is not None:
            features[f"block{i}_in"] = x
        x = block_fn(x, w, i)
    if features is not None:
        features["last_out"] = x
    if pool == "cls":
        feat = F.layer_norm(x, (D,), w["norm.weight"], w["norm.bias"], EPS)[:, 0]
    elif pool == "mean":
        feat = F.layer_norm(x[:, 1:].mean(dim=1), (D,), w["norm.weight"], w["norm.bias"], EPS)
    else:
        raise ValueError(pool)
    if head is None:
        return feat
    return F.linear(feat, head[0], head[1])


def block_hf_style(x, w, i):
    """Independent block in Hugging Face's form (separate q/k/v, view/transpose) from timm weights."""
    p = f"blocks.{i}."
    hd = D // HEADS
    B, L, _ = x.shape
    qw, kw, vw = w[p + "attn.qkv.weight"].chunk(3, 0)
    qb, kb, vb = w[p + "attn.qkv.bias"].chunk(3, 0)
    h = F.layer_norm(x, (D,), w[p + "norm1.weight"], w[p + "norm1.bias"], EPS)

    def heads(t):
        return t.view(B, -1, HEADS, hd).transpose(1, 2)
    q, k, v = heads(F.linear(h, qw, qb)), heads(F.linear(h, kw, kb)), heads(F.linear(h, vw, vb))
    a = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(hd), dim=-1)
    ctx = torch.matmul(a, v).permute(0, 2, 1, 3).reshape(B, L, D)
    x = x + F.linear(ctx, w[p + "attn.proj.weight"], w[p + "attn.proj.bias"])
    h = F.layer_norm(x, (D,), w[p + "norm2.weight"], w[p + "norm2.bias"], EPS)
    u = F.linear(h, w[p + "mlp.fc1.weight"], w[p + "mlp.fc1.bias"])
    u = 0.5 * u * (1.0 + torch.erf(u / math.sqrt(2.0)))
    return x + F.linear(u, w[p + "mlp.fc2.weight"], w[p + "mlp.fc2.bias"])


def backbone_at(encoder, image_size):
    w = collections.OrderedDict(encoder)
    g = image_size // PATCH
    w["pos_embed"] = resample_abs_pos_embed(encoder["pos_embed"], (g, g))
    return w


# --------------------------------------------------------------------------------------------------
# Images (tiny deterministic PNG writer)
# --------------------------------------------------------------------------------------------------
def png_bytes(img):
    h, w, _ = img.shape
    raw = b"".join(b"\x00" + img[y].tobytes() for y in range(h))

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def read_png(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, w, h = 8, b"", 0, 0
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        tag, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        if tag == b"IHDR":
            w, h = struct.unpack(">II", body[:8])
        elif tag == b"IDAT":
            idat += body
        pos += 12 + n
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(h, 1 + 3 * w)
    assert (raw[:, 0] == 0).all()
    return raw[:, 1:].reshape(h, w, 3).copy()


def make_image(k, size):
    r = rng(1000 + 97 * k + size)
    yy, xx = np.meshgrid(np.linspace(0.0, 1.0, size), np.linspace(0.0, 1.0, size), indexing="ij")
    chans = []
    for c in range(3):
        fx, fy, ph = 1.0 + 2.5 * r.rand(), 1.0 + 2.5 * r.rand(), 2 * math.pi * r.rand()
        base = 0.5 + 0.3 * np.sin(2 * math.pi * (fx * xx + 0.3 * k * yy) + ph) * np.cos(2 * math.pi * fy * yy - c)
        base += 0.15 * (xx - 0.5) * (1 if (k + c) % 2 else -1)
        chans.append(base)
    img = np.stack(chans, -1) + 0.08 * r.standard_normal((size, size, 3))
    return np.clip(np.round(img * 255.0), 0, 255).astype(np.uint8)


def preprocess(imgs):
    x = np.stack(imgs).astype(np.float64) / 255.0
    x = (x - np.array(MEAN)) / np.array(STD)
    return torch.from_numpy(x).permute(0, 3, 1, 2).contiguous()


# --------------------------------------------------------------------------------------------------
# safetensors / npz writers and readers
# --------------------------------------------------------------------------------------------------
_ST_DT = {torch.float32: "F32", torch.int64: "I64"}
_ST_NP = {"F32": "<f4", "I64": "<i8"}


def safetensors_bytes(tensors):
    header, blobs, off = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous()
        dt = _ST_DT[t.dtype]
        b = t.numpy().astype(_ST_NP[dt]).tobytes()
        header[name] = {"dtype": dt, "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    hb = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hb += b" " * ((8 - len(hb) % 8) % 8)
    return struct.pack("<Q", len(hb)) + hb + b"".join(blobs)


def read_safetensors(path):
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    header.pop("__metadata__", None)
    out = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        arr = np.frombuffer(data[8 + n + b:8 + n + e], dtype=_ST_NP[info["dtype"]]).reshape(info["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out


def npz_bytes(arrays):
    """Same layout as np.savez (stored, zip64 extra fields) but with a fixed timestamp."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, arr in arrays.items():
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o600 << 16
            with zf.open(info, "w", force_zip64=True) as f:
                np.lib.format.write_array(f, np.ascontiguousarray(arr), allow_pickle=False)
    return buf.getvalue()


ALLOWED_GLOBALS = {"collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch.FloatStorage",
                   "torch.LongStorage", "torch.DoubleStorage"}


def check_pickle_globals(path):
    """The .pth files must only reference tensor-rebuild globals (what a safe loader accepts).
    (torch 1.13's own weights_only loader cannot be used: it rejects BINFLOAT, i.e. any Python float.)"""
    import pickletools
    with zipfile.ZipFile(path) as zf:
        pkl = [n for n in zf.namelist() if n.endswith("/data.pkl")]
        assert len(pkl) == 1, path
        data = zf.read(pkl[0])
    found, strings = set(), []
    for op, arg, _ in pickletools.genops(data):
        if op.name == "GLOBAL":
            found.add(arg.replace(" ", "."))
        elif op.name == "STACK_GLOBAL":
            found.add(strings[-2] + "." + strings[-1])
        elif op.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE"):
            strings.append(arg)
    assert found <= ALLOWED_GLOBALS, (path, found - ALLOWED_GLOBALS)
    return found


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


# --------------------------------------------------------------------------------------------------
# Layout converters: timm -> X (writing) and X -> timm (what the engine's loader must do)
# --------------------------------------------------------------------------------------------------
def timm_to_jax(sd):
    hd = D // HEADS
    n = lambda t: t.detach().numpy().astype(np.float32)  # noqa: E731
    out = collections.OrderedDict()
    out["cls"] = n(sd["cls_token"])
    out["embedding/kernel"] = n(sd["patch_embed.proj.weight"].permute(2, 3, 1, 0))  # OIHW -> HWIO
    out["embedding/bias"] = n(sd["patch_embed.proj.bias"])
    out["head/bias"] = n(sd["head.bias"])
    out["head/kernel"] = n(sd["head.weight"].t())
    for i in range(DEPTH):
        p, b = f"blocks.{i}.", f"Transformer/encoderblock_{i}/"
        out[b + "LayerNorm_0/bias"] = n(sd[p + "norm1.bias"])
        out[b + "LayerNorm_0/scale"] = n(sd[p + "norm1.weight"])
        out[b + "LayerNorm_2/bias"] = n(sd[p + "norm2.bias"])
        out[b + "LayerNorm_2/scale"] = n(sd[p + "norm2.weight"])
        out[b + "MlpBlock_3/Dense_0/bias"] = n(sd[p + "mlp.fc1.bias"])
        out[b + "MlpBlock_3/Dense_0/kernel"] = n(sd[p + "mlp.fc1.weight"].t())
        out[b + "MlpBlock_3/Dense_1/bias"] = n(sd[p + "mlp.fc2.bias"])
        out[b + "MlpBlock_3/Dense_1/kernel"] = n(sd[p + "mlp.fc2.weight"].t())
        m = b + "MultiHeadDotProductAttention_1/"
        qkv_w = sd[p + "attn.qkv.weight"].chunk(3, 0)
        qkv_b = sd[p + "attn.qkv.bias"].chunk(3, 0)
        for j, name in enumerate(("query", "key", "value")):
            out[m + name + "/bias"] = n(qkv_b[j].reshape(HEADS, hd))
            out[m + name + "/kernel"] = n(qkv_w[j].t().reshape(D, HEADS, hd))
        out[m + "out/bias"] = n(sd[p + "attn.proj.bias"])
        out[m + "out/kernel"] = n(sd[p + "attn.proj.weight"].t().reshape(HEADS, hd, D))
    out["Transformer/encoder_norm/bias"] = n(sd["norm.bias"])
    out["Transformer/encoder_norm/scale"] = n(sd["norm.weight"])
    out["Transformer/posembed_input/pos_embedding"] = n(sd["pos_embed"])
    return out


def jax_to_timm(w):
    """Mirror of timm's _load_weights (non big_vision branch)."""
    t = lambda a: torch.from_numpy(np.array(a))  # noqa: E731

    def n2p(a, transpose=True):
        a = np.array(a)
        if a.ndim == 4 and transpose:
            a = a.transpose([3, 2, 0, 1])
        elif a.ndim == 3 and transpose:
            a = a.transpose([2, 0, 1])
        elif a.ndim == 2 and transpose:
            a = a.transpose([1, 0])
        return torch.from_numpy(np.ascontiguousarray(a))
    sd = collections.OrderedDict()
    sd["cls_token"] = t(w["cls"])
    sd["pos_embed"] = t(w["Transformer/posembed_input/pos_embedding"])
    sd["patch_embed.proj.weight"] = n2p(w["embedding/kernel"])
    sd["patch_embed.proj.bias"] = n2p(w["embedding/bias"])
    for i in range(DEPTH):
        p, b = f"blocks.{i}.", f"Transformer/encoderblock_{i}/"
        m = b + "MultiHeadDotProductAttention_1/"
        sd[p + "norm1.weight"] = n2p(w[b + "LayerNorm_0/scale"])
        sd[p + "norm1.bias"] = n2p(w[b + "LayerNorm_0/bias"])
        sd[p + "attn.qkv.weight"] = torch.cat(
            [n2p(w[m + x + "/kernel"], False).flatten(1).T for x in ("query", "key", "value")])
        sd[p + "attn.qkv.bias"] = torch.cat(
            [n2p(w[m + x + "/bias"], False).reshape(-1) for x in ("query", "key", "value")])
        sd[p + "attn.proj.weight"] = n2p(w[m + "out/kernel"]).flatten(1)
        sd[p + "attn.proj.bias"] = n2p(w[m + "out/bias"])
        sd[p + "norm2.weight"] = n2p(w[b + "LayerNorm_2/scale"])
        sd[p + "norm2.bias"] = n2p(w[b + "LayerNorm_2/bias"])
        sd[p + "mlp.fc1.weight"] = n2p(w[b + "MlpBlock_3/Dense_0/kernel"])
        sd[p + "mlp.fc1.bias"] = n2p(w[b + "MlpBlock_3/Dense_0/bias"])
        sd[p + "mlp.fc2.weight"] = n2p(w[b + "MlpBlock_3/Dense_1/kernel"])
        sd[p + "mlp.fc2.bias"] = n2p(w[b + "MlpBlock_3/Dense_1/bias"])
    sd["norm.weight"] = n2p(w["Transformer/encoder_norm/scale"])
    sd["norm.bias"] = n2p(w["Transformer/encoder_norm/bias"])
    return sd


def timm_to_hf(sd, prefix=""):
    out = collections.OrderedDict()
    out[prefix + "embeddings.cls_token"] = sd["cls_token"]
    out[prefix + "embeddings.position_embeddings"] = sd["pos_embed"]
    out[prefix + "embeddings.patch_embeddings.projection.weight"] = sd["patch_embed.proj.weight"]
    out[prefix + "embeddings.patch_embeddings.projection.bias"] = sd["patch_embed.proj.bias"]
    for i in range(DEPTH):
        p, h = f"blocks.{i}.", f"{prefix}encoder.layer.{i}."
        out[h + "layernorm_before.weight"] = sd[p + "norm1.weight"]
        out[h + "layernorm_before.bias"] = sd[p + "norm1.bias"]
        qw, kw, vw = sd[p + "attn.qkv.weight"].chunk(3, 0)
        qb, kb, vb = sd[p + "attn.qkv.bias"].chunk(3, 0)
        for name, wt, bs in (("query", qw, qb), ("key", kw, kb), ("value", vw, vb)):
            out[h + f"attention.attention.{name}.weight"] = wt.contiguous()
            out[h + f"attention.attention.{name}.bias"] = bs.contiguous()
        out[h + "attention.output.dense.weight"] = sd[p + "attn.proj.weight"]
        out[h + "attention.output.dense.bias"] = sd[p + "attn.proj.bias"]
        out[h + "layernorm_after.weight"] = sd[p + "norm2.weight"]
        out[h + "layernorm_after.bias"] = sd[p + "norm2.bias"]
        out[h + "intermediate.dense.weight"] = sd[p + "mlp.fc1.weight"]
        out[h + "intermediate.dense.bias"] = sd[p + "mlp.fc1.bias"]
        out[h + "output.dense.weight"] = sd[p + "mlp.fc2.weight"]
        out[h + "output.dense.bias"] = sd[p + "mlp.fc2.bias"]
    out[prefix + "layernorm.weight"] = sd["norm.weight"]
    out[prefix + "layernorm.bias"] = sd["norm.bias"]
    return out


def hf_to_timm(hf, prefix=""):
    g = lambda k: hf[prefix + k]  # noqa: E731
    sd = collections.OrderedDict()
    sd["cls_token"] = g("embeddings.cls_token")
    sd["pos_embed"] = g("embeddings.position_embeddings")
    sd["patch_embed.proj.weight"] = g("embeddings.patch_embeddings.projection.weight")
    sd["patch_embed.proj.bias"] = g("embeddings.patch_embeddings.projection.bias")
    for i in range(DEPTH):
        p, h = f"blocks.{i}.", f"encoder.layer.{i}."
        sd[p + "norm1.weight"] = g(h + "layernorm_before.weight")
        sd[p + "norm1.bias"] = g(h + "layernorm_before.bias")
        sd[p + "attn.qkv.weight"] = torch.cat(
            [g(h + f"attention.attention.{x}.weight") for x in ("query", "key", "value")])
        sd[p + "attn.qkv.bias"] = torch.cat(
            [g(h + f"attention.attention.{x}.bias") for x in ("query", "key", "value")])
        sd[p + "attn.proj.weight"] = g(h + "attention.output.dense.weight")
        sd[p + "attn.proj.bias"] = g(h + "attention.output.dense.bias")
        sd[p + "norm2.weight"] = g(h + "layernorm_after.weight")
        sd[p + "norm2.bias"] = g(h + "layernorm_after.bias")
        sd[p + "mlp.fc1.weight"] = g(h + "intermediate.dense.weight")
        sd[p + "mlp.fc1.bias"] = g(h + "intermediate.dense.bias")
        sd[p + "mlp.fc2.weight"] = g(h + "output.dense.weight")
        sd[p + "mlp.fc2.bias"] = g(h + "output.dense.bias")
    sd["norm.weight"] = g("layernorm.weight")
    sd["norm.bias"] = g("layernorm.bias")
    return sd


ENCODER_KEYS = None  # filled in main()


def strip_to_encoder(d, prefix=""):
    """Generic loader rule: take the encoder keys under `prefix`, drop heads / decoders / everything else."""
    return collections.OrderedDict((k, d[prefix + k]) for k in ENCODER_KEYS)


# --------------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------------
def f32(t):
    return t.detach().to(torch.float32).contiguous()


def jfloat(x):
    """float64 -> nearest float32 -> shortest decimal (stable JSON)."""
    return float(repr(np.float32(x)))


def main(out_dir):
    global ENCODER_KEYS
    os.makedirs(out_dir, exist_ok=True)
    encoder, timm_sd = make_backbone()
    ENCODER_KEYS = list(encoder.keys())
    files = []

    def put(name, data):
        write(os.path.join(out_dir, name), data)
        files.append(name)

    def save_torch(name, obj):
        path = os.path.join(out_dir, name)
        torch.save(obj, path)
        files.append(name)
        check_pickle_globals(path)
        return torch.load(path, map_location="cpu")

    put("backbone.json", (json.dumps({"embed_dim": D, "depth": DEPTH, "num_heads": HEADS, "patch_size": PATCH,
                                      "image_size": IMG, "num_classes": C, "num_prompts": N}) + "\n").encode())

    # ---------------- images and splits
    images = {}
    for folder, split, size in (("images", "images.txt", 32), ("images48", "images48.txt", 48),
                                ("images24", "images24.txt", 24)):
        os.makedirs(os.path.join(out_dir, folder), exist_ok=True)
        lines, imgs = [], []
        for k in range(NUM_IMAGES):
            img = make_image(k, size)
            rel = f"{folder}/img_{k}.png"
            data = png_bytes(img)
            put(rel, data)
            assert np.array_equal(read_png(data), img)
            lines.append(f"{rel} {LABELS[k]}")
            imgs.append(img)
        put(split, ("\n".join(lines) + "\n").encode())
        images[split] = preprocess(imgs)
    labels = torch.tensor(LABELS)

    # ---------------- position-embedding resampling
    pe = encoder["pos_embed"]
    rs = {"pos_embed": pe}
    for g in (6, 3, 5):
        rs[f"grid{g}"] = resample_abs_pos_embed(pe, (g, g))
        assert rs[f"grid{g}"].shape == (1, 1 + g * g, D) and rs[f"grid{g}"].dtype == torch.float32
        assert torch.equal(rs[f"grid{g}"][:, :1], pe[:, :1])
        check_resample_independently(pe, g)
    put("posembed_resample.safetensors", safetensors_bytes(rs))

    # ---------------- features (no prompts, 32 px)
    w32 = to_double(encoder)
    feats = {}
    forward(images["images.txt"], w32, features=feats)
    put("features.safetensors", safetensors_bytes({k: f32(v) for k, v in feats.items()}))

    # ---------------- cases
    cases_json, case_params = [], {}
    for name, method, mode, pool, size, split, seed in CASES:
        r = rng(seed)
        prompts = None
        if method == "vpt":
            prompts = randn(r, (1 if mode == "shallow" else DEPTH, N, D), 0.5)
        head_w, head_b = randn(r, (C, D), 0.2), randn(r, (C,), 0.1)
        case_params[name] = (prompts, head_w, head_b)
        w = to_double(backbone_at(encoder, size))
        x = images[split]
        assert x.shape[-1] == size

        params = [head_w.double().requires_grad_(), head_b.double().requires_grad_()]
        pr = prompts.double().requires_grad_() if prompts is not None else None

        def loss_fn(pr_, hw_, hb_):
            lg = forward(x, w, pr_, mode, pool, (hw_, hb_))
            return F.cross_entropy(lg, labels), lg
        loss, logits = loss_fn(pr, *params)
        inputs = ([pr] if pr is not None else []) + params
        grads = torch.autograd.grad(loss, inputs)
        gd = dict(zip((["prompts"] if pr is not None else []) + ["head.weight", "head.bias"], grads))

        # independent forward (HF-style block) must agree
        lg2 = forward(x, w, pr, mode, pool, (params[0], params[1]), block_fn=block_hf_style)
        assert (lg2 - logits).abs().max().item() < 1e-12, name

        # finite-difference spot check (float64, central differences)
        fr = rng(seed + 5000)
        with torch.no_grad():
            for key, tensor in zip(gd.keys(), inputs):
                for _ in range(4):
                    idx = tuple(int(fr.randint(s)) for s in tensor.shape)
                    h = 1e-6
                    orig = tensor[idx].item()
                    tensor[idx] = orig + h
                    lp = loss_fn(pr, *params)[0].item()
                    tensor[idx] = orig - h
                    lm = loss_fn(pr, *params)[0].item()
                    tensor[idx] = orig
                    fd = (lp - lm) / (2 * h)
                    an = gd[key][idx].item()
                    assert abs(fd - an) <= 1e-7 + 1e-5 * abs(an), (name, key, idx, fd, an)
        # the gradients must be non-trivial
        for key, g in gd.items():
            assert g.abs().max().item() > 1e-4, (name, key)

        t = {"head.weight": head_w, "head.bias": head_b, "logits": f32(logits),
             "grad.head.weight": f32(gd["head.weight"]), "grad.head.bias": f32(gd["head.bias"])}
        if prompts is not None:
            t["prompts"] = prompts
            t["grad.prompts"] = f32(gd["prompts"])
        put(f"case_{name}.safetensors", safetensors_bytes(t))
        cases_json.append({"name": name, "method": method, "mode": mode, "length": N if prompts is not None else 0,
                           "pool": pool, "image_size": size, "split": split,
                           "weights": f"case_{name}.safetensors", "loss": jfloat(loss.item()),
                           "logits": [[jfloat(v) for v in row] for row in logits.tolist()]})
    put("cases.json", (json.dumps(cases_json, indent=1) + "\n").encode())

    # pooling / prompt modes must actually change the result
    lset = [tuple(np.round(c["logits"][0], 6)) for c in cases_json]
    assert len(set(lset)) == len(lset)

    # ---------------- checkpoint layouts
    loaded = {}
    loaded["timm.pth"] = strip_to_encoder(save_torch("timm.pth", timm_sd))

    r = rng(777)
    mae = collections.OrderedDict(encoder)
    mae["mask_token"] = randn(r, (1, 1, 16), 0.02)
    mae["decoder_embed.weight"] = randn(r, (16, D), 0.1)
    mae["decoder_embed.bias"] = randn(r, (16,), 0.1)
    mae["decoder_pos_embed"] = randn(r, (1, 1 + (IMG // PATCH) ** 2, 16), 0.1)
    mae["decoder_blocks.0.norm1.weight"] = randn(r, (16,), 0.1, 1.0)
    mae["decoder_norm.weight"] = randn(r, (16,), 0.1, 1.0)
    mae["decoder_pred.weight"] = randn(r, (PATCH * PATCH * 3, 16), 0.1)
    loaded["mae.pth"] = strip_to_encoder(save_torch("mae.pth", {"model": mae})["model"])

    # MoCo v3 pre-training checkpoint: a real AdamW state after one step on a tiny dummy parameter
    dummy = torch.nn.Parameter(torch.from_numpy(np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)))
    opt = torch.optim.AdamW([dummy], lr=1.5e-4, betas=(0.9, 0.95), weight_decay=0.1)
    (dummy ** 2).sum().backward()
    opt.step()
    moco = collections.OrderedDict()
    for k, v in encoder.items():
        moco["module.base_encoder." + k] = v
    mh = collections.OrderedDict()
    mh["head.0.weight"] = randn(r, (64, D), 0.1)
    mh["head.1.weight"] = randn(r, (64,), 0.1, 1.0)
    mh["head.1.bias"] = randn(r, (64,), 0.1)
    mh["head.1.running_mean"] = randn(r, (64,), 0.1)
    mh["head.1.running_var"] = torch.from_numpy((1.0 + 0.1 * np.abs(r.standard_normal(64))).astype(np.float32))
    mh["head.1.num_batches_tracked"] = torch.tensor(12345, dtype=torch.int64)
    mh["head.3.weight"] = randn(r, (16, 64), 0.1)
    for k, v in mh.items():
        moco["module.base_encoder." + k] = v
    # momentum encoder: same tensors (shared storages, so the file stays small)
    for k, v in list(encoder.items()) + list(mh.items()):
        moco["module.momentum_encoder." + k] = v
    moco["module.predictor.0.weight"] = randn(r, (64, 16), 0.1)
    ld = save_torch("mocov3.pth.tar", {"epoch": 300, "arch": "vit_small", "state_dict": moco,
                                       "optimizer": opt.state_dict()})
    assert ld["epoch"] == 300 and ld["optimizer"]["state"][0]["exp_avg"].shape == (2, 3)
    loaded["mocov3.pth.tar"] = strip_to_encoder(ld["state_dict"], "module.base_encoder.")

    lin = collections.OrderedDict(("module." + k, v) for k, v in encoder.items())
    lin["module.head.weight"] = randn(r, (PRETRAINED_CLASSES, D), 0.01)
    lin["module.head.bias"] = torch.zeros(PRETRAINED_CLASSES)
    ld = save_torch("mocov3_linear.pth.tar", {"epoch": 90, "arch": "vit_small", "state_dict": lin,
                                              "best_acc1": 76.5})
    loaded["mocov3_linear.pth.tar"] = strip_to_encoder(ld["state_dict"], "module.")

    put("timm.safetensors", safetensors_bytes(timm_sd))
    loaded["timm.safetensors"] = strip_to_encoder(read_safetensors(os.path.join(out_dir, "timm.safetensors")))

    jax = timm_to_jax(timm_sd)
    put("jax.npz", npz_bytes(jax))
    with np.load(os.path.join(out_dir, "jax.npz")) as z:
        assert sorted(z.files) == sorted(jax.keys())
        jl = {k: z[k] for k in z.files}
    assert jl["embedding/kernel"].shape == (PATCH, PATCH, 3, D)
    assert jl["Transformer/encoderblock_0/MultiHeadDotProductAttention_1/query/kernel"].shape == (D, HEADS, D // HEADS)
    assert jl["Transformer/encoderblock_0/MultiHeadDotProductAttention_1/out/kernel"].shape == (HEADS, D // HEADS, D)
    loaded["jax.npz"] = jax_to_timm(jl)
    assert torch.equal(torch.from_numpy(jl["head/kernel"]).t(), timm_sd["head.weight"])

    hf = timm_to_hf(encoder)
    hf["pooler.dense.weight"] = randn(r, (D, D), 0.1)
    hf["pooler.dense.bias"] = randn(r, (D,), 0.1)
    put("hf_vit.safetensors", safetensors_bytes(hf))
    loaded["hf_vit.safetensors"] = hf_to_timm(read_safetensors(os.path.join(out_dir, "hf_vit.safetensors")))

    hfm = timm_to_hf(encoder, prefix="vit.")
    hfm["decoder.mask_token"] = mae["mask_token"]
    hfm["decoder.decoder_embed.weight"] = mae["decoder_embed.weight"]
    hfm["decoder.decoder_embed.bias"] = mae["decoder_embed.bias"]
    hfm["decoder.decoder_pos_embed"] = mae["decoder_pos_embed"]
    hfm["decoder.decoder_layers.0.layernorm_before.weight"] = mae["decoder_blocks.0.norm1.weight"]
    hfm["decoder.decoder_norm.weight"] = mae["decoder_norm.weight"]
    hfm["decoder.decoder_pred.weight"] = mae["decoder_pred.weight"]
    hfm["decoder.decoder_pred.bias"] = torch.zeros(PATCH * PATCH * 3)
    put("hf_vitmae.safetensors", safetensors_bytes(hfm))
    loaded["hf_vitmae.safetensors"] = hf_to_timm(
        read_safetensors(os.path.join(out_dir, "hf_vitmae.safetensors")), prefix="vit.")

    # SPT authors' own training output (DDP -> "module." keys for deep; plain keys for shallow)
    for tag, case, prefix, best in (("deep", "deep_mean", "module.", torch.tensor(81.25, dtype=torch.float64)),
                                    ("shallow", "shallow_cls", "", 62.5)):
        prompts, hw, hb = case_params[case]
        model = collections.OrderedDict()
        for k, v in encoder.items():
            model[prefix + k] = v
        model[prefix + "prompt_token"] = prompts
        model[prefix + "head.weight"] = hw
        model[prefix + "head.bias"] = hb
        pp = [torch.nn.Parameter(prompts.clone()), torch.nn.Parameter(hw.clone()), torch.nn.Parameter(hb.clone())]
        o = torch.optim.AdamW([{"params": [pp[0]], "weight_decay": 0.01}, {"params": [pp[1]], "weight_decay": 0.5},
                               {"params": [pp[2]], "weight_decay": 0.0}], lr=0.05)
        sum((p ** 2).sum() for p in pp).backward()
        o.step()
        ckpt = {"epoch": 99, "model": model, "optimizer": o.state_dict(), "best_acc": best,
                "train_acc": [12.5, 37.5, 55.0], "test_acc": [10.0, 30.0, 50.0]}
        ld = save_torch(f"spt_authors_{tag}.pth", ckpt)
        m = ld["model"]
        loaded[f"spt_authors_{tag}.pth"] = strip_to_encoder(m, prefix)
        assert torch.equal(m[prefix + "prompt_token"], prompts)
        assert torch.equal(m[prefix + "head.weight"], hw) and torch.equal(m[prefix + "head.bias"], hb)

    # every layout -> identical encoder tensors and identical logits
    x = images["images.txt"]
    pr, hw, hb = case_params["deep_mean"]
    ref = forward(x, w32, pr.double(), "deep", "mean", (hw.double(), hb.double()))
    for name, sd in loaded.items():
        assert list(sd.keys()) == ENCODER_KEYS, name
        for k in ENCODER_KEYS:
            assert sd[k].dtype == torch.float32 and torch.equal(sd[k], encoder[k]), (name, k)
        lg = forward(x, to_double(sd), pr.double(), "deep", "mean", (hw.double(), hb.double()))
        assert torch.equal(lg, ref), name
    assert torch.allclose(ref.float(), read_safetensors(os.path.join(out_dir, "case_deep_mean.safetensors"))["logits"])

    put("README.md", README.encode())
    total = sum(os.path.getsize(os.path.join(out_dir, f)) for f in files)
    print(f"wrote {len(files)} files, {total} bytes, to {out_dir}; layouts checked: {', '.join(loaded)}")


README = """# Parity fixtures (generated)

Made by `scripts/make_parity_fixtures.py` (Python 3 + torch 1.13 + numpy 1.24, no timm/transformers):

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 \\
        scripts/make_parity_fixtures.py test/fixtures/parity

The script writes every file here and regenerates them byte-identically in the same environment (fixed
seeds from numpy's RandomState, fixed zip timestamps, single-threaded maths). Do not edit by hand.

- Backbone: `backbone.json` (D 32, depth 3, 4 heads, patch 8, 32 px, 5 task classes, 4 prompts), a ViT with
  timm's names and maths (pre-norm, LayerNorm eps 1e-6, exact GELU, fused qkv, scale hd^-0.5).
  Reference maths in float64 on float32 weights; saved as float32.
- The same weights in every layout: `timm.pth`, `timm.safetensors`, `mae.pth`, `mocov3.pth.tar`,
  `mocov3_linear.pth.tar`, `jax.npz`, `hf_vit.safetensors`, `hf_vitmae.safetensors`,
  `spt_authors_deep.pth` (`module.` keys, prompts/head of case deep_mean), `spt_authors_shallow.pth`
  (plain keys, prompts/head of case shallow_cls). All must load to identical encoder tensors.
- Images: `images*/img_k.png` with split files `images*.txt` (`<path> <label>`). Preprocess = value/255 then
  ImageNet mean/std; no resizing.
- Cases: `cases.json` + `case_<name>.safetensors` (prompts, head, logits, gradients of mean softmax CE).
  Sequence [CLS, prompts, patches], prompts added after pos_embed; deep replaces the prompt slots before
  every block >= 1. Pool `cls` = norm then token 0; `mean` = mean of tokens 1: then norm.
  `*_img48` / `*_img24` load the backbone with pos_embed resampled like timm's `resample_abs_pos_embed`
  (bicubic, antialias=True, align_corners=False, CLS kept, float32).
- `posembed_resample.safetensors`: pos_embed and its resamples to grids 6, 3 and 5.
- `features.safetensors`: per-block inputs, patch embedding and last block output for the 32 px images.
"""


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_parity_fixtures.py OUT_DIR")
    main(sys.argv[1])
