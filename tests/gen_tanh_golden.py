#!/usr/bin/python3
"""gen_tanh_golden.py - writes tests/data/tanh_golden.txt from real PyTorch.

Run from the repository root with the host's torch (Debian 12, torch 1.13):
    /usr/bin/python3 tests/gen_tanh_golden.py
It runs torch.tanh on one list of float32 inputs in every release x kernel
family available here: 1.13 on the host (/usr/bin/python3), 2.6 and 2.14 in
their Debian roots (make torch-env; $GRADEXP_TORCH_ROOTS, default
/var/tmp/gradexp-torch, entered with chroot, so as root), each under
ATEN_CPU_CAPABILITY=default, avx2 and avx512. It checks that the six vector
runs agree (SLEEF's tanhf, 8 or 16 lanes) and that 2.6 and 2.14's default
runs agree (glibc 2.41 and 2.43, correctly rounded), and writes
    sleef X Y TAG   torch.tanh in the avx2/avx512 builds (any release)
    glibc X Y TAG   torch 1.13's default build (glibc 2.36 tanhf)
    cr    X Y TAG   torch 2.6/2.14's default build (glibc 2.41/2.43 tanhf)
X and Y as 8 hex digits. TAG says why the input is there: special, edge
(neighbourhoods of the algorithms' thresholds), random, or differs-* (SLEEF,
glibc 2.36 and glibc 2.41 disagree on it)."""
import os
import shutil
import subprocess
import sys

ROOTS = os.environ.get("GRADEXP_TORCH_ROOTS", "/var/tmp/gradexp-torch")
ENVS = [("1.13", None), ("2.6", ROOTS + "/torch-2.6-amd64"), ("2.14", ROOTS + "/torch-2.14-amd64")]
CAPS = ["default", "avx2", "avx512"]
OUT = "tests/data/tanh_golden.txt"


def worker():
    """stdin: hex bit patterns, one a line; stdout: torch.tanh's bits."""
    import numpy as np
    import torch

    bits = np.array([int(s, 16) for s in sys.stdin.read().split()], dtype=np.uint32)
    x = torch.from_numpy(bits.view(np.float32).copy())
    y = torch.tanh(x).numpy().view(np.uint32)
    sys.stdout.write("".join("%08x\n" % int(v) for v in y))


def run(env, cap, bits):
    rel, root = env
    data = "".join("%08x\n" % b for b in bits)
    e = dict(os.environ, ATEN_CPU_CAPABILITY=cap)
    if root is None:
        cmd = ["/usr/bin/python3", os.path.abspath(__file__), "--worker"]
    else:
        shutil.copy(os.path.abspath(__file__), root + "/tmp/gen_tanh_golden.py")
        cmd = ["chroot", root, "python3", "/tmp/gen_tanh_golden.py", "--worker"]
    out = subprocess.run(cmd, input=data, capture_output=True, text=True, env=e, check=True).stdout.split()
    assert len(out) == len(bits), (rel, cap)
    return [int(s, 16) for s in out]


def is_nan(b):
    return (b & 0x7F800000) == 0x7F800000 and (b & 0x007FFFFF) != 0


def same(a, b):
    return a == b or (is_nan(a) and is_nan(b))


def f2b(f):
    import numpy as np

    return int(np.array([f], dtype=np.float32).view(np.uint32)[0])


def inputs():
    import numpy as np

    rng = np.random.default_rng(20240613)
    items = []  # (bits, tag)

    def add(b, tag):
        items.append((int(b) & 0xFFFFFFFF, tag))

    for b in [0x00000000, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00000, 0x7F800001, 0xFFFFFFFF,
              0x7FFFFFFF, 0x00000001, 0x80000001, 0x007FFFFF, 0x807FFFFF, 0x00800000, 0x80800000, 0x7F7FFFFF,
              0xFF7FFFFF, 0x3F800000, 0xBF800000]:
        add(b, "special")
    # thresholds: SLEEF 8.664339742 (+-1 above); glibc 2.36 2^-55, 1, 22 and
    # its expm1f's ln2/2, 3ln2/2, 27ln2 at 2|x|; glibc 2.41 2^-25, 2^-12,
    # 9.0109 (0x41102cb3); expk2f's rounding of |x|/ln2
    centres = [f2b(8.664339742), 0x24000000, 0x3F800000, 0x41B00000, 0x3E317218, 0x3F051592, 0x4115B844,
               0x33000000, 0x39800000, 0x41102CB3, 0x3F000000, 0x3F317218, 0x40000000, 0x40800000, 0x41000000,
               0x3D800000, 0x32800000]
    for c in centres:
        for d in range(-6, 7):
            add(c + d, "edge")
            add((c + d) | 0x80000000, "edge")
    for b in rng.integers(0, 1 << 32, 1200, dtype=np.uint64):
        add(b, "random")
    mag = np.exp2(rng.uniform(-14, 3.3, 1800)).astype(np.float32)
    sign = rng.integers(0, 2, mag.size) * np.float32(-2) + np.float32(1)
    for b in (mag * sign).astype(np.float32).view(np.uint32):
        add(b, "random")
    return items


def differs():
    """Inputs on which SLEEF, glibc 2.36 and glibc 2.41 disagree (found with torch)."""
    import numpy as np

    rng = np.random.default_rng(7)
    cand = [int(b) for b in (rng.standard_normal(200000) * 3).astype(np.float32).view(np.uint32)]
    sl = run(ENVS[0], "avx2", cand)
    g36 = run(ENVS[0], "default", cand)
    g41 = run(ENVS[2], "default", cand)
    picks = []
    for tag, a, b in [("differs-sleef-glibc", sl, g36), ("differs-glibc-cr", g36, g41), ("differs-sleef-cr", sl, g41)]:
        idx = [i for i in range(len(cand)) if a[i] != b[i]]
        for i in idx[:300]:
            picks.append((cand[i], tag))
    return picks


def main():
    items = inputs() + differs()
    bits = [b for b, _ in items]
    res = {(env[0], cap): run(env, cap, bits) for env in ENVS for cap in CAPS}
    vec = [res[(r, c)] for r, _ in ENVS for c in ("avx2", "avx512")]
    for i in range(len(bits)):
        for v in vec[1:]:
            assert same(vec[0][i], v[i]), "vector builds disagree on %08x" % bits[i]
        assert same(res[("2.6", "default")][i], res[("2.14", "default")][i]), "2.6/2.14 default disagree"
    with open(OUT, "w") as f:
        f.write("# torch.tanh on float32, written by tests/gen_tanh_golden.py: NAME X Y TAG (hex bits)\n")
        f.write("# sleef: 1.13, 2.6, 2.14 under ATEN_CPU_CAPABILITY=avx2 and avx512 (all agree)\n")
        f.write("# glibc: 1.13 default (glibc 2.36); cr: 2.6 and 2.14 default (glibc 2.41, 2.43; agree)\n")
        for name, r in [("sleef", res[("1.13", "avx2")]), ("glibc", res[("1.13", "default")]),
                        ("cr", res[("2.14", "default")])]:
            for (b, tag), y in zip(items, r):
                f.write("%s %08x %08x %s\n" % (name, b, y, tag))
    print("wrote %s: %d inputs x 3" % (OUT, len(items)))


if __name__ == "__main__":
    if "--worker" in sys.argv:
        worker()
    else:
        main()
