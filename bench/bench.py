#!/usr/bin/python3
"""Benchmarks gradexp against PyTorch on ten workloads, side by side, in
one run: (a) the blog, (b) a GPT-2 output head, against PyTorch 1.13 (the
host's) and PyTorch 2.14 in its Debian root (tools/torch-env.sh builds it
when missing), each on the kernels it picks by itself on this CPU (gradexp
with the matching --torch and --cpu), (c) a 256000 x 8192 head that
PyTorch cannot hold in this machine's memory; then training: (d) an
MNIST-shaped net (784-256-128-10, batch 64, 100 SGD steps, all three
losses) and (e) the GPT-2 head trained 10 steps, both against 1.13 and
2.14 as (b), and (f) the giant head of (c) trained 3 steps, gradexp only;
then figures and files: (g) the GPT-2 head of (b) with its figure
(--plot, an SVG checked to parse as XML), beside PyTorch 1.13's time for
the gradient alone ((b)'s run, or one of its own without b), (h) a GPT-2
head read from .npy files (x (768,), W (50257, 768), float32, numpy's
default_rng(7), W * 0.036, written to /tmp/gradexp-bench-h/) against 1.13
and 2.14 reading the same files, (i) the giant head of (c) read from an
8.4 GB .npy W, written once by gradexp itself (--show x,w --save DIR, row
(i0), timed when it is written) into --giant-dir
(/var/tmp/gradexp-bench-giant/, never inside the repository) and reused
while it has the right shape, and (j) that head trained 3 steps from the
file, both gradexp only: (i) and (j) give the median of runs from the page
cache, (i) also one first run after dropping the file's pages
(posix_fadvise DONTNEED). Several runs each, medians, ratios from the same
run, peak RSS; checks that the printed tensors are identical where PyTorch
runs, and whether (d), (e), (f), (g), (i) and (j) meet their targets. Writes a markdown table to
stdout (and to --out: only the rows run, so with --only merge it into
bench/results.md by hand).

  /usr/bin/python3 bench/bench.py [--gradexp ./gradexp] [--runs N] [--only a,b,...]
                                  [--train-runs N] [--train-torch-runs N] [--giant-runs N]
                                  [--giant-dir DIR] [--out bench/results.md]

Timing: whole-process wall time for gradexp (fork to exit); for PyTorch,
(a) is the whole `python3 blog.py` process, (b), (d), (e), (g) and (h) are
PyTorch's own time inside the process after `import torch`
(bench/torch_work.py; for (h) reading the files included), the fairest
figure for PyTorch. Peak RSS: GNU time for gradexp and the whole blog
process, getrusage inside the process for (b), (d), (e), (g) and (h).
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tools"))
import torch_env  # noqa: E402  (tools/torch_env.py)

GPT2 = ["--classes", "50257", "--features", "768", "--no-abs", "--init-std", "0.036"]
GIANT = ["--classes", "256000", "--features", "8192", "--no-abs", "--init-std", "0.011"]
GIANT_SHAPE = (256000, 8192)
SVG = "/tmp/gradexp-bench-g.svg"
H_DIR = "/tmp/gradexp-bench-h"  # (h)'s x.npy and w.npy, written by make_h_files
H_FILES = ["--input", H_DIR + "/x.npy", "--weights", H_DIR + "/w.npy"]
GIANT_DIR = "/var/tmp/gradexp-bench-giant"  # (i)'s x.npy and w.npy (8.4 GB), kept between runs
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
    "g": ("GPT-2 head figure (--plot)", GPT2 + ["--plot", SVG]),
    "h": ("GPT-2 head from .npy files", H_FILES + ["--stable", "--target", "3"]),
    # (i) and (j): the --input and --weights paths are set from --giant-dir
    "i": ("giant head 256000 x 8192 from an 8.4 GB .npy", ["--stable"]),
    "j": ("giant head from the file, 3 SGD steps", ["--stable", "--steps", "3", "--show", "loss"]),
}
# (d), (e): gradexp's time at most 1/10 of PyTorch's; (e) also its peak RSS
# at most 1/4 of PyTorch's; (f), (i), (j): gradexp's peak RSS at most 64 MB;
# (g): the whole process at most 1 s, the SVG at most 5 MB.
TIME_TARGET = {"d": 10, "e": 10}
RSS_TARGET = {"e": 4}
GIANT_RSS_MB = 64
FIGURE_SECONDS, FIGURE_MB = 1.0, 5.0


def peak_rss(cmd):
    """Peak RSS (KB) of one run, measured by GNU time: a child of Python
    would report Python's pages too (fork copies them, vfork shares them)."""
    res = subprocess.run(["/usr/bin/time", "-f", "BENCH_MAXRSS_KB=%M"] + cmd, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True, check=True)
    return int(res.stderr.strip().splitlines()[-1].split("=")[1])


