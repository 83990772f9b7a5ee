#!/usr/bin/python3
"""Checks the oracle (tests/torch_oracle.py) against the specification
(/work/shared/reference/torch_ref.py): both run on the same random
configurations (conformance.py's drawer, mostly layered cases) in one PyTorch
process, print options reset between runs, and their stdout must be the same
bytes.

  /usr/bin/python3 tests/check_oracle.py [--torch 1.13|2.6|2.14]
      [--cpu default|avx2|avx512] [--cases 300] [--seed 1]
      [--layers-share 0.85] [--ref /work/shared/reference/torch_ref.py]

Prints the first differences and ends with "N identical, M differ"; exit
status 1 when any differ. Anything torch wrote to stderr (warnings) is
shown, counted, and never part of the compared text.
"""
import argparse
import collections
import contextlib
import io
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REF = "/work/shared/reference/torch_ref.py"


def load(name, path):
    import importlib.util
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def inner(cases_path, ref_path, oracle_path):
    """Runs inside the release: compares the two on every line of cases_path."""
    import torch
    ref = load("torch_ref", ref_path)
    orc = load("torch_oracle", oracle_path)
    ap = orc.parser()
    sys.stderr.write("torch %s\n" % torch.__version__)
    with open(cases_path) as f:
        for k, line in enumerate(f, 1):
            argv = shlex.split(line)
            texts = []
            for side in ("ref", "oracle"):
                torch.set_printoptions(profile="default")
                buf = io.StringIO()
                try:
                    if side == "ref":
                        with contextlib.redirect_stdout(buf):
                            ref.main(argv)
                    else:
                        orc.run(orc.parse(ap, argv), buf)
                except BaseException as e:  # noqa: B036 (argparse exits)
                    buf.write("\n<%s raised %s: %s>\n" % (side, type(e).__name__, e))
                texts.append(buf.getvalue())
            if texts[0] == texts[1]:
                print("=== %d same %d" % (k, len(texts[0])))
            else:
                a, b = texts[0].splitlines(), texts[1].splitlines()
                n = next((i for i in range(max(len(a), len(b)))
                          if i >= len(a) or i >= len(b) or a[i] != b[i]), 0)
                print("=== %d differ at line %d" % (k, n + 1))
                print("ref:    %r" % (a[n] if n < len(a) else "(end)"))
                print("oracle: %r" % (b[n] if n < len(b) else "(end)"))
            sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--torch", default="1.13")
    ap.add_argument("--cpu", default="avx2", choices=("default", "avx2", "avx512"))
    ap.add_argument("--cases", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--layers-share", type=float, default=0.85)
    ap.add_argument("--max-size", type=int, default=120)
    ap.add_argument("--ref", default=REF)
    ap.add_argument("--show", type=int, default=10, help="differences to print")
    ap.add_argument("--inner", nargs=3, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.inner:
        inner(*a.inner)
        return 0

    sys.path.insert(0, HERE)
    sys.path.insert(0, os.path.join(HERE, "..", "tools"))
    import conformance
    import torch_env
    drawn = conformance.draw_cases(a.seed, a.cases, a.max_size, a.torch, a.layers_share)
    configs = [args for args, _ in drawn]
    tmp = torch_env.tmpdir(a.torch)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, dir=tmp) as f:
        for args in configs:
            f.write(shlex.join(args) + "\n")
        cases_path = f.name
    copies = []
    if tmp:  # a Debian root: the two scripts go into its /tmp too
        for src in (a.ref, os.path.join(HERE, "torch_oracle.py")):
            dst = os.path.join(tmp, "gradexp_check_" + os.path.basename(src))
            shutil.copyfile(src, dst)
            copies.append(dst)
        ref_in, oracle_in = (torch_env.inside(a.torch, p) for p in copies)
    else:
        ref_in, oracle_in = a.ref, os.path.join(HERE, "torch_oracle.py")
    env = dict(os.environ, ATEN_CPU_CAPABILITY=a.cpu)
    cmd = torch_env.command(a.torch, os.path.abspath(__file__)) + [
        "--inner", torch_env.inside(a.torch, cases_path), ref_in, oracle_in]
    try:
        res = subprocess.run(cmd, env=env, capture_output=True, text=True)
    finally:
        for p in [cases_path] + copies:
            os.unlink(p)
    if res.returncode != 0:
        sys.exit("check_oracle: the run failed (%d):\n%s" % (res.returncode, res.stderr[-3000:]))
    err = res.stderr.splitlines()
    version = err[0].split()[1] if err and err[0].startswith("torch ") else "?"
    warnings = collections.Counter(line for line in err[1:] if line.strip())
    same = differ = 0
    shown = 0
    lines = res.stdout.splitlines()
    for i, line in enumerate(lines):
        if not line.startswith("=== "):
            continue
        k = int(line.split()[1])
        if " same " in line:
            same += 1
            continue
        differ += 1
        if shown < a.show:
            shown += 1
            print("--- %s" % shlex.join(configs[k - 1]))
            print("\n".join(lines[i:i + 3]))
    if warnings:
        print("stderr (%d lines, %d distinct):" % (sum(warnings.values()), len(warnings)))
        for text, n in warnings.most_common(10):
            print("  %dx %s" % (n, text[:200]))
    layered = sum(1 for _, lay in drawn if lay)
    print("torch %s, cpu %s: %d configurations (%d layered, generator seed %d)"
          % (version, a.cpu, len(configs), layered, a.seed))
    print("%d identical, %d differ" % (same, differ))
    if same + differ != len(configs):
        print("check_oracle: %d results for %d configurations" % (same + differ, len(configs)))
        return 1
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
