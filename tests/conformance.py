#!/usr/bin/python3
"""Conformance: gradexp against real PyTorch on random configurations.

Draws configurations from a seeded generator (sizes, seeds across torch's
whole range, signed and abs, --init-std, --stable, every head and --show
part, every print option), runs the PyTorch oracle (tests/torch_oracle.py,
in one process) under one release and kernel family, and gradexp with
`--torch RELEASE --cpu FAMILY` on each, and compares every printed tensor
byte for byte. A share of the cases (--layers-share, default half) is
layered: --hidden (0 to 3 layers of width 1..24), --act, --batch 1..12 with
one target or one per row, --steps 0..5 and --lr, on sizes up to 40; the
rest are the single-layer cases drawn exactly as before those flags existed
(--layers-share 0 is the old run, seed for seed).

  /usr/bin/python3 tests/conformance.py --gradexp ./gradexp [--cases 400]
      [--torch 1.13|2.6|2.14] [--cpu default|avx2|avx512] [--seed 1]
      [--max-size 300] [--show-failures 5] [--save-golden FILE]
      [--layers-share 0.5 | --layers-only]

--torch 1.13 runs the host's python3-torch; other releases run in their
Debian root (tools/torch-env.sh builds it; `make torch-env TORCH=2.14`).
The family is passed to torch as ATEN_CPU_CAPABILITY. --save-golden writes
the configurations and torch's text as a golden corpus (tests/golden/).
Prints per-tensor counts (by --show part; w.trained: a head's weights after
--steps), the first differences, pass counts for single-layer and layered
cases, and ends with the line "N passed, M failed" (configurations). Exit
status 1 when any failed. tests/check_oracle.py checks the oracle itself
against the reference script.
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
OLD_PARTS = ("x", "w", "z", "p", "loss", "grad")  # what the single-layer cases sample from
PARTS = ("x", "w", "h", "z", "p", "loss", "grad")
ACTS = ("relu", "tanh", "sigmoid")
LRS = ("0.1", "0.5", "1", "0.01", "2.5", "1e-3")


def draw_seed(rnd):
    r = rnd.random()
    if r < 0.3:
        seed = rnd.randrange(0, 1000)
    elif r < 0.5:
        seed = rnd.choice([0, 99, -1, 2**64 - 1, -2**63, 2**32 + 99, 2**63])
    else:
        seed = rnd.randrange(-2**63, 2**64)
    return ["--seed", str(seed)]


def draw_model(rnd):
    """--no-abs, --init-std, --stable and --loss, as the single-layer cases draw them."""
    args = []
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
    return args


def draw_show(rnd, parts):
    r = rnd.random()
    if r < 0.3:
        return ["--show", "all"]
    if r > 0.5:
        return ["--show", ",".join(rnd.sample(parts, rnd.randint(1, len(parts))))]
    return []


def draw_print(rnd, release):
    """The print options; release decides whether edgeitems 0 may be drawn."""
    args = []
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


def draw(rnd, max_size, release="1.13"):
    """One random single-layer configuration (one input, no steps) as a
    gradexp argument list (without --torch and --cpu); release decides
    whether edgeitems 0 may be drawn. Draws exactly what it drew before the
    layered flags existed (the same calls on rnd, in the same order)."""
    def size():
        r = rnd.random()
        if r < 0.5:
            return rnd.randint(1, 20)
        if r < 0.8:
            return rnd.randint(1, 64)
        return rnd.randint(1, max_size)

    C, F = size(), size()
    args = ["--classes", str(C), "--features", str(F), "--target", str(rnd.randrange(C))]
    args += draw_seed(rnd) + draw_model(rnd) + draw_show(rnd, OLD_PARTS) + draw_print(rnd, release)
    return args


def draw_layered(rnd, release="1.13"):
    """One random configuration with the layered flags: --hidden (0 to 3
    layers of width 1..24), --act, --batch 1..12 with one target or one per
    row, --steps 0..5 and --lr; sizes up to 40 so a case stays cheap. The
    other options are drawn as in draw()."""
    C, F = rnd.randint(1, 40), rnd.randint(1, 40)
    args = ["--classes", str(C), "--features", str(F)]
    layers = rnd.choice([0, 1, 1, 2, 2, 3])
    if layers:
        args += ["--hidden", ",".join(str(rnd.randint(1, 24)) for _ in range(layers))]
    if (layers and rnd.random() < 0.75) or rnd.random() < 0.1:
        args += ["--act", rnd.choice(ACTS)]
    if rnd.random() < 0.5:
        n = rnd.randint(1, 12)
        args += ["--batch", str(n)]
        if rnd.random() < 0.5:
            args += ["--target", ",".join(str(rnd.randrange(C)) for _ in range(n))]
        else:
            args += ["--target", str(rnd.randrange(C))]
    else:
        args += ["--target", str(rnd.randrange(C))]
    if rnd.random() < 0.65:
        args += ["--steps", str(rnd.randint(0, 5))]
        if rnd.random() < 0.8:
            args += ["--lr", rnd.choice(LRS)]
    args += draw_seed(rnd) + draw_model(rnd) + draw_show(rnd, PARTS) + draw_print(rnd, release)
    return args


def draw_cases(seed, cases, max_size, release="1.13", layers_share=0.5):
    """The configurations of one run: each case is layered with probability
    layers_share (decided by its own generator); the single-layer cases come
    from random.Random(seed) exactly as before (with share 0 the run is the
    old one; otherwise its single-layer cases are the old run's first ones),
    the layered ones from a generator of their own. Returns (args, layered)
    pairs."""
    kinds = random.Random("gradexp-kinds-%d" % seed)
    single = random.Random(seed)
    layered = random.Random("gradexp-layered-%d" % seed)
    out = []
    for _ in range(cases):
        if layers_share > 0 and kinds.random() < layers_share:
            out.append((draw_layered(layered, release), True))
        else:
            out.append((draw(single, max_size, release), False))
    return out


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


def capability(cpu, arch):
    """ATEN_CPU_CAPABILITY for a gradexp --cpu family: on aarch64 torch's
    "default" kernels are its NEON build (vec128, 4 lanes)."""
    if arch == "arm64":
        if cpu != "neon":
            sys.exit("conformance: on arm64 torch runs only --cpu neon")
        return "default"
    if cpu == "neon":
        sys.exit("conformance: --cpu neon needs --arch arm64 (torch's NEON kernels run only there)")
    return cpu


def oracle(configs, release, cpu, arch="amd64", cache=None, capability_env=None, qemu_cpu=None):
    """Runs the PyTorch oracle on configs in one process; list of outputs.
    With cache (a file path), a previous run's outputs for exactly these
    configurations are read from it instead, and a new run is written to it
    (for iterating under qemu, where one arm64 run takes minutes)."""
    if not configs:
        return []
    key = "".join(shlex.join(args) + "\n" for args in configs) + "%s %s %s\n" % (release, cpu, arch)
    if capability_env or qemu_cpu:
        key += "ATEN_CPU_CAPABILITY=%s QEMU_CPU=%s\n" % (capability_env, qemu_cpu)
    if cache and os.path.exists(cache):
        with open(cache) as f:
            text = f.read()
        head, sep, body = text.partition("\0")
        if sep and head == key:
            return [p.split("\n", 1)[1] for p in body.split("=== ")[1:]]
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, dir=torch_env.tmpdir(release, arch)) as f:
        for args in configs:
            f.write(shlex.join(args) + "\n")
        path = f.name
    env = dict(os.environ)
    env["ATEN_CPU_CAPABILITY"] = capability_env or capability(cpu, arch)
    if qemu_cpu:  # the emulated CPU (qemu-user reads QEMU_CPU): e.g. max,sve-default-vector-length=32
        env["QEMU_CPU"] = qemu_cpu
    cmd = torch_env.command(release, os.path.join(HERE, "torch_oracle.py"), arch) + [
        "--batch-file", torch_env.inside(release, path, arch)]
    try:
        res = subprocess.run(cmd, env=env, capture_output=True, text=True)
    finally:
        os.unlink(path)
    if res.returncode != 0:
        sys.exit("conformance: the PyTorch %s oracle failed:\n%s" % (release, res.stderr[-3000:]))
    version = res.stderr.split("torch ", 1)[-1].split()[0] if "torch " in res.stderr else "?"
    print("oracle: torch %s, capability %s" % (version, res.stderr.split("capability ", 1)[-1].split()[0]
                                             if "capability " in res.stderr else "?"))
    if not version.startswith(release):
        sys.exit("conformance: asked for PyTorch %s, the oracle ran %s" % (release, version))
    if cache:
        with open(cache + ".tmp", "w") as f:
            f.write(key + "\0" + res.stdout)
        os.replace(cache + ".tmp", cache)
    parts = res.stdout.split("=== ")[1:]
    return [p.split("\n", 1)[1] for p in parts]


def part_of(name):
    """The --show part a printed tensor belongs to: x, w, h, z, p, loss,
    curve, grad, or w.trained (a head's weights after --steps)."""
    head, _, last = name.rpartition(".")
    part = last.rstrip("0123456789") or last
    return "w.trained" if head and part == "w" else part


REPORT_PARTS = ("x", "w", "h", "z", "p", "loss", "curve", "grad", "w.trained")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gradexp", default="./gradexp")
    ap.add_argument("--cases", type=int, default=400)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-size", type=int, default=300)
    ap.add_argument("--show-failures", type=int, default=5)
    ap.add_argument("--torch", default="1.13", help="release: 1.13 (host), 2.6, 2.14 (Debian roots)")
    ap.add_argument("--cpu", default="avx2", choices=("default", "avx2", "avx512", "neon"))
    ap.add_argument("--arch", default="amd64", choices=("amd64", "arm64"),
                    help="arm64: torch in the release's aarch64 root, through qemu-user (--cpu neon)")
    ap.add_argument("--gradexp-cpu", help="run gradexp with this --cpu instead of --cpu's own "
                    "(to measure how near another family comes)")
    ap.add_argument("--capability", help="ATEN_CPU_CAPABILITY for torch instead of --cpu's (e.g. sve256)")
    ap.add_argument("--qemu-cpu", help="QEMU_CPU for the arm64 root (e.g. max,sve-default-vector-length=32 "
                    "for a 256-bit SVE CPU such as Graviton 3)")
    ap.add_argument("--cache", help="reuse (or write) the oracle's outputs for these cases in this file")
    ap.add_argument("--layers-share", type=float, default=0.5,
                    help="share of cases drawn with --hidden/--act/--batch/--steps/--lr "
                         "(0: only the single-layer cases, exactly the old run)")
    ap.add_argument("--layers-only", action="store_true", help="only layered cases (--layers-share 1)")
    ap.add_argument("--save-golden", help="write configurations and torch's text here")
    ap.add_argument("--configs", help="run these configurations (one shell-quoted argument list a line, "
                    "'#' comments) instead of drawing them")
    a = ap.parse_args()
    share = 1.0 if a.layers_only else a.layers_share

    if a.configs:
        with open(a.configs) as f:
            drawn = [(shlex.split(line), "--hidden" in line or "--batch" in line or "--steps" in line)
                     for line in f if line.strip() and not line.startswith("#")]
        a.cases = len(drawn)
    else:
        drawn = draw_cases(a.seed, a.cases, a.max_size, a.torch, share)
    configs = [args for args, _ in drawn]
    want = dict(enumerate(oracle(configs, a.torch, a.cpu, a.arch, a.cache, a.capability, a.qemu_cpu)))
    cell = ["--torch", a.torch, "--cpu", a.gradexp_cpu or a.cpu]
    if a.save_golden:
        with open(a.save_golden, "w") as g:
            for i, args in enumerate(configs):
                g.write("=== %s\n%s" % (shlex.join(args + cell), want[i]))

    passed = failed = tensors = tensors_same = 0
    by_part = {}
    by_kind = {False: [0, 0], True: [0, 0]}
    exits = {}
    shown = 0
    for i, (args, layered) in enumerate(drawn):
        res = subprocess.run([a.gradexp] + args + cell, capture_output=True, text=True)
        got_blocks, want_blocks = blocks(res.stdout), blocks(want[i])
        ok = res.returncode == 0 and res.stdout == want[i]
        header = "--- case %d (%s): gradexp %s" % (i, "layered" if layered else "single", shlex.join(args + cell))
        if res.returncode != 0:
            exits[res.returncode] = exits.get(res.returncode, 0) + 1
        if res.returncode != 0 and not res.stdout and shown < a.show_failures:
            shown += 1
            print(header)
            print("gradexp exited %d, printing nothing; stderr: %s\n"
                  % (res.returncode, res.stderr.strip()[:500]))
        case_shown = not ok and res.returncode != 0 and not res.stdout
        for k, (name, text) in enumerate(want_blocks):
            part = part_of(name)
            same = k < len(got_blocks) and got_blocks[k] == [name, text]
            tensors += 1
            tensors_same += same
            t = by_part.setdefault(part, [0, 0])
            t[0] += same
            t[1] += 1
            if not same and not case_shown and shown < a.show_failures:
                shown += 1
                case_shown = True
                print(header)
                print("tensor %s, torch:\n%s" % (name, text[:2000]))
                got = "(missing)\n"
                if k < len(got_blocks):
                    got_name, got = got_blocks[k]
                    if got_name != name:
                        got = "(printed as # %s)\n%s" % (got_name, got)
                print("gradexp:\n%s" % got[:2000])
                if res.stderr:
                    print("stderr: %s" % res.stderr.strip()[:1000])
        if not ok and not case_shown and shown < a.show_failures:
            shown += 1
            print(header)
            print("every tensor torch printed matches, but gradexp exited %d and printed %d more blocks%s\n"
                  % (res.returncode, len(got_blocks) - len(want_blocks),
                     "; stderr: " + res.stderr.strip()[:500] if res.stderr else ""))
        by_kind[layered][0] += ok
        by_kind[layered][1] += 1
        if ok:
            passed += 1
        else:
            failed += 1
    print("tensors identical: %d of %d" % (tensors_same, tensors))
    for part in REPORT_PARTS:
        if part in by_part:
            print("  %-9s %d of %d" % (part, by_part[part][0], by_part[part][1]))
    for layered, label in ((False, "single-layer"), (True, "layered")):
        if by_kind[layered][1]:
            print("%s configurations passed: %d of %d" % ((label,) + tuple(by_kind[layered])))
    if exits:
        print("gradexp exit statuses other than 0: %s" % ", ".join(
            "%d (%d cases)" % (s, n) for s, n in sorted(exits.items())))
    print("cell: torch %s%s, cpu %s, %d configurations (generator seed %d, layered share %g)"
          % (a.torch, " arm64" if a.arch == "arm64" else "", a.cpu, a.cases, a.seed, share))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
