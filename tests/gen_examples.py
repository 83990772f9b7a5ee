#!/usr/bin/python3
"""Writes examples/NAME.out for every examples/NAME.conf from real PyTorch:
the config's keys become the oracle's flags (tests/torch_oracle.py).
  /usr/bin/python3 tests/gen_examples.py
"""
import glob
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def flags(conf):
    args = []
    for line in open(conf):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        key, value = (s.strip() for s in line.split("=", 1))
        if value == "true":
            args.append("--" + key)
        elif value != "false":
            args += ["--" + key, value]
    return args


for conf in sorted(glob.glob(os.path.join(HERE, "..", "examples", "*.conf"))):
    args = flags(conf)
    env = dict(os.environ)
    if "--rng" in args and args[args.index("--rng") + 1] == "default":
        env["ATEN_CPU_CAPABILITY"] = "default"
    out = subprocess.run([sys.executable, os.path.join(HERE, "torch_oracle.py")] + args,
                         env=env, capture_output=True, text=True, check=True).stdout
    with open(conf[:-5] + ".out", "w") as f:
        f.write(out)
    print(os.path.basename(conf), len(out.splitlines()), "lines")
