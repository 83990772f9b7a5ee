"""Runs a Python script under one PyTorch release: the host's python3-torch
for 1.13 (Debian 12), else the Debian root that tools/torch-env.sh builds
(and caches) for that release, with the script copied into the root's /tmp.
Shared by tests/conformance.py and bench/bench.py.
"""
import functools
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


@functools.lru_cache(maxsize=None)
def root(release):
    """The root holding this release ('' for the host's 1.13); exits with
    torch-env.sh's message when it cannot be had."""
    if release == "1.13":
        return ""
    res = subprocess.run(["sh", os.path.join(HERE, "torch-env.sh"), release], capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit("no PyTorch %s root: %s" % (release, res.stderr.strip()))
    return res.stdout.strip()


def command(release, script):
    """The argument list that runs script (a path here) under release; the
    caller appends the script's arguments. Paths the script reads must lie
    inside the root: see inside()."""
    r = root(release)
    if not r:
        return ["/usr/bin/python3", script]
    inside = "/tmp/gradexp_" + os.path.basename(script)
    with open(script) as src, open(r + inside, "w") as dst:
        dst.write(src.read())
    return ["/usr/sbin/chroot", r, "python3", inside]


def tmpdir(release):
    """Where to put files the script must read (None: the default)."""
    r = root(release)
    return os.path.join(r, "tmp") if r else None


def inside(release, path):
    """path (under tmpdir(release)) as the script sees it."""
    r = root(release)
    return path[len(r):] if r else path
