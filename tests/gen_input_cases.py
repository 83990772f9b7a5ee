#!/usr/bin/python3
"""Golden corpora for --input, --weights and --save, from real PyTorch.

Writes, from the repository root (the script changes there itself):
  tests/data/arrays/run/        the arrays the cases read: .npy files made by
                                real numpy (float16/32/64, both byte orders,
                                C and Fortran order, format versions 1.0, 2.0
                                and 3.0, signed values, exact zeros and -0.0)
                                and model.safetensors (the writer below)
  tests/golden/torch-R-K-arrays.txt   for each release R (1.13, 2.6, 2.14)
                                and kernel family K (default, avx2, avx512;
                                neon for 2.6 and 2.14, in their arm64 root):
                                "=== <gradexp arguments incl. --torch R --cpu
                                K>" then what the oracle (tests/torch_oracle.py)
                                printed for them, the other corpora's format
                                (tests/run_golden.sh reads it)
  tests/data/arrays/save/NAME/*.npy   what the oracle's --save wrote under
                                torch 1.13, avx2, for each configuration of
                                tests/data/arrays/save/CASES.txt
                                ("NAME<TAB>shell-quoted gradexp arguments";
                                tests/run_inputs.sh runs them with --save and
                                compares every file byte for byte)

  /usr/bin/python3 tests/gen_input_cases.py [--cells 1.13-avx2,2.6-default,...]
      [--no-fixtures] [--no-save]

The oracle runs once per cell on all the cases (its --batch-file mode); for
2.6 and 2.14 it runs in their Debian root (tools/torch_env.py), with a copy
of the arrays under the root's /tmp as its working directory, so the
arguments keep their repository-relative paths. Every array comes from a
fixed numpy seed, so rerunning rewrites the same bytes (with the same numpy:
np.save's header layout is numpy's).
"""
import argparse
import json
import os
import shlex
import shutil
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tools"))
import torch_env  # noqa: E402

RUN = "tests/data/arrays/run"
SAVE = "tests/data/arrays/save"
ORACLE = os.path.join(HERE, "torch_oracle.py")
RELEASES = ("1.13", "2.6", "2.14")
FAMILIES = ("default", "avx2", "avx512")


# ---- fixtures ---------------------------------------------------------------

def signed(seed, shape, scale=1.0, zeros=(), negzeros=()):
    """float32 normals from a fixed seed, with exact zeros (and -0.0) at the
    given flat indices."""
    a = (np.random.default_rng(seed).standard_normal(shape) * scale).astype(np.float32)
    flat = a.reshape(-1)
    for i in zeros:
        flat[i] = 0.0
    for i in negzeros:
        flat[i] = -0.0
    return a


def needs_rounding(seed, shape, scale=1.0):
    """float64 values that are not float32 values, and a few exact ties
    (half-way between two float32s: round to even) and zeros."""
    a = np.random.default_rng(seed).standard_normal(shape) * scale
    flat = a.reshape(-1)
    ties = [1 + 2.0 ** -24, -(1 + 3 * 2.0 ** -24), 0.75 + 2.0 ** -25, 0.0]
    for i, v in enumerate(ties[:len(flat)]):
        flat[(3 * i + 1) % len(flat)] = v
    assert (a.astype(np.float32).astype(np.float64) != a).sum() >= len(flat) // 2
    return a


def save_npy(name, a, version=None):
    path = os.path.join(RUN, name)
    if version is None:
        np.save(path, a)
    else:
        with open(path, "wb") as f:
            np.lib.format.write_array(f, a, version=version)
    return path


def bf16_bits(a):
    """float32 -> bfloat16 bits, round to nearest even (no NaNs here)."""
    u = np.asarray(a, dtype="<f4").view("<u4").astype(np.uint64)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype("<u2")