def timed_with_rss(cmd):
    """(wall seconds, peak RSS KB) of one run under GNU time: for runs too
    long to repeat for peak_rss (GNU time's own exec adds about 1 ms)."""
    secs, _, err = run(["/usr/bin/time", "-f", "BENCH_MAXRSS_KB=%M"] + cmd)
    return secs, int(err.strip().splitlines()[-1].split("=")[1])


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


def torch_runs_of(release, targs, runs, tout=os.devnull):
    """PyTorch's in-process (seconds, peak RSS KB) of runs runs of
    torch_work.py targs under release, the text of the last one in tout."""
    cmd = torch_env.command(release, os.path.join(HERE, "torch_work.py"))
    t = []
    for _ in range(runs):
        _, _, err = run(cmd + targs, tout)
        kv = dict(f.split("=") for f in err.split())
        t.append((float(kv["seconds"]), int(kv["maxrss_kb"])))
    return t


def torch_path(release, path):
    """path as torch_work.py under release sees it: the file itself for the
    host's 1.13, else a hard link (or copy) of it in the release's root."""
    tmp = torch_env.tmpdir(release)
    if tmp is None:
        return path
    dest = os.path.join(tmp, os.path.basename(os.path.dirname(path)) + "-" + os.path.basename(path))
    if os.path.exists(dest):
        os.unlink(dest)
    try:
        os.link(path, dest)
    except OSError:
        with open(path, "rb") as src, open(dest, "wb") as dst:
            dst.write(src.read())
    return torch_env.inside(release, dest)


def vs_torch(a, key, gradexp_runs, torch_runs):
    """Rows for one workload against PyTorch 1.13 and 2.14: gradexp's whole
    process (with the release's --torch and --cpu native) against
    PyTorch's in-process time, and whether the printed text is the same.
    The --input and --weights files are given to PyTorch inside its root."""
    rows = []
    name, wargs = WORKLOADS[key]
    for release in ("1.13", "2.14"):
        args = wargs + ["--torch", release, "--cpu", "native"]
        targs = [torch_path(release, v) if k in ("--input", "--weights") else v
                 for k, v in zip([None] + wargs, wargs)]
        gout, tout = "/tmp/gradexp-bench-%s.txt" % key, "/tmp/torch-bench-%s.txt" % key
        g = [run([a.gradexp] + args, gout)[:2] for _ in range(gradexp_runs)]
        t = torch_runs_of(release, targs, torch_runs, tout)
        diff = first_difference(gout, tout)
        if diff:
            sys.stderr.write("(%s) vs PyTorch %s: text differs at %s\n" % (key, release, diff))
        rows.append((key, name + " vs PyTorch " + release, g, t,
                     "PyTorch %s in-process, after `import torch`" % release, diff, args, {}))
    return rows


def make_h_files():
    """(h)'s arrays: x (768,) and W (50257, 768) float32 from numpy's
    default_rng(7), W scaled by 0.036 as the GPT-2 head's init."""
    import numpy as np
    rng = np.random.default_rng(7)
    x = rng.standard_normal(768, dtype=np.float32)
    w = rng.standard_normal((50257, 768), dtype=np.float32) * np.float32(0.036)
    os.makedirs(H_DIR, exist_ok=True)
    np.save(H_DIR + "/x.npy", x)
    np.save(H_DIR + "/w.npy", w)


def npy_fits(path, shape):
    """Whether path is a float32 .npy of shape shape, complete (its size is
    the header's plus the data's)."""
    import numpy as np
    try:
        with open(path, "rb") as f:
            version = np.lib.format.read_magic(f)
            read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            got, fortran, dtype = read(f)
            data = f.tell()
        n = 1
        for d in shape:
            n *= d
        return (tuple(got) == tuple(shape) and not fortran and dtype == np.dtype("<f4")
                and os.path.getsize(path) == data + 4 * n)
    except (OSError, ValueError):
        return False


