#!/usr/bin/env python3
# Writes the seed corpus of fuzz_print (tests/fuzz/corpus/print/): typical
# tensors under typical print options, in the harness's input format (see
# fuzz_print.c: a 24-byte header, then float32 values). Rerun after changing
# that format: python3 tests/fuzz/gen_print_seeds.py
import math
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "print")


def opt_long(v):
    """8 header bytes that fuzz_print's pick_long decodes to v (small values
    in [lo, hi] use selector 3: lo + (raw >> 3) % span)."""
    if v == "max":
        return struct.pack("<Q", 0)
    if v == "min":
        return struct.pack("<Q", 1)
    lo = -2
    return struct.pack("<Q", ((v - lo) << 3) | 3)


def header(ndim, rows, cols, precision=4, sci=0, color=0, linewidth=80, threshold=1000, edgeitems=3, virtual=0):
    h = bytearray(24)
    h[0] = ndim | (virtual << 2)
    h[1] = precision + 3
    h[2] = sci | (color << 2)
    h[3:11] = opt_long(linewidth)
    h[11:19] = opt_long(threshold)
    h[19] = edgeitems + 2  # small edgeitems: byte % 12 - 2
    if virtual:
        h[20:23] = rows.to_bytes(3, "big")
        h[23] = 0
    elif ndim == 1:
        h[21] = cols
    else:
        h[20] = rows
        h[21] = cols
    return bytes(h)


def floats(vals):
    return b"".join(struct.pack("<f", v) for v in vals)


def seeds():
    grad = [0.5393, 1.0346, 0.6731, 0.5868, 0.6552, -0.5576, -1.0697, -0.6959, -0.6066, -0.6775,
            0.0183, 0.0351, 0.0228, 0.0199, 0.0222]
    yield "blog-grad", header(2, 3, 5) + floats(grad)
    yield "blog-grad-color", header(2, 3, 5, color=1) + floats(grad)
    yield "scalar-loss", header(0, 1, 1) + floats([0.6931472])
    yield "scalar-nan", header(0, 1, 1) + floats([math.nan])
    yield "vector-x", header(1, 1, 5) + floats([0.2, 1.5, 0.3, 0.8, 0.9])
    yield "ints", header(1, 1, 6) + floats([1, -2, 3, 0, 100, -7])
    yield "sci", header(2, 2, 3) + floats([1e-8, 3.5e9, -2.25e-5, 1.0, 0.0, -0.0])
    yield "sci-on-p8", header(2, 2, 2, precision=8, sci=1) + floats([0.1, 0.2, 0.3, 0.4])
    yield "sci-off", header(1, 1, 4, sci=2) + floats([1e-10, 1e10, 5.0, -3.0])
    yield "nonfinite", header(2, 2, 3) + floats([math.inf, -math.inf, math.nan, -0.0, 1.0, -1.0])
    yield "precision-60", header(1, 1, 3, precision=60) + floats([1 / 3, 1e-45, 3.4028234663852886e38])
    yield "precision-0", header(1, 1, 3, precision=0) + floats([0.5, 1.5, 2.5])
    yield "linewidth-1", header(2, 4, 4, linewidth=1) + floats([i * 0.25 - 2 for i in range(16)])
    yield "summarise", header(2, 20, 20, threshold=100, edgeitems=2) + floats([math.sin(i) for i in range(64)])
    yield "summarise-1d", header(1, 1, 200, threshold=10, edgeitems=1) + floats([i / 7 for i in range(50)])
    yield "virtual-huge", header(2, 1 << 20, 0, threshold=1000, edgeitems=3, virtual=1) + floats([0.1, -2.5, 7.0])
    yield "empty-2d", header(2, 0, 4) + floats([1.0])
    yield "empty-1d", header(1, 1, 0) + floats([])
    yield "negative-precision", header(2, 2, 2, precision=-1) + floats([0.5, 1.5, 2.5, 3.5])
    yield "edgeitems-0", header(2, 5, 5, threshold=3, edgeitems=0) + floats([1.0, 2.0])
    yield "subnormal", header(1, 1, 3, precision=10) + floats([1e-45, -1.1754942e-38, 5e-40])


os.makedirs(OUT, exist_ok=True)
for name, data in seeds():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
