#!/usr/bin/env python3
"""Generate the checkpoint-format fixtures used by test/unit/checkpoint/*.test.ts.

Run (from the repository root):
    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 scripts/make_format_fixtures.py

Everything is deterministic (fixed seeds) and small. The files land in test/fixtures/formats/,
together with expected.json holding PyTorch's / numpy's own numbers (sums, a few elements,
shapes) that the TypeScript tests compare against.

The "hostile" files are built with pickle opcodes and zipfile by hand. They are never loaded
by this script; the TypeScript tests check that our restricted unpickler refuses them.
"""

import collections
import io
import json
import os
import pickle
import struct
import zipfile

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "formats")


def path(name):
    return os.path.join(OUT, name)


def describe(t):
    """Expected numbers for one tensor, computed by PyTorch itself (in float64)."""
    t = t.detach()
    if t.dtype == torch.bool:
        flat = t.reshape(-1).to(torch.int64)
        return {
            "shape": list(t.shape),
            "sum": int(flat.sum()),
            "first": [bool(v) for v in t.reshape(-1)[:6].tolist()],
        }
    if t.dtype in (torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8):
        flat = t.reshape(-1).to(torch.int64)
        return {"shape": list(t.shape), "sum": int(flat.sum()), "first": flat[:6].tolist()}
    # float tensors: what float32 conversion of the stored values gives
    f = t.to(torch.float32).to(torch.float64).reshape(-1)
    return {"shape": list(t.shape), "sum": float(f.sum()), "first": f[:6].tolist()}