def giant_files(a):
    """The row (i0): the giant head's x.npy and w.npy in --giant-dir, written
    by gradexp --show x,w --save (W streamed) and timed once, when missing
    or of the wrong shape; else the cached files and their writing run's
    figures (DIR/written.json)."""
    d = a.giant_dir
    real, root = os.path.realpath(d), os.path.realpath(ROOT)
    if real == root or real.startswith(root + os.sep):
        sys.exit("--giant-dir %s lies inside the repository: 8.4 GB must stay out of it" % d)
    args = GIANT + ["--show", "x,w", "--save", d]
    note_path = os.path.join(d, "written.json")
    fresh = not (npy_fits(os.path.join(d, "w.npy"), GIANT_SHAPE) and npy_fits(os.path.join(d, "x.npy"), GIANT_SHAPE[1:])
                 and os.path.exists(note_path))
    if fresh:
        os.makedirs(d, exist_ok=True)
        if os.path.exists(note_path):
            os.unlink(note_path)
        secs, rss = timed_with_rss([a.gradexp] + args)
        with open(note_path, "w") as f:
            json.dump({"seconds": secs, "maxrss_kb": rss, "date": time.strftime("%Y-%m-%d %H:%M"),
                       "bytes": os.path.getsize(os.path.join(d, "w.npy"))}, f)
    with open(note_path) as f:
        note = json.load(f)
    gb = note["bytes"] / 1e9
    how = ("written in this run, %.2f GB, %.2f GB/s" % (gb, gb / note["seconds"]) if fresh else
           "cached file reused: its writing run of %s, %.2f GB, %.2f GB/s; delete %s to time it again" % (
               note["date"], gb, gb / note["seconds"], d))
    return ("i0", "writing the giant W with --save (" + how + ")", [(note["seconds"], 0)], None,
            "not compared: gradexp writing its own file", None, args, {"rss_kb": note["maxrss_kb"]})


