"""Runs a Python script under one PyTorch release: the host's python3-torch
for 1.13 (Debian 12), else the Debian root that tools/torch-env.sh builds
(and caches) for that release, with the script copied into the root's /tmp.
Shared by tests/conformance.py and bench/bench.py.

Every function takes arch="amd64" (this machine's own); arch="arm64" is the
aarch64 root of that release (tools/torch-env.sh VERSION arm64), run through
qemu-user. 1.13 has no arm64 root. From the shell:

    python3 tools/torch_env.py [--arch arm64] RELEASE SCRIPT [ARG...]
"""
import functools
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def root(release, arch="amd64"):
    """The root holding this release ('' for the host's 1.13); exits with
    torch-env.sh's message when it cannot be had."""
    return _root(release, arch)


@functools.lru_cache(maxsize=None)
def _root(release, arch):
    if arch == "amd64":
        if release == "1.13":
            return ""
        args = [release]
    else:
        if release == "1.13":
            sys.exit("no PyTorch 1.13 root for %s: 1.13 is only the host's python3-torch" % arch)
        args = [release, arch]
    res = subprocess.run(["sh", os.path.join(HERE, "torch-env.sh")] + args, capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit("no PyTorch %s root: %s" % (release if arch == "amd64" else release + " " + arch,
                                              res.stderr.strip()))
    return res.stdout.strip()


def command(release, script, arch="amd64"):
    """The argument list that runs script (a path here) under release; the
    caller appends the script's arguments. Paths the script reads must lie
    inside the root: see inside()."""
    r = root(release, arch)
    if not r:
        return ["/usr/bin/python3", script]
    inside = "/tmp/gradexp_" + os.path.basename(script)
    with open(script) as src, open(r + inside, "w") as dst:
        dst.write(src.read())
    return ["/usr/sbin/chroot", r, "python3", inside]


def tmpdir(release, arch="amd64"):
    """Where to put files the script must read (None: the default)."""
    r = root(release, arch)
    return os.path.join(r, "tmp") if r else None


def inside(release, path, arch="amd64"):
    """path (under tmpdir(release)) as the script sees it."""
    r = root(release, arch)
    return path[len(r):] if r else path


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(prog="torch_env.py", description="Run a Python script under one PyTorch release "
                                 "(its arguments are passed as they are; paths it reads must lie inside the root).")
    ap.add_argument("--arch", default="amd64", choices=["amd64", "arm64"])
    ap.add_argument("release")
    ap.add_argument("script")
    ap.add_argument("args", nargs=argparse.REMAINDER)
    a = ap.parse_args(argv)
    return subprocess.run(command(a.release, a.script, a.arch) + a.args).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