def describe_np(a):
    a = np.asarray(a)
    if a.dtype == np.bool_:
        flat = np.ascontiguousarray(a).reshape(-1)
        return {"shape": list(a.shape), "sum": int(flat.sum()), "first": [bool(v) for v in flat[:6]]}
    flat = np.ascontiguousarray(a).reshape(-1)
    if a.dtype.kind in "iu":
        return {"shape": list(a.shape), "sum": int(flat.astype(np.int64).sum()), "first": flat[:6].astype(np.int64).tolist()}
    f = flat.astype(np.float32).astype(np.float64)
    return {"shape": list(a.shape), "sum": float(f.sum()), "first": f[:6].tolist()}


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    np.random.seed(0)
    expected = {}

    # ---------------------------------------------------------------- torch .pth
    base = torch.randn(4, 6)
    shared = torch.arange(24, dtype=torch.float32)
    sd = collections.OrderedDict()
    sd["f32"] = torch.randn(3, 5)
    sd["f16"] = torch.randn(2, 3).to(torch.float16)
    sd["bf16"] = torch.randn(2, 4).to(torch.bfloat16)
    sd["f64"] = torch.randn(5).to(torch.float64)
    sd["i64"] = torch.tensor([[1, -2, 3], [400000, -5, 6]], dtype=torch.int64)
    sd["i32"] = torch.tensor([7, -8, 9], dtype=torch.int32)
    sd["i16"] = torch.tensor([-300, 301], dtype=torch.int16)
    sd["i8"] = torch.tensor([-7, 8, 127], dtype=torch.int8)
    sd["u8"] = torch.tensor([0, 200, 255], dtype=torch.uint8)
    sd["bool"] = torch.tensor([True, False, True, True])
    sd["scalar"] = torch.tensor(3.5)
    sd["transposed"] = base.t()  # non-contiguous view (strides (1, 6))
    sd["view_a"] = shared[2:10].view(2, 4)  # two views of one storage, with offsets
    sd["view_b"] = shared[8:20:3]  # strided 1-D view (stride 3, offset 8)
    sd["empty"] = torch.zeros(0, 3)
    model = {
        "model": sd,
        "epoch": 7,
        "lr": 0.125,
        "name": "vit-tiny \u00e9",
        "flags": [True, False, None],
        "tuple": (1, 2.5, "x"),
        "nested": {"a": {"b": [1, 2, {"c": torch.ones(2, 2)}]}},
        "big_int": 2**40 + 3,
        "neg_int": -(2**33),
        "raw_bytes": b"\x00\x01\xff",
        "ordered": collections.OrderedDict([("z", 1), ("a", 2)]),
    }
    torch.save(model, path("model.pth"))
    expected["model.pth"] = {
        "tensors": {k: describe(v) for k, v in sd.items()},
        "nested_c": describe(model["nested"]["a"]["b"][2]["c"]),
        "transposed_full": sd["transposed"].reshape(-1).tolist(),
        "view_a_full": sd["view_a"].reshape(-1).tolist(),
        "view_b_full": sd["view_b"].reshape(-1).tolist(),
        "i64_full": sd["i64"].reshape(-1).tolist(),
        "big_int": model["big_int"],
        "neg_int": model["neg_int"],
        "name": model["name"],
    }

    # optimizer-style state dict (int keys), saved as .pth.tar
    lin = torch.nn.Linear(3, 2)
    opt = torch.optim.SGD(lin.parameters(), lr=0.1, momentum=0.9)
    lin(torch.randn(4, 3)).sum().backward()
    opt.step()
    ckpt = {"state_dict": lin.state_dict(), "optimizer": opt.state_dict(), "epoch": 1}
    torch.save(ckpt, path("train.pth.tar"))
    expected["train.pth.tar"] = {
        "weight": describe(lin.weight),
        "bias": describe(lin.bias),
        "momentum0": describe(opt.state_dict()["state"][0]["momentum_buffer"]),
        "param_groups_params": opt.state_dict()["param_groups"][0]["params"],
    }

    # an nn.Parameter saved directly
    p = torch.nn.Parameter(torch.randn(3, 2))
    torch.save(p, path("param.pt"))
    expected["param.pt"] = describe(p)

    # the same state dict as a "pytorch_model.bin" (only the extension differs)
    small = collections.OrderedDict([("w", torch.randn(2, 2)), ("b", torch.zeros(2))])
    torch.save(small, path("pytorch_model.bin"))
    expected["pytorch_model.bin"] = {k: describe(v) for k, v in small.items()}

    # legacy (pre-1.6, non-zip) format
    torch.save({"w": torch.ones(2)}, path("legacy.pth"), _use_new_zipfile_serialization=False)

    # ---------------------------------------------------------------- safetensors (by hand)
    st = collections.OrderedDict()
    st["a.f32"] = torch.randn(2, 3)
    st["b.f16"] = torch.randn(4).to(torch.float16)
    st["c.bf16"] = torch.randn(3, 1).to(torch.bfloat16)
    st["d.i64"] = torch.tensor([5, -6, 2**31 - 1], dtype=torch.int64)
    st["e.bool"] = torch.tensor([True, False])
    write_safetensors(path("weights.safetensors"), st, {"format": "pt", "note": "fixture"})
    expected["weights.safetensors"] = {k: describe(v) for k, v in st.items()}

    # ---------------------------------------------------------------- npy / npz
    a = np.random.randn(3, 4).astype(np.float32)
    np.save(path("c_order_f4.npy"), a)
    fa = np.asfortranarray(np.random.randn(3, 4, 2).astype(np.float64))
    np.save(path("fortran_f8.npy"), fa)
    be = np.random.randn(5).astype(">f4")
    np.save(path("big_endian_f4.npy"), be)
    h = np.random.randn(2, 2).astype(np.float16)
    np.save(path("half_f2.npy"), h)
    i8 = np.array([[1, -2], [2**40, 4]], dtype="<i8")
    np.save(path("int64_i8.npy"), i8)
    expected["npy"] = {
        "c_order_f4.npy": describe_np(a),
        "fortran_f8.npy": {**describe_np(fa), "full": np.ascontiguousarray(fa).reshape(-1).astype(np.float32).astype(np.float64).tolist()},
        "big_endian_f4.npy": describe_np(be),
        "half_f2.npy": describe_np(h),
    }

    arrays = {
        "w": np.random.randn(4, 3).astype(np.float32),
        "b": np.arange(3, dtype=np.int64),
        "u": np.array([1, 250], dtype=np.uint8),
        "m": np.array([True, False, True]),
        "ft": np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)),
        "nested/name": np.array([1.5, 2.5], dtype=np.float32),
    }
    np.savez(path("plain.npz"), **arrays)
    np.savez_compressed(path("compressed.npz"), **arrays)
    expected["npz"] = {k: describe_np(v) for k, v in arrays.items()}
    expected["npz"]["ft_full"] = np.ascontiguousarray(arrays["ft"]).reshape(-1).tolist()

    # ---------------------------------------------------------------- plain pickles, every protocol
    make_pickles()

    # ---------------------------------------------------------------- hostile files
    make_hostile(expected)

    with open(path("expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")

    total = sum(os.path.getsize(path(n)) for n in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} files, {total} bytes, to {OUT}")


ST_DTYPES = {
    torch.float32: "F32",
    torch.float16: "F16",
    torch.bfloat16: "BF16",
    torch.float64: "F64",
    torch.int64: "I64",
    torch.int32: "I32",
    torch.bool: "BOOL",
}


def write_safetensors(filename, tensors, metadata):
    header = {"__metadata__": metadata}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        t = t.contiguous()
        if t.dtype == torch.bfloat16:
            raw = t.view(torch.int16).numpy().tobytes()
        else:
            raw = t.numpy().tobytes()
        header[name] = {"dtype": ST_DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    hjson = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hjson += b" " * ((8 - (8 + len(hjson)) % 8) % 8)
    with open(filename, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)))
        f.write(hjson)
        for b in blobs:
            f.write(b)