def write_safetensors(path, tensors, metadata=None):
    """tensors: list of (name, dtype, shape, little-endian bytes), laid out in
    that order (offsets contiguous and sorted, no holes). The header is the
    8-byte little-endian length, then the JSON (padded with spaces to a
    multiple of 8, as the safetensors library pads it), then the data."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, dtype, shape, data in tensors:
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def make_fixtures():
    if os.path.isdir(RUN):
        shutil.rmtree(RUN)
    os.makedirs(RUN)
    x5 = signed(101, (5,), zeros=(2,))
    save_npy("x5.npy", x5)
    save_npy("x5_v2.npy", signed(102, (5,), negzeros=(0,)), version=(2, 0))
    x64 = needs_rounding(103, (5,))
    x64[4] = 3e-39  # a float32 subnormal once rounded
    save_npy("x5_f64.npy", x64)
    save_npy("x5_f16_be.npy", signed(104, (5,), zeros=(4,)).astype(">f2"))
    save_npy("xz5.npy", np.array([0.0, -0.0, 0.0, 0.0, -0.0], dtype=np.float32))
    save_npy("x7.npy", signed(105, (7,), scale=0.8))
    save_npy("x1.npy", np.array([-1.75], dtype=np.float32))
    xb = signed(106, (4, 5), zeros=(3, 11))
    save_npy("xb4x5.npy", xb)
    save_npy("xb4x5_fortran.npy", np.asfortranarray(signed(107, (4, 5), negzeros=(7,))))
    save_npy("xb6x7_f64.npy", needs_rounding(108, (6, 7), scale=0.7))
    w = signed(201, (3, 5), zeros=(4, 12))
    save_npy("w3x5.npy", w)
    save_npy("w3x5_fortran.npy", np.asfortranarray(signed(202, (3, 5), zeros=(0,))))
    save_npy("w3x5_be.npy", signed(203, (3, 5), negzeros=(6,)).astype(">f4"))
    save_npy("w3x5_f64.npy", needs_rounding(204, (3, 5)))
    save_npy("w3x5_v3.npy", signed(205, (3, 5), zeros=(9,)), version=(3, 0))
    save_npy("w10x7.npy", signed(206, (10, 7), scale=0.5, zeros=(0, 33, 69)))
    save_npy("w1x1.npy", np.array([[0.625]], dtype=np.float32))
    save_npy("w3x1.npy", signed(207, (3, 1)))
    save_npy("w1_8x5.npy", signed(301, (8, 5), scale=0.6, zeros=(5, 17)))
    save_npy("w2_4x8.npy", signed(302, (4, 8), scale=0.5, zeros=(30,)))
    save_npy("w3_3x4.npy", signed(303, (3, 4), scale=0.9))

    st_x = signed(401, (5,), zeros=(1,))
    st_w = signed(402, (3, 5), zeros=(7,))
    st_w64 = needs_rounding(403, (3, 5))
    st_w16 = signed(404, (3, 5), zeros=(2,)).astype("<f2")
    st_xb = signed(405, (3, 5))
    st_h1 = signed(406, (6, 5), scale=0.7, zeros=(13,))
    st_h2 = signed(407, (3, 6), scale=0.7)
    write_safetensors(os.path.join(RUN, "model.safetensors"), [
        ("x", "F32", st_x.shape, st_x.astype("<f4").tobytes()),
        ("w", "BF16", st_w.shape, bf16_bits(st_w).tobytes()),
        ("w64", "F64", st_w64.shape, st_w64.astype("<f8").tobytes()),
        ("w16", "F16", st_w16.shape, st_w16.tobytes()),
        ("xb", "F32", st_xb.shape, st_xb.astype("<f4").tobytes()),
        ("h1", "BF16", st_h1.shape, bf16_bits(st_h1).tobytes()),
        ("h2", "F32", st_h2.shape, st_h2.astype("<f4").tobytes()),
    ], metadata={"format": "pt"})


# ---- cases ------------------------------------------------------------------

def r(name):
    return "%s/%s" % (RUN, name)


def st(name):
    return "%s/model.safetensors:%s" % (RUN, name)


def cases():
    """The gradexp argument lists (without --torch and --cpu)."""
    x5, w = r("x5.npy"), r("w3x5.npy")
    hid = ",".join(r(n) for n in ("w1_8x5.npy", "w2_4x8.npy", "w3_3x4.npy"))
    xb = r("xb4x5.npy")
    I, W = "--input", "--weights"
    out = [
        # one layer, one input
        [I, x5, W, w],
        [I, x5, W, w, "--show", "all"],
        [I, x5, W, w, "--loss", "all", "--stable", "--show", "all"],
        [I, x5, W, w, "--loss", "all", "--show", "all", "--target", "0"],
        [I, x5, W, w, "--loss", "bce", "--target", "2", "--show", "z,p,loss,grad"],
        [I, x5, W, w, "--classes", "3", "--features", "5", "--show", "all"],
        [I, x5, W, w, "--seed", "18446744073709551615", "--no-abs", "--init-std", "3", "--show", "all"],
        [I, r("xz5.npy"), W, w, "--loss", "all", "--show", "all"],
        # given X, drawn weights (straight after the seed; abs and --init-std apply to them)
        [I, x5, "--show", "all"],
        [I, x5, "--init-std", "0.5", "--show", "all"],
        [I, x5, "--no-abs", "--init-std", "0.5", "--seed", "7", "--show", "all"],
        [I, x5, "--classes", "6", "--target", "5", "--no-abs", "--loss", "all", "--show", "all"],
        [I, r("x1.npy"), "--classes", "4", "--target", "3", "--no-abs", "--show", "all"],
        # drawn X, given weights
        [W, w, "--show", "all"],
        [W, w, "--no-abs", "--seed", "123", "--show", "x,w,grad"],
        [W, w, "--init-std", "2", "--seed", "-5", "--show", "all"],
        [W, r("w10x7.npy"), "--target", "6", "--no-abs", "--init-std", "0.01", "--show", "all"],
        # dtypes, byte orders, memory orders, format versions
        [I, r("x5_f64.npy"), W, r("w3x5_f64.npy"), "--show", "all", "--precision", "8"],
        [I, r("x5_f64.npy"), W, r("w3x5_f64.npy"), "--show", "x,w", "--sci-mode", "off", "--precision", "2"],
        [I, r("x5_f16_be.npy"), W, r("w3x5_be.npy"), "--show", "all"],
        [I, r("x5_v2.npy"), W, r("w3x5_fortran.npy"), "--loss", "all", "--show", "all"],
        [I, x5, W, r("w3x5_v3.npy"), "--show", "all", "--stable"],
        [I, r("x5_v2.npy"), W, r("w3x5_v3.npy"), "--show", "x,w,p", "--precision", "10", "--sci-mode", "on"],
        # shapes: 10 x 7, 1 x 1, F = 1
        [I, r("x7.npy"), W, r("w10x7.npy"), "--target", "9", "--loss", "all", "--show", "all"],
        [I, r("x7.npy"), W, r("w10x7.npy"), "--target", "4", "--steps", "5", "--lr", "0.5", "--show", "all"],
        [I, r("x7.npy"), W, r("w10x7.npy"), "--show", "all", "--linewidth", "20", "--precision", "3"],
        [I, r("x7.npy"), W, r("w10x7.npy"), "--show", "w,grad", "--threshold", "5", "--edgeitems", "1"],
        [I, r("x1.npy"), W, r("w1x1.npy"), "--target", "0", "--loss", "all", "--show", "all"],
        [I, r("x1.npy"), W, r("w1x1.npy"), "--target", "0", "--steps", "3", "--loss", "all", "--show", "all"],
        [I, r("x1.npy"), W, r("w3x1.npy"), "--target", "2", "--show", "all"],
        [W, r("w1x1.npy"), "--target", "0", "--classes", "1", "--features", "1", "--show", "all"],
        # safetensors
        [I, st("x"), W, st("w"), "--show", "all"],
        [I, st("x"), W, st("w64"), "--show", "all", "--precision", "6"],
        [I, st("x"), W, st("w16"), "--loss", "all", "--stable", "--show", "all"],
        [I, x5, W, st("w"), "--steps", "3", "--show", "all"],
        [I, st("x"), "--seed", "0", "--show", "all"],
        [W, st("w16"), "--seed", "-1", "--no-abs", "--show", "all"],
        [I, st("x"), W, st("h1") + "," + st("h2"), "--show", "all"],
        [I, st("xb"), W, st("w64"), "--target", "0,2,1", "--show", "all"],
        # SGD steps
        [I, x5, W, w, "--steps", "10", "--lr", "1", "--show", "loss,w,grad"],
        [I, x5, W, w, "--steps", "3", "--loss", "all", "--stable", "--show", "all"],
        [I, r("x5_f64.npy"), W, r("w3x5_f64.npy"), "--steps", "2", "--lr", "2.5", "--show", "all",
         "--precision", "6"],
        # hidden layers: the three files
        [I, x5, W, hid, "--show", "all"],
        [I, x5, W, hid, "--act", "tanh", "--loss", "all", "--show", "all"],
        [I, x5, W, hid, "--act", "sigmoid", "--steps", "3", "--show", "all"],
        [I, x5, W, hid, "--stable", "--steps", "5", "--lr", "0.5", "--show", "loss,grad"],
        [I, x5, W, hid, "--hidden", "8,4", "--classes", "3", "--features", "5", "--show", "all"],
        [W, hid, "--seed", "5", "--show", "all"],
        [W, hid, "--no-abs", "--init-std", "0.5", "--show", "all"],
        [I, x5, "--hidden", "8,4", "--show", "all"],
        [I, x5, "--hidden", "6", "--init-std", "0.5", "--act", "tanh", "--show", "all"],
        # batches: a 2-d X
        [I, xb, W, w, "--target", "0,1,2,1", "--show", "all"],
        [I, xb, W, w, "--target", "2", "--loss", "all", "--show", "all"],
        [I, xb, W, w, "--batch", "4", "--target", "0,1,2,0", "--show", "all"],
        [I, xb, "--target", "1,1,0,2", "--show", "all"],
        [I, xb, "--init-std", "0.5", "--no-abs", "--target", "0,0,1,2", "--show", "all"],
        [I, r("xb4x5_fortran.npy"), W, r("w3x5_be.npy"), "--target", "0,1,2,2", "--steps", "3",
         "--show", "all"],
        [I, r("xb6x7_f64.npy"), W, r("w10x7.npy"), "--target", "0,9,3,5,7,1", "--loss", "all",
         "--stable", "--show", "all"],
        [I, r("xb6x7_f64.npy"), W, r("w10x7.npy"), "--target", "8", "--steps", "4", "--show", "loss,grad,w"],
        [I, xb, W, hid, "--target", "0,1,2,1", "--show", "all"],
        [I, xb, W, hid, "--act", "tanh", "--steps", "2", "--target", "2,1,0,1", "--loss", "all",
         "--show", "all"],
        [I, xb, "--hidden", "3", "--target", "2", "--steps", "2", "--show", "all"],
        [W, w, "--batch", "3", "--target", "0,1,2", "--show", "all"],
        # print options
        [I, x5, W, w, "--show", "all", "--precision", "0"],
        [I, x5, W, w, "--show", "all", "--precision", "10", "--sci-mode", "on"],
    ]
    return out


SAVE_CASES = [
    ("blog", ["--input", r("x5.npy"), "--weights", r("w3x5.npy"), "--show", "all"]),
    ("hidden", ["--input", r("x5.npy"), "--weights",
                ",".join(r(n) for n in ("w1_8x5.npy", "w2_4x8.npy", "w3_3x4.npy")),
                "--steps", "3", "--show", "all"]),
    ("batch", ["--input", r("xb4x5.npy"), "--weights", r("w3x5.npy"), "--target", "0,1,2,1",
               "--loss", "all", "--show", "all"]),
]


# ---- the oracle -------------------------------------------------------------

def run_oracle(release, cpu, configs):
    """The oracle's output for each argument list, from one process of that
    release with the repository's arrays at their relative paths."""
    # neon: torch's aarch64 build, in the release's arm64 root (qemu-user),
    # where the NEON kernels are its "default" capability
    arch = "arm64" if cpu == "neon" else "amd64"
    root = torch_env.root(release, arch)
    env = dict(os.environ, ATEN_CPU_CAPABILITY="default" if cpu == "neon" else cpu)
    work = None
    try:
        if root:
            work = tempfile.mkdtemp(prefix="gradexp_inputs_", dir=os.path.join(root, "tmp"))
            shutil.copytree(RUN, os.path.join(work, RUN))
            batch = os.path.join(work, "cases.txt")
            script = torch_env.command(release, ORACLE, arch)[-1]  # copies the oracle into the root
            cmd = ["/usr/sbin/chroot", root, "/bin/sh", "-c", 'cd "$1" && shift && exec python3 "$@"', "sh",
                   torch_env.inside(release, work, arch), script, "--batch-file",
                   torch_env.inside(release, batch, arch)]
        else:
            fd, batch = tempfile.mkstemp(suffix=".txt")
            os.close(fd)
            cmd = ["/usr/bin/python3", ORACLE, "--batch-file", batch]
        with open(batch, "w") as f:
            for args in configs:
                f.write(shlex.join(args) + "\n")
        res = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
        if not root:
            os.unlink(batch)
    finally:
        if work:
            shutil.rmtree(work)
    if res.returncode != 0:
        sys.exit("gen_input_cases: the PyTorch %s oracle failed (%s):\n%s" % (release, cpu, res.stderr[-3000:]))
    # oneDNN's xbyak_aarch64 says it cannot read MIDR_EL1 from sysfs, which
    # qemu-user does not emulate (the 2.14 arm64 root): not the oracle's
    err = [line for line in res.stderr.splitlines() if "Can't open MIDR_EL1 sysfs entry" not in line]
    first = err[0] if err else ""
    version = first.split()[1] if first.startswith("torch ") else "?"
    if not version.startswith(release):
        sys.exit("gen_input_cases: asked for PyTorch %s, the oracle ran %s" % (release, version))
    extra = [line for line in err[1:] if line.strip()]
    if extra:
        sys.exit("gen_input_cases: the oracle wrote to stderr (%s %s):\n%s" % (release, cpu, "\n".join(extra[:20])))
    parts = res.stdout.split("=== ")[1:]
    if len(parts) != len(configs):
        sys.exit("gen_input_cases: %d outputs for %d cases" % (len(parts), len(configs)))
    return version, [p.split("\n", 1)[1] for p in parts]