def drop_from_page_cache(path):
    """Drops path's pages from the page cache (written back first), so the
    next read comes from the disk (or whatever caches it below the VM)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gradexp", default=os.path.join(ROOT, "gradexp"))
    ap.add_argument("--runs", type=int, default=5, help="runs for (a)-(c), (g) and (h) (default 5)")
    ap.add_argument("--only", default="a,b,c,d,e,f,g,h,i,j", help="the workloads to run, e.g. d,e,f (default all)")
    ap.add_argument("--train-runs", type=int, default=5, help="gradexp runs for (d) and (e) (default 5)")
    ap.add_argument("--train-torch-runs", type=int, default=3, help="PyTorch runs for (d) and (e) (default 3)")
    ap.add_argument("--giant-runs", type=int, default=3, help="gradexp runs for (f), (i) and (j) (default 3)")
    ap.add_argument("--giant-dir", default=GIANT_DIR,
                    help="where (i) and (j) keep the giant head's x.npy and w.npy, 8.4 GB (default %s)" % GIANT_DIR)
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
        rows.append(("a", WORKLOADS["a"][0], g, t, "whole process, as `python3 blog.py` under 1.13", diff, [], {}))
    if "b" in only:
        # (b) GPT-2 head: gradexp whole process vs torch in-process, per release
        rows += vs_torch(a, "b", a.runs, max(3, a.runs // 2))
    if "c" in only:
        # (c) giant head: gradexp only
        g = [run([a.gradexp] + WORKLOADS["c"][1])[:2] for _ in range(max(3, a.runs // 2))]
        rows.append(("c", WORKLOADS["c"][0], g, None, "cannot run: needs > 24 GB", None, WORKLOADS["c"][1], {}))
    if "d" in only:
        # (d) MNIST-shaped training: as (b)
        rows += vs_torch(a, "d", a.train_runs, a.train_torch_runs)
    if "e" in only:
        # (e) GPT-2 head trained: as (b)
        rows += vs_torch(a, "e", a.train_runs, a.train_torch_runs)
    if "f" in only:
        # (f) giant head trained: gradexp only, as (c)
        g = [run([a.gradexp] + WORKLOADS["f"][1])[:2] for _ in range(a.giant_runs)]
        rows.append(("f", WORKLOADS["f"][0], g, None, "cannot run: needs > 24 GB", None, WORKLOADS["f"][1], {}))
    if "g" in only:
        # (g) the GPT-2 head's figure: gradexp with --plot against PyTorch 1.13's
        # gradient alone, (b)'s run when there was one
        args = WORKLOADS["g"][1] + ["--torch", "1.13", "--cpu", "native"]
        g = [run([a.gradexp] + args)[:2] for _ in range(a.runs)]
        b13 = [r for r in rows if r[0] == "b" and r[1].endswith("1.13")]
        t = b13[0][3] if b13 else torch_runs_of("1.13", GPT2, max(3, a.runs // 2))
        try:
            ElementTree.parse(SVG)
            xml_ok = "yes"
        except ElementTree.ParseError as e:
            xml_ok = "NO (%s)" % e
        rows.append(("g", WORKLOADS["g"][0], g, t, "PyTorch 1.13 in-process, the gradient alone, no figure: "
                     + ("(b)'s run" if b13 else "as (b)"), None, args,
                     {"identical": "—", "svg_mb": os.path.getsize(SVG) / 1e6, "xml": xml_ok}))
    if "h" in only:
        # (h) the GPT-2 head from .npy files: as (b), PyTorch reading the same files
        make_h_files()
        rows += vs_torch(a, "h", a.runs, max(3, a.runs // 2))
    if "i" in only or "j" in only:
        rows.append(giant_files(a))
        files = ["--input", os.path.join(a.giant_dir, "x.npy"), "--weights", os.path.join(a.giant_dir, "w.npy")]
    if "i" in only:
        # (i) the giant head from its file: one run after dropping the file from
        # the page cache, then the median of --giant-runs from the page cache
        args = files + WORKLOADS["i"][1]
        drop_from_page_cache(os.path.join(a.giant_dir, "w.npy"))
        cold = timed_with_rss([a.gradexp] + args)
        g = [timed_with_rss([a.gradexp] + args) for _ in range(a.giant_runs)]
        rows.append(("i", WORKLOADS["i"][0], g, None, "cannot run: needs > 24 GB", None, args,
                     {"cold": cold[0], "rss_kb": max(x[1] for x in g + [cold])}))
    if "j" in only:
        # (j) the giant head trained from its file: as (f), W read from the page cache
        args = files + WORKLOADS["j"][1]
        if "i" not in only:
            run([a.gradexp] + files + WORKLOADS["i"][1])  # the file into the page cache, untimed
        g = [timed_with_rss([a.gradexp] + args) for _ in range(a.giant_runs)]
        rows.append(("j", WORKLOADS["j"][0], g, None, "cannot run: needs > 24 GB", None, args,
                     {"rss_kb": max(x[1] for x in g)}))
    load_after = os.getloadavg()

    lines = ["Machine: %s, %d cores, %s; %s" % (cpu_name(), os.cpu_count(), platform.platform(),
                                               time.strftime("%Y-%m-%d")),
             "",
             "| workload | gradexp median | gradexp peak RSS | PyTorch median | PyTorch peak RSS | speed-up | identical text |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    targets, diffs = [], []
    for key, name, g, t, how, diff, args, extra in rows:
        gm = statistics.median(x[0] for x in g)
        grss = extra["rss_kb"] if "rss_kb" in extra else peak_rss([a.gradexp] + args)
        per_weight = ""
        if key in ("c", "i"):
            per_weight = " (%.2f ns/weight)" % (gm / (256000 * 8192) * 1e9)
        if key in ("f", "j"):
            # 2 heads, each 3 SGD steps and one last forward and backward: 8 passes over W
            per_weight = " (%.2f ns/weight per pass)" % (gm / (256000 * 8192 * 8) * 1e9)
        if key == "g":
            per_weight = " (SVG %.2f MB)" % extra["svg_mb"]
        if key in ("i", "j"):
            per_weight += "; median of %d runs from the page cache" % len(g)
        if key == "i":
            per_weight += "; %.3f s for the first, the file's pages dropped before it" % extra["cold"]
        if t:
            tm = statistics.median(x[0] for x in t)
            trss = peak_rss(blog) if key == "a" else max(x[1] for x in t)
            lines.append("| (%s) %s | %.4f s%s | %.1f MB | %.3f s (%s) | %.0f MB | %.0fx (1/%.1f) | %s |" % (
                key, name, gm, per_weight, grss / 1024, tm, how, trss / 1024, tm / gm, tm / gm,
                extra.get("identical", "NO" if diff else "yes")))
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
            if key == "g":
                targets.append("(g) %s: whole process %.3f s (target at most %g s): %s; SVG %.2f MB (target at most"
                               " %g MB): %s; parses as XML: %s" % (
                                   name, gm, FIGURE_SECONDS, "met" if gm <= FIGURE_SECONDS else "NOT met",
                                   extra["svg_mb"], FIGURE_MB, "met" if extra["svg_mb"] <= FIGURE_MB else "NOT met",
                                   extra["xml"]))
        else:
            lines.append("| (%s) %s | %.3f s%s | %.1f MB | — (%s) | — | — | — |" % (
                key, name, gm, per_weight, grss / 1024, how))
            if key in ("f", "i", "j"):
                targets.append("(%s) %s: peak RSS %.1f MB (target at most %d MB): %s" % (
                    key, name, grss / 1024, GIANT_RSS_MB, "met" if grss / 1024 <= GIANT_RSS_MB else "NOT met"))
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
