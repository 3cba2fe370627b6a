#!/usr/bin/env python3
"""Reference fixtures for the image data pipeline (src/engine/data): decoding, PIL bicubic resize and the
torchvision evaluation transforms.

Run with Debian's Python 3 and its packages (python3-pil 9.4, python3-numpy, python3-torchvision 0.14):

    apt-get install -y python3-pil python3-torchvision
    /usr/bin/python3 scripts/make_data_fixtures.py test/fixtures/data

Writes into the given folder:
- input images (`*.png`, `*.jpg`) made from numpy's RandomState(seed) with smooth gradients plus noise;
- `<name>.rgb`: raw uint8 HWC RGB bytes, the expected decode (PIL `Image.open(f).convert('RGB')`, except for
  16-bit gray, where the expectation is the high byte v >> 8, not PIL's clip at 255);
- `resize_<src>_<w>x<h>.rgb`: PIL `Image.resize((w, h), Image.BICUBIC)` of a decoded source image;
- `<kind>_<src>_<size>.f32`: float32 little-endian HWC output of the torchvision evaluation transform
  (vtab: Resize(size, BICUBIC) + CenterCrop(size); fgvc: Resize(round(size * 256 / 224), BICUBIC) +
  CenterCrop(size); both + ToTensor() + Normalize(ImageNet mean, std)), transposed from CHW to HWC;
- `parity_img_<k>.rgb`: PIL's decode of test/fixtures/parity/images/img_<k>.png;
- `manifest.json`: every case with its files and sizes.
"""
import json
import os
import sys

import numpy as np
from PIL import Image
import torch
from torchvision import transforms as T

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


