#!/usr/bin/python3
"""Benchmarks gradexp against PyTorch on three workloads, side by side, in
one run: (a) the blog, (b) a GPT-2 output head, against PyTorch 1.13 (the
host's) and PyTorch 2.14 in its Debian root (tools/torch-env.sh builds it
when missing), each on the kernels it picks by itself on this CPU (gradexp
with the matching --torch and --cpu), (c) a 256000 x 8192 head that
PyTorch cannot hold in this machine's memory. Several runs each,
medians, ratios from the same run, peak RSS; checks that the printed
tensors are identical where PyTorch runs. Writes a markdown table to
stdout (and to --out).

  /usr/bin/python3 bench/bench.py [--gradexp ./gradexp] [--runs N] [--out bench/results.md]

Timing: whole-process wall time for gradexp (fork to exit); for PyTorch,
(a) is the whole `python3 blog.py` process, (b) is PyTorch's own time inside
the process after `import torch` (bench/torch_work.py), the fairest figure
for PyTorch. Peak RSS: GNU time for gradexp and the whole blog process,
getrusage inside the process for (b).
"""
import argparse
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tools"))
import torch_env  # noqa: E402  (tools/torch_env.py)

WORKLOADS = {
    "a": ("blog (defaults)", []),
    "b": ("GPT-2 head 50257 x 768", ["--classes", "50257", "--features", "768", "--no-abs", "--init-std", "0.036"]),
    "c": ("giant head 256000 x 8192", ["--classes", "256000", "--features", "8192", "--no-abs", "--init-std", "0.011"]),
}


def peak_rss(cmd):
    """Peak RSS (KB) of one run, measured by GNU time: a child of Python
    would report Python's pages too (fork copies them, vfork shares them)."""
    res = subprocess.run(["/usr/bin/time", "-f", "BENCH_MAXRSS_KB=%M"] + cmd, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True, check=True)
    return int(res.stderr.strip().splitlines()[-1].split("=")[1])


def run(cmd, stdout_path=os.devnull):
    """Wall seconds of one process (and its rusage peak RSS, which includes
    the spawning Python's pages: see peak_rss)."""
    err_path = "/tmp/gradexp-bench-stderr.txt"
    actions = [(os.POSIX_SPAWN_OPEN, 1, stdout_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
               (os.POSIX_SPAWN_OPEN, 2, err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)]
    t0 = time.perf_counter()
    pid = os.posix_spawn(cmd[0], cmd, os.environ, file_actions=actions)
    _, status, ru = os.wait4(pid, 0)
    t1 = time.perf_counter()
    with open(err_path) as f:
        err = f.read()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), err))
    return t1 - t0, ru.ru_maxrss, err


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gradexp", default=os.path.join(ROOT, "gradexp"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out")
    a = ap.parse_args()
    py = "/usr/bin/python3"
    rows = []
    # (a) the blog: many gradexp runs (a millisecond each), fewer python ones
    g = [run([a.gradexp])[:2] for _ in range(max(50, a.runs * 20))]
    blog = [py, os.path.join(HERE, "torch_work.py")]  # the blog's script, timed whole
    t = [run(blog)[:2] for _ in range(a.runs)]
    same = subprocess.run([a.gradexp], capture_output=True, text=True).stdout == subprocess.run(
        blog, capture_output=True, text=True).stdout
    rows.append(("a", WORKLOADS["a"][0], g, t, "whole process, as `python3 blog.py` under 1.13", same, []))
    # (b) GPT-2 head: gradexp whole process vs torch in-process, per release
    for release in ("1.13", "2.14"):
        args = WORKLOADS["b"][1] + ["--torch", release, "--cpu", "native"]
        g = [run([a.gradexp] + args, "/tmp/gradexp-bench-b.txt")[:2] for _ in range(a.runs)]
        cmd = torch_env.command(release, os.path.join(HERE, "torch_work.py"))
        t = []
        for _ in range(max(3, a.runs // 2)):
            _, _, err = run(cmd + WORKLOADS["b"][1], "/tmp/torch-bench-b.txt")
            kv = dict(f.split("=") for f in err.split())
            t.append((float(kv["seconds"]), int(kv["maxrss_kb"])))
        same = open("/tmp/gradexp-bench-b.txt").read() == open("/tmp/torch-bench-b.txt").read()
        rows.append(("b", WORKLOADS["b"][0] + " vs PyTorch " + release, g, t,
                     "PyTorch %s in-process, after `import torch`" % release, same, args))
    # (c) giant head: gradexp only
    args = WORKLOADS["c"][1]
    g = [run([a.gradexp] + args)[:2] for _ in range(max(3, a.runs // 2))]
    rows.append(("c", WORKLOADS["c"][0], g, None, "cannot run: needs > 24 GB", None, WORKLOADS["c"][1]))

    lines = ["Machine: %s, %d cores, %s; %s" % (cpu_name(), os.cpu_count(), platform.platform(),
                                               time.strftime("%Y-%m-%d")),
             "",
             "| workload | gradexp median | gradexp peak RSS | PyTorch median | PyTorch peak RSS | speed-up | identical text |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for key, name, g, t, how, same, args in rows:
        gm = statistics.median(x[0] for x in g)
        grss = peak_rss([a.gradexp] + args)
        per_weight = ""
        if key == "c":
            per_weight = " (%.2f ns/weight)" % (gm / (256000 * 8192) * 1e9)
        if t:
            tm = statistics.median(x[0] for x in t)
            trss = peak_rss(blog) if key == "a" else max(x[1] for x in t)
            lines.append("| (%s) %s | %.4f s%s | %.1f MB | %.3f s (%s) | %.0f MB | %.0fx (1/%.1f) | %s |" % (
                key, name, gm, per_weight, grss / 1024, tm, how, trss / 1024, tm / gm, tm / gm,
                "yes" if same else "NO"))
        else:
            lines.append("| (%s) %s | %.3f s%s | %.1f MB | — (%s) | — | — | — |" % (
                key, name, gm, per_weight, grss / 1024, how))
    lines.append("")
    lines.append("Runs per row: gradexp %s, PyTorch %s (medians). gradexp runs (b) with `--torch R --cpu native`,"
                 " the kernels that release picks here. Command: `/usr/bin/python3 bench/bench.py --runs %d`."
                 % ("/".join(str(len(r[2])) for r in rows), "/".join(str(len(r[3])) for r in rows if r[3]), a.runs))
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
