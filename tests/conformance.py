#!/usr/bin/python3
"""Conformance: gradexp against real PyTorch on random configurations.

Draws configurations from a seeded generator (sizes, seeds across torch's
whole range, signed and abs, --init-std, --stable, every head and --show
part, every print option), runs the PyTorch oracle (tests/torch_oracle.py,
in one process) under one release and kernel family, and gradexp with
`--torch RELEASE --cpu FAMILY` on each, and compares every printed tensor
byte for byte.

  /usr/bin/python3 tests/conformance.py --gradexp ./gradexp [--cases 400]
      [--torch 1.13|2.6|2.14] [--cpu default|avx2|avx512] [--seed 1]
      [--max-size 300] [--show-failures 5] [--save-golden FILE]

--torch 1.13 runs the host's python3-torch; other releases run in their
Debian root (tools/torch-env.sh builds it; `make torch-env TORCH=2.14`).
The family is passed to torch as ATEN_CPU_CAPABILITY. --save-golden writes
the configurations and torch's text as a golden corpus (tests/golden/).
Prints per-tensor counts and the first differences, and ends with the line
"N passed, M failed" (configurations). Exit status 1 when any failed.
"""
import argparse
import os
import random
import shlex
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
import torch_env  # noqa: E402  (tools/torch_env.py)
HEADS = ("sigmoid", "softmax", "bce")
PARTS = ("x", "w", "z", "p", "loss", "grad")


def draw(rnd, max_size, release="1.13"):
    """One random configuration as a gradexp argument list (without --torch
    and --cpu); release decides whether edgeitems 0 may be drawn."""
    def size():
        r = rnd.random()
        if r < 0.5:
            return rnd.randint(1, 20)
        if r < 0.8:
            return rnd.randint(1, 64)
        return rnd.randint(1, max_size)

    C, F = size(), size()
    args = ["--classes", str(C), "--features", str(F), "--target", str(rnd.randrange(C))]
    r = rnd.random()
    if r < 0.3:
        seed = rnd.randrange(0, 1000)
    elif r < 0.5:
        seed = rnd.choice([0, 99, -1, 2**64 - 1, -2**63, 2**32 + 99, 2**63])
    else:
        seed = rnd.randrange(-2**63, 2**64)
    args += ["--seed", str(seed)]
    if rnd.random() < 0.5:
        args.append("--no-abs")
    if rnd.random() < 0.3:
        args += ["--init-std", rnd.choice(["0.01", "0.036", "0.5", "2", "3.7", "10", "0"])]
    if rnd.random() < 0.35:
        args.append("--stable")
    r = rnd.random()
    if r < 0.25:
        args += ["--loss", "all"]
    elif r > 0.4:
        heads = rnd.sample(HEADS, rnd.randint(1, 3))
        args += ["--loss", ",".join(heads)]
    r = rnd.random()
    if r < 0.3:
        args += ["--show", "all"]
    elif r > 0.5:
        args += ["--show", ",".join(rnd.sample(PARTS, rnd.randint(1, 6)))]
    if rnd.random() < 0.4:
        args += ["--precision", str(rnd.randint(0, 10))]
    if rnd.random() < 0.3:
        args += ["--linewidth", str(rnd.choice([1, 10, 20, 40, 80, 120, 200]))]
    if rnd.random() < 0.3:
        args += ["--threshold", str(rnd.choice([0, 5, 20, 100, 1000, 100000]))]
    if rnd.random() < 0.3:
        lo = 1 if release == "1.13" else 0
        args += ["--edgeitems", str(rnd.randint(lo, 6))]
    if rnd.random() < 0.3:
        args += ["--sci-mode", rnd.choice(["auto", "on", "off"])]
    return args


def blocks(text):
    """Splits output into {name: tensor text} in order."""
    out, name = [], None
    for line in text.splitlines(keepends=True):
        if line.startswith("# "):
            name = line[2:].strip()
            out.append([name, ""])
        elif out:
            out[-1][1] += line
        else:
            out.append(["<preamble>", line])
    return out


def oracle(configs, release, cpu):
    """Runs the PyTorch oracle on configs in one process; list of outputs."""
    if not configs:
        return []
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, dir=torch_env.tmpdir(release)) as f:
        for args in configs:
            f.write(shlex.join(args) + "\n")
        path = f.name
    env = dict(os.environ)
    env["ATEN_CPU_CAPABILITY"] = cpu
    cmd = torch_env.command(release, os.path.join(HERE, "torch_oracle.py")) + [
        "--batch", torch_env.inside(release, path)]
    try:
        res = subprocess.run(cmd, env=env, capture_output=True, text=True)
    finally:
        os.unlink(path)
    if res.returncode != 0:
        sys.exit("conformance: the PyTorch %s oracle failed:\n%s" % (release, res.stderr[-3000:]))
    version = res.stderr.split("torch ", 1)[-1].split()[0] if "torch " in res.stderr else "?"
    if not version.startswith(release):
        sys.exit("conformance: asked for PyTorch %s, the oracle ran %s" % (release, version))
    parts = res.stdout.split("=== ")[1:]
    return [p.split("\n", 1)[1] for p in parts]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gradexp", default="./gradexp")
    ap.add_argument("--cases", type=int, default=400)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-size", type=int, default=300)
    ap.add_argument("--show-failures", type=int, default=5)
    ap.add_argument("--torch", default="1.13", help="release: 1.13 (host), 2.6, 2.14 (Debian roots)")
    ap.add_argument("--cpu", default="avx2", choices=("default", "avx2", "avx512"))
    ap.add_argument("--save-golden", help="write configurations and torch's text here")
    a = ap.parse_args()

    rnd = random.Random(a.seed)
    configs = [draw(rnd, a.max_size, a.torch) for _ in range(a.cases)]
    want = dict(enumerate(oracle(configs, a.torch, a.cpu)))
    cell = ["--torch", a.torch, "--cpu", a.cpu]
    if a.save_golden:
        with open(a.save_golden, "w") as g:
            for i, args in enumerate(configs):
                g.write("=== %s\n%s" % (shlex.join(args + cell), want[i]))

    passed = failed = tensors = tensors_same = 0
    by_part = {}
    shown = 0
    for i, args in enumerate(configs):
        res = subprocess.run([a.gradexp] + args + cell, capture_output=True, text=True)
        got_blocks, want_blocks = blocks(res.stdout), blocks(want[i])
        ok = res.returncode == 0 and res.stdout == want[i]
        for k, (name, text) in enumerate(want_blocks):
            part = name.split(".")[-1]
            same = k < len(got_blocks) and got_blocks[k] == [name, text]
            tensors += 1
            tensors_same += same
            t = by_part.setdefault(part, [0, 0])
            t[0] += same
            t[1] += 1
            if not same and shown < a.show_failures:
                shown += 1
                print("--- case %d: gradexp %s" % (i, shlex.join(args + cell)))
                print("tensor %s, torch:\n%s" % (name, text[:2000]))
                got = got_blocks[k][1] if k < len(got_blocks) else "(missing)\n"
                print("gradexp:\n%s" % got[:2000])
                if res.stderr:
                    print("stderr: %s" % res.stderr.strip())
        if ok:
            passed += 1
        else:
            failed += 1
    print("tensors identical: %d of %d" % (tensors_same, tensors))
    for part in PARTS:
        if part in by_part:
            print("  %-5s %d of %d" % (part, by_part[part][0], by_part[part][1]))
    print("cell: torch %s, cpu %s, %d configurations (generator seed %d)" % (a.torch, a.cpu, a.cases, a.seed))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
