#!/usr/bin/python3
"""Benchmarks gradexp against PyTorch on six workloads, side by side, in
one run: (a) the blog, (b) a GPT-2 output head, against PyTorch 1.13 (the
host's) and PyTorch 2.14 in its Debian root (tools/torch-env.sh builds it
when missing), each on the kernels it picks by itself on this CPU (gradexp
with the matching --torch and --cpu), (c) a 256000 x 8192 head that
PyTorch cannot hold in this machine's memory; then training: (d) an
MNIST-shaped net (784-256-128-10, batch 64, 100 SGD steps, all three
losses) and (e) the GPT-2 head trained 10 steps, both against 1.13 and
2.14 as (b), and (f) the giant head of (c) trained 3 steps, gradexp only.
Several runs each, medians, ratios from the same run, peak RSS; checks
that the printed tensors are identical where PyTorch runs, and whether
(d), (e) and (f) meet their targets. Writes a markdown table to stdout
(and to --out: only the rows run, so with --only merge it into
bench/results.md by hand).

  /usr/bin/python3 bench/bench.py [--gradexp ./gradexp] [--runs N] [--only a,b,...]
                                  [--train-runs N] [--train-torch-runs N] [--giant-runs N]
                                  [--out bench/results.md]

Timing: whole-process wall time for gradexp (fork to exit); for PyTorch,
(a) is the whole `python3 blog.py` process, (b), (d) and (e) are PyTorch's
own time inside the process after `import torch` (bench/torch_work.py),
the fairest figure for PyTorch. Peak RSS: GNU time for gradexp and the
whole blog process, getrusage inside the process for (b), (d) and (e).
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

GPT2 = ["--classes", "50257", "--features", "768", "--no-abs", "--init-std", "0.036"]
GIANT = ["--classes", "256000", "--features", "8192", "--no-abs", "--init-std", "0.011"]
WORKLOADS = {
    "a": ("blog (defaults)", []),
    "b": ("GPT-2 head 50257 x 768", GPT2),
    "c": ("giant head 256000 x 8192", GIANT),
    "d": ("MNIST-shaped 784-256-128-10, batch 64, 100 SGD steps, 3 losses",
          ["--features", "784", "--hidden", "256,128", "--classes", "10", "--batch", "64", "--target", "3",
           "--steps", "100", "--lr", "0.1", "--no-abs", "--init-std", "0.05", "--loss", "all", "--stable",
           "--show", "loss"]),
    "e": ("GPT-2 head trained, 10 SGD steps",
          GPT2 + ["--steps", "10", "--lr", "0.1", "--loss", "softmax", "--stable", "--show", "loss"]),
    "f": ("giant head trained, 3 SGD steps", GIANT + ["--steps", "3", "--show", "loss"]),
}
# (d), (e): gradexp's time at most 1/10 of PyTorch's; (e) also its peak RSS
# at most 1/4 of PyTorch's; (f): gradexp's peak RSS at most 64 MB.
TIME_TARGET = {"d": 10, "e": 10}
RSS_TARGET = {"e": 4}
GIANT_RSS_MB = 64


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


def first_difference(path_a, path_b):
    """None when the two files hold the same text, else the first differing
    line of each, numbered."""
    with open(path_a) as fa, open(path_b) as fb:
        a, b = fa.read(), fb.read()
    if a == b:
        return None
    la, lb = a.splitlines(), b.splitlines()
    for i in range(max(len(la), len(lb))):
        x = la[i] if i < len(la) else "<end>"
        y = lb[i] if i < len(lb) else "<end>"
        if x != y:
            return "line %d: gradexp `%s`, PyTorch `%s`" % (i + 1, x, y)
    return "same lines, different line endings or trailing text"


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def vs_torch(a, key, gradexp_runs, torch_runs):
    """Rows for one workload against PyTorch 1.13 and 2.14: gradexp's whole
    process (with the release's --torch and --cpu native) against
    PyTorch's in-process time, and whether the printed text is the same."""
    rows = []
    name, wargs = WORKLOADS[key]
    for release in ("1.13", "2.14"):
        args = wargs + ["--torch", release, "--cpu", "native"]
        gout, tout = "/tmp/gradexp-bench-%s.txt" % key, "/tmp/torch-bench-%s.txt" % key
        g = [run([a.gradexp] + args, gout)[:2] for _ in range(gradexp_runs)]
        cmd = torch_env.command(release, os.path.join(HERE, "torch_work.py"))
        t = []
        for _ in range(torch_runs):
            _, _, err = run(cmd + wargs, tout)
            kv = dict(f.split("=") for f in err.split())
            t.append((float(kv["seconds"]), int(kv["maxrss_kb"])))
        diff = first_difference(gout, tout)
        if diff:
            sys.stderr.write("(%s) vs PyTorch %s: text differs at %s\n" % (key, release, diff))
        rows.append((key, name + " vs PyTorch " + release, g, t,
                     "PyTorch %s in-process, after `import torch`" % release, diff, args))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gradexp", default=os.path.join(ROOT, "gradexp"))
    ap.add_argument("--runs", type=int, default=5, help="runs for (a)-(c) (default 5)")
    ap.add_argument("--only", default="a,b,c,d,e,f", help="the workloads to run, e.g. d,e,f (default all)")
    ap.add_argument("--train-runs", type=int, default=5, help="gradexp runs for (d) and (e) (default 5)")
    ap.add_argument("--train-torch-runs", type=int, default=3, help="PyTorch runs for (d) and (e) (default 3)")
    ap.add_argument("--giant-runs", type=int, default=3, help="gradexp runs for (f) (default 3)")
    ap.add_argument("--out")
    a = ap.parse_args()
    only = [k for k in a.only.split(",") if k]
    unknown = [k for k in only if k not in WORKLOADS]
    if unknown or not only:
        ap.error("--only takes a comma-separated subset of %s" % ",".join(WORKLOADS))
    py = "/usr/bin/python3"
    blog = [py, os.path.join(HERE, "torch_work.py")]  # the blog's script, timed whole
    rows = []
    load = os.getloadavg()
    if "a" in only:
        # (a) the blog: many gradexp runs (a millisecond each), fewer python ones
        g = [run([a.gradexp])[:2] for _ in range(max(50, a.runs * 20))]
        t = [run(blog)[:2] for _ in range(a.runs)]
        with open("/tmp/gradexp-bench-a.txt", "w") as f:
            f.write(subprocess.run([a.gradexp], capture_output=True, text=True).stdout)
        with open("/tmp/torch-bench-a.txt", "w") as f:
            f.write(subprocess.run(blog, capture_output=True, text=True).stdout)
        diff = first_difference("/tmp/gradexp-bench-a.txt", "/tmp/torch-bench-a.txt")
        rows.append(("a", WORKLOADS["a"][0], g, t, "whole process, as `python3 blog.py` under 1.13", diff, []))
    if "b" in only:
        # (b) GPT-2 head: gradexp whole process vs torch in-process, per release
        rows += vs_torch(a, "b", a.runs, max(3, a.runs // 2))
    if "c" in only:
        # (c) giant head: gradexp only
        g = [run([a.gradexp] + WORKLOADS["c"][1])[:2] for _ in range(max(3, a.runs // 2))]
        rows.append(("c", WORKLOADS["c"][0], g, None, "cannot run: needs > 24 GB", None, WORKLOADS["c"][1]))
    if "d" in only:
        # (d) MNIST-shaped training: as (b)
        rows += vs_torch(a, "d", a.train_runs, a.train_torch_runs)
    if "e" in only:
        # (e) GPT-2 head trained: as (b)
        rows += vs_torch(a, "e", a.train_runs, a.train_torch_runs)
    if "f" in only:
        # (f) giant head trained: gradexp only, as (c)
        g = [run([a.gradexp] + WORKLOADS["f"][1])[:2] for _ in range(a.giant_runs)]
        rows.append(("f", WORKLOADS["f"][0], g, None, "cannot run: needs > 24 GB", None, WORKLOADS["f"][1]))
    load_after = os.getloadavg()

    lines = ["Machine: %s, %d cores, %s; %s" % (cpu_name(), os.cpu_count(), platform.platform(),
                                               time.strftime("%Y-%m-%d")),
             "",
             "| workload | gradexp median | gradexp peak RSS | PyTorch median | PyTorch peak RSS | speed-up | identical text |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    targets, diffs = [], []
    for key, name, g, t, how, diff, args in rows:
        gm = statistics.median(x[0] for x in g)
        grss = peak_rss([a.gradexp] + args)
        per_weight = ""
        if key == "c":
            per_weight = " (%.2f ns/weight)" % (gm / (256000 * 8192) * 1e9)
        if key == "f":
            # 2 heads, each 3 SGD steps and one last forward and backward: 8 passes over W
            per_weight = " (%.2f ns/weight per pass)" % (gm / (256000 * 8192 * 8) * 1e9)
        if t:
            tm = statistics.median(x[0] for x in t)
            trss = peak_rss(blog) if key == "a" else max(x[1] for x in t)
            lines.append("| (%s) %s | %.4f s%s | %.1f MB | %.3f s (%s) | %.0f MB | %.0fx (1/%.1f) | %s |" % (
                key, name, gm, per_weight, grss / 1024, tm, how, trss / 1024, tm / gm, tm / gm,
                "NO" if diff else "yes"))
            if diff:
                diffs.append("(%s) %s: first difference at %s" % (key, name, diff))
            if key in TIME_TARGET:
                ok = tm / gm >= TIME_TARGET[key]
                text = "(%s) %s: time 1/%.1f of PyTorch's (target 1/%d): %s" % (
                    key, name, tm / gm, TIME_TARGET[key], "met" if ok else "NOT met")
                if key in RSS_TARGET:
                    rok = trss / grss >= RSS_TARGET[key]
                    text += "; peak RSS 1/%.1f of PyTorch's (target 1/%d): %s" % (
                        trss / grss, RSS_TARGET[key], "met" if rok else "NOT met")
                targets.append(text)
        else:
            lines.append("| (%s) %s | %.3f s%s | %.1f MB | — (%s) | — | — | — |" % (
                key, name, gm, per_weight, grss / 1024, how))
            if key == "f":
                targets.append("(f) %s: peak RSS %.1f MB (target at most %d MB): %s" % (
                    name, grss / 1024, GIANT_RSS_MB, "met" if grss / 1024 <= GIANT_RSS_MB else "NOT met"))
    lines.append("")
    if targets:
        lines.append("Targets (gradexp against the PyTorch of the same row):")
        lines.append("")
        lines += ["- " + x for x in targets]
        lines.append("")
    if diffs:
        lines.append("Text mismatches:")
        lines.append("")
        lines += ["- " + x for x in diffs]
        lines.append("")
    cmdline = "/usr/bin/python3 bench/bench.py" + "".join(" " + x for x in sys.argv[1:])
    lines.append("Rows %s; runs per row: gradexp %s, PyTorch %s (medians). gradexp runs the rows against PyTorch"
                 " with `--torch R --cpu native`, the kernels that release picks here. Load average %.2f before,"
                 " %.2f after. Command: `%s`." % (
                     ",".join(only), "/".join(str(len(r[2])) for r in rows),
                     "/".join(str(len(r[3])) for r in rows if r[3]) or "—", load[0], load_after[0], cmdline))
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