def pattern(seed, h, w, c):
    """Smooth gradients + waves + noise, uint8 (covers flat areas, edges and the clipping of cubic overshoot)."""
    rs = np.random.RandomState(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    chans = []
    for k in range(c):
        base = 127.5 + 100 * np.sin(xx * (0.3 + 0.1 * k) + yy * 0.17 * (k + 1)) * np.cos(yy * 0.21 - k)
        base += rs.normal(0, 40, size=(h, w))
        # a few hard black/white blocks so cubic overshoot must be clipped
        base[h // 3: h // 3 + 3, w // 4: w // 4 + 3] = 0 if k % 2 else 255
        chans.append(base)
    arr = np.stack(chans, -1)
    return np.clip(np.rint(arr), 0, 255).astype(np.uint8)


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    manifest = {"decode": [], "resize": [], "transform": []}

    def put(name, data):
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(data)

    def rgb_of(img):
        return np.asarray(img.convert("RGB"), dtype=np.uint8)

    def add_decode(name, img_file, expected, note, tolerance=0):
        put(f"{name}.rgb", np.ascontiguousarray(expected).tobytes())
        manifest["decode"].append({"name": name, "file": img_file, "expected": f"{name}.rgb",
                                   "width": int(expected.shape[1]), "height": int(expected.shape[0]),
                                   "tolerance": tolerance, "note": note})

    # ---------------- decode cases
    rgb = pattern(1, 29, 37, 3)
    Image.fromarray(rgb, "RGB").save(os.path.join(out_dir, "rgb_37x29.png"))
    add_decode("rgb_37x29", "rgb_37x29.png", rgb, "8-bit RGB PNG")

    tall = pattern(2, 34, 21, 3)
    Image.fromarray(tall, "RGB").save(os.path.join(out_dir, "rgb_21x34.png"))
    add_decode("rgb_21x34", "rgb_21x34.png", tall, "8-bit RGB PNG, portrait")

    big = pattern(3, 83, 97, 3)
    Image.fromarray(big, "RGB").save(os.path.join(out_dir, "rgb_97x83.png"))
    add_decode("rgb_97x83", "rgb_97x83.png", big, "8-bit RGB PNG")

    gray = pattern(4, 17, 23, 1)[:, :, 0]
    Image.fromarray(gray, "L").save(os.path.join(out_dir, "gray_23x17.png"))
    add_decode("gray_23x17", "gray_23x17.png", rgb_of(Image.open(os.path.join(out_dir, "gray_23x17.png"))),
               "8-bit grayscale PNG: gray copied to R, G, B")

    rgba = pattern(5, 13, 19, 4)
    rgba[0, :, 3] = 0  # fully transparent first row keeps its colours under PIL's convert('RGB')
    Image.fromarray(rgba, "RGBA").save(os.path.join(out_dir, "rgba_19x13.png"))
    add_decode("rgba_19x13", "rgba_19x13.png", rgb_of(Image.open(os.path.join(out_dir, "rgba_19x13.png"))),
               "RGBA PNG: alpha dropped (not flattened)")

    la = pattern(6, 7, 11, 2)
    Image.fromarray(la, "LA").save(os.path.join(out_dir, "la_11x7.png"))
    add_decode("la_11x7", "la_11x7.png", rgb_of(Image.open(os.path.join(out_dir, "la_11x7.png"))),
               "gray + alpha PNG: alpha dropped, gray copied")

    pal = Image.fromarray(pattern(7, 12, 16, 3), "RGB").quantize(colors=16, method=Image.Quantize.MEDIANCUT)
    pal.save(os.path.join(out_dir, "palette_16x12.png"))
    add_decode("palette_16x12", "palette_16x12.png", rgb_of(Image.open(os.path.join(out_dir, "palette_16x12.png"))),
               "palette PNG: expanded through the palette")

    g16 = (pattern(8, 5, 9, 1)[:, :, 0].astype(np.uint16) * 257 + np.random.RandomState(9).randint(0, 257, (5, 9)))
    g16 = g16.astype(np.uint16)
    Image.fromarray(g16.astype(np.int32), "I").convert("I;16").save(os.path.join(out_dir, "gray16_9x5.png"))
    back = np.asarray(Image.open(os.path.join(out_dir, "gray16_9x5.png")), dtype=np.int64)
    assert np.array_equal(back, g16), "16-bit gray PNG did not round-trip"
    hi = (g16 >> 8).astype(np.uint8)
    add_decode("gray16_9x5", "gray16_9x5.png", np.repeat(hi[:, :, None], 3, axis=2),
               "16-bit gray PNG: high byte (v >> 8); PIL itself would clip at 255")

    jpg = pattern(10, 30, 40, 3)
    Image.fromarray(jpg, "RGB").save(os.path.join(out_dir, "rgb_40x30.jpg"), quality=90)
    add_decode("rgb_40x30_jpg", "rgb_40x30.jpg", rgb_of(Image.open(os.path.join(out_dir, "rgb_40x30.jpg"))),
               "baseline JPEG 4:2:0 decoded by PIL's libjpeg-turbo; other decoders may differ slightly",
               tolerance=2)

    # ---------------- PIL decode of the parity images
    parity_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "parity", "images")
    for k in range(6):
        f = os.path.join(parity_dir, f"img_{k}.png")
        if os.path.exists(f):
            add_decode(f"parity_img_{k}", f"../parity/images/img_{k}.png", rgb_of(Image.open(f)),
                       "parity fixture image, PIL decode")

    # ---------------- PIL bicubic resize
    sources = {"rgb_37x29": rgb, "rgb_21x34": tall, "rgb_97x83": big}
    resize_cases = [
        ("rgb_37x29", 16, 13),   # shrink both
        ("rgb_37x29", 50, 41),   # enlarge both
        ("rgb_37x29", 37, 60),   # width unchanged, height enlarged
        ("rgb_37x29", 12, 29),   # width shrunk, height unchanged
        ("rgb_37x29", 100, 7),   # enlarge one, shrink the other
        ("rgb_37x29", 1, 1),
        ("rgb_97x83", 13, 11),   # strong shrink (scale ~7.5, wide kernels)
        ("rgb_97x83", 140, 120),  # enlarge
        ("rgb_21x34", 16, 25),
    ]
    for src, w, h in resize_cases:
        out = np.asarray(Image.fromarray(sources[src], "RGB").resize((w, h), Image.BICUBIC), dtype=np.uint8)
        name = f"resize_{src}_{w}x{h}.rgb"
        put(name, out.tobytes())
        manifest["resize"].append({"source": f"{src}.rgb", "sourceWidth": int(sources[src].shape[1]),
                                   "sourceHeight": int(sources[src].shape[0]), "width": w, "height": h,
                                   "expected": name})

    # ---------------- torchvision evaluation transforms
    norm = [T.ToTensor(), T.Normalize(MEAN, STD)]
    tcases = [
        ("vtab", "rgb_37x29", 24),   # long side int(24 * 37 / 29) = 30, left 3
        ("vtab", "rgb_21x34", 16),   # long side 25, top round(4.5) = 4 (half to even)
        ("vtab", "rgb_97x83", 32),
        ("vtab", "rgb_37x29", 29),   # shorter side already 29: no resize, crop only (left 4)
        ("fgvc", "rgb_37x29", 28),   # resize to 32 then crop 28
        ("fgvc", "rgb_97x83", 56),   # resize to 64
        ("fgvc", "rgb_21x34", 14),   # resize to 16
    ]
    for kind, src, size in tcases:
        resize = size if kind == "vtab" else int(round(size * 256 / 224))
        tf = T.Compose([T.Resize(resize, interpolation=T.InterpolationMode.BICUBIC), T.CenterCrop(size)] + norm)
        x = tf(Image.fromarray(sources[src], "RGB"))
        assert x.dtype == torch.float32 and tuple(x.shape) == (3, size, size)
        hwc = x.permute(1, 2, 0).contiguous().numpy().astype("<f4")
        name = f"{kind}_{src}_{size}.f32"
        put(name, hwc.tobytes())
        manifest["transform"].append({"kind": kind, "source": f"{src}.rgb",
                                      "sourceWidth": int(sources[src].shape[1]),
                                      "sourceHeight": int(sources[src].shape[0]),
                                      "size": size, "resize": resize, "expected": name})

    put("manifest.json", (json.dumps(manifest, indent=1) + "\n").encode())
    with open(os.path.join(out_dir, "README.md"), "w") as f:
        f.write("# Data pipeline fixtures (generated)\n\nMade by `scripts/make_data_fixtures.py` "
                "(Debian python3-pil 9.4, python3-numpy, python3-torchvision 0.14):\n\n"
                "    /usr/bin/python3 scripts/make_data_fixtures.py test/fixtures/data\n\n"
                "Do not edit by hand. See the script's docstring for what each file holds.\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join("test", "fixtures", "data"))