def write_golden(release, cpu, configs):
    version, outs = run_oracle(release, cpu, configs)
    cell = ["--torch", release, "--cpu", cpu]
    path = "tests/golden/torch-%s-%s-arrays.txt" % (release, cpu)
    with open(path, "w") as g:
        for args, text in zip(configs, outs):
            g.write("=== %s\n%s" % (shlex.join(args + cell), text))
    return path, version


def write_save():
    """The --save files of SAVE_CASES from torch 1.13, avx2 (the host)."""
    if os.path.isdir(SAVE):
        shutil.rmtree(SAVE)
    os.makedirs(SAVE)
    cell = ["--torch", "1.13", "--cpu", "avx2"]
    configs = [args + cell + ["--save", "%s/%s" % (SAVE, name)] for name, args in SAVE_CASES]
    run_oracle("1.13", "avx2", configs)
    with open(os.path.join(SAVE, "CASES.txt"), "w") as f:
        for name, args in SAVE_CASES:
            f.write("%s\t%s\n" % (name, shlex.join(args + cell)))
    return sum(len(os.listdir(os.path.join(SAVE, name))) for name, _ in SAVE_CASES)


def du(path):
    return sum(os.path.getsize(os.path.join(d, n)) for d, _, names in os.walk(path) for n in names)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cells", help="comma list of RELEASE-FAMILY (default: all 9 x86 cells; "
                    "2.6-neon and 2.14-neon run in the arm64 roots)")
    ap.add_argument("--no-fixtures", action="store_true", help="keep tests/data/arrays/run as it is")
    ap.add_argument("--no-save", action="store_true", help="keep tests/data/arrays/save as it is")
    a = ap.parse_args()
    os.chdir(ROOT)
    t0 = time.time()
    if not a.no_fixtures:
        make_fixtures()
        print("fixtures: %s, %d files, %d bytes" % (RUN, len(os.listdir(RUN)), du(RUN)))
    cells = ([tuple(c.rsplit("-", 1)) for c in a.cells.split(",")] if a.cells
             else [(rel, fam) for rel in RELEASES for fam in FAMILIES])
    configs = cases()
    for release, cpu in cells:
        t = time.time()
        path, version = write_golden(release, cpu, configs)
        print("%s: %d cases, torch %s (%.1f s)" % (path, len(configs), version, time.time() - t))
    if not a.no_save:
        n = write_save()
        print("save: %s, %d configurations, %d files, %d bytes" % (SAVE, len(SAVE_CASES), n, du(SAVE)))
    print("done in %.1f s" % (time.time() - t0))


if __name__ == "__main__":
    main()