def plain(v):
    """The JSON our unpickler should produce for a plain Python value."""
    if isinstance(v, dict):
        return {str(k) if not isinstance(k, bool) else str(k): plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, (set, frozenset)):
        return sorted(plain(x) for x in v)
    if isinstance(v, (bytes, bytearray)):
        return list(v)
    if isinstance(v, complex):
        return [v.real, v.imag]
    return v


def make_pickles():
    """pickle.dumps of plain values at protocols 0-5, with the expected decoded JSON."""
    value = {
        "none": None,
        "t": True,
        "f": False,
        "small": 7,
        "neg": -3,
        "int2": 40000,
        "int4": -(2**31),
        "long": 2**40 + 1,
        "neglong": -(2**45) - 7,
        "float": 1.25,
        "negfloat": -3.5e-7,
        "str": "h\u00e9llo \u2603 'q' \"dq\" back\\slash\nnl",
        "empty": "",
        "bytes": b"\x00ab\xff",
        "bytearray": bytearray(b"xy"),
        "list": [1, [2, [3, []]]],
        "tuple0": (),
        "tuple1": (1,),
        "tuple2": (1, 2),
        "tuple3": (1, 2, 3),
        "tuple5": (1, 2, 3, 4, 5),
        "set": {3, 1, 2},
        "frozenset": frozenset({5, 4}),
        "intkeys": {0: "a", 1: "b", 12: "c"},
        "ordered": collections.OrderedDict([("z", 1), ("a", 2)]),
        "complex": complex(1.5, -2),
        "long_list": list(range(1500)),
    }
    shared = [1, 2]
    value["shared"] = [shared, shared]
    out = {"expected": plain(value), "pickles": {}}
    for proto in range(0, 6):
        out["pickles"][str(proto)] = pickle.dumps(value, protocol=proto).hex()
    with open(path("pickles.json"), "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")


def hostile_pickle_reduce(module, name, arg):
    """Protocol-2 pickle: GLOBAL module.name, then REDUCE with a 1-tuple of `arg`. Never loaded here."""
    out = bytearray(b"\x80\x02")
    out += b"c" + module.encode() + b"\n" + name.encode() + b"\n"
    a = arg.encode()
    out += b"X" + struct.pack("<I", len(a)) + a  # BINUNICODE
    out += b"\x85"  # TUPLE1
    out += b"R"  # REDUCE
    out += b"."  # STOP
    return bytes(out)


def torch_style_zip(filename, data_pkl):
    with zipfile.ZipFile(filename, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", data_pkl)
        z.writestr("archive/byteorder", "little")
        z.writestr("archive/version", "3\n")


def make_hostile(expected):
    marker = "/tmp/spt_pwned_marker"
    torch_style_zip(path("evil_os_system.pth"), hostile_pickle_reduce("os", "system", f"touch {marker}"))
    torch_style_zip(path("evil_posix_system.pth"), hostile_pickle_reduce("posix", "system", f"touch {marker}"))
    torch_style_zip(path("evil_eval.pth"), hostile_pickle_reduce("builtins", "eval", f"open('{marker}','w')"))
    # protocol-4 STACK_GLOBAL form of subprocess.Popen
    p = bytearray(b"\x80\x04")
    for s in (b"subprocess", b"Popen"):
        p += b"\x8c" + bytes([len(s)]) + s  # SHORT_BINUNICODE
    p += b"\x93"  # STACK_GLOBAL
    p += b"\x8c" + bytes([len(b"true")]) + b"true" + b"\x85R."
    torch_style_zip(path("evil_stack_global.pth"), bytes(p))
    # a harmless-looking state dict, but with numpy's _reconstruct in it
    torch_style_zip(path("evil_numpy.pth"), hostile_pickle_reduce("numpy.core.multiarray", "_reconstruct", "x"))
    expected["hostile_marker"] = marker

    # safetensors whose offsets run past the end of the file
    hdr = json.dumps({"w": {"dtype": "F32", "shape": [1000], "data_offsets": [0, 4000]}}).encode()
    hdr += b" " * ((8 - (8 + len(hdr)) % 8) % 8)
    with open(path("bad_offsets.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(hdr)) + hdr + b"\x00" * 16)
    # safetensors with overlapping tensors
    hdr = json.dumps(
        {
            "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
            "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]},
        }
    ).encode()
    hdr += b" " * ((8 - (8 + len(hdr)) % 8) % 8)
    with open(path("overlap.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(hdr)) + hdr + b"\x00" * 12)
    # declared header length of 2**40
    with open(path("huge_header.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", 2**40) + b'{"a":1}' + b" " * 9)
    # a .pth cut in half
    with open(path("model.pth"), "rb") as f:
        whole = f.read()
    with open(path("truncated.pth"), "wb") as f:
        f.write(whole[: len(whole) // 2])
    # a zero-byte file
    open(path("empty.pth"), "wb").close()
    # some bytes that are no known format
    with open(path("unknown.ckpt"), "wb") as f:
        f.write(b"hello, this is not a checkpoint\n")


if __name__ == "__main__":
    main()
