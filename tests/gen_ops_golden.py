#!/usr/bin/python3
"""Writes the golden data of tests/test_ops.c from real PyTorch 1.13.

Run from the repository root with Debian's torch:
    /usr/bin/python3 tests/gen_ops_golden.py            # tests/data/ops_*.txt
    python3 tools/torch_env.py --arch arm64 2.6 tests/gen_ops_golden.py --neon --out /tmp/neon
                                                        # then copy to tests/data/neon/
    /usr/bin/python3 tests/gen_ops_golden.py --stress 2000 --seed 7 --out /tmp/x
The second form writes many random cases (sizes up to 2047) for a
throwaway bit-identity check; the committed golden set is the first.

Each op is run once per CPU kernel build: the script re-runs itself with
ATEN_CPU_CAPABILITY=avx2 and =default (torch picks its kernels at start-up)
and both runs draw the same inputs from the same seed.

File format (one file per op, text):
    # comment lines
    case OP CPU N T F
    NAME COUNT HEX HEX ...        (one line per array, COUNT floats)
N is the row length (classes), T the target, F the features (linear and
the chains; else 0). Floats are the hex of their IEEE-754 bits, so nan,
-0 and subnormals survive. Arrays of each op, in file order:
    linear:      W x z dz dW           z = W @ x, dW = grad of W for dz
    sigmoid:     z p dp dz             p = sigmoid(z), dz for upstream dp
    softmax:     z p dp dz
    log:         x y dy dx
    logsigmoid:  z y dy dz
    log_softmax: z y dy dz
    nll:         logp loss dlogp       loss = nll_loss(logp, [T]), dloss = 1
    bce:         z loss dz             BCE with logits vs one_hot(T), mean
    chain_HEAD:  W x loss grad         torch_ref.py's head, grad = W.grad
"""
import argparse
import os
import subprocess
import sys

import numpy as np

OPS = ("linear", "sigmoid", "softmax", "log", "logsigmoid", "log_softmax",
       "nll", "bce", "chain")
HEADS = ("sigmoid", "sigmoid_stable", "softmax", "softmax_stable", "bce")
GOLDEN_SIZES = list(range(1, 41)) + [64, 100, 1000]


def hexes(a):
    a = np.ascontiguousarray(np.asarray(a, dtype=np.float32).reshape(-1))
    return " ".join("%08x" % u for u in a.view(np.uint32))


# ---------------------------------------------------------------- inputs
SPECIAL = np.array([0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 16.0, -16.0,
                    17.0, -17.0, 30.0, -30.0, 88.0, -88.0, 88.7, -88.7,
                    89.0, -89.0, 103.0, -103.0, 104.0, -104.0, 1e-7,
                    -1e-7, 1e-30, -1e-30, 1e-40, -1e-40, 1e30, -1e30],
                   dtype=np.float32)


EDGE = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 88.8, -88.8, 104.0, -104.0,
                 1e-45, -1e-45, 3.4e38, -3.4e38, 20.0, -20.0, 1.0, -1.0, 0.0,
                 -200.0, 200.0, -0.0, 17.0, -17.0], dtype=np.float32)


def values(rng, n, profile):
    """n float32 values of one of several profiles."""
    if profile == "edge":
        return np.resize(EDGE, n) if rng.random() < 0.5 else np.resize(EDGE[::-1], n)
    if profile == "normal":
        v = rng.standard_normal(n)
    elif profile == "wide":
        v = rng.standard_normal(n) * 10
    elif profile == "big":
        v = rng.standard_normal(n) * 60
    elif profile == "huge":
        v = rng.uniform(60, 130, n) * rng.choice([-1, 1], n)
    elif profile == "ties":
        v = rng.choice([0.0, -0.0, 1.0, -1.0, 3.0], n)
    elif profile == "special":
        v = rng.choice(SPECIAL, n)
    elif profile == "mixed":
        v = rng.standard_normal(n) * rng.choice([1, 1, 1, 5, 30, 100], n)
        k = rng.random(n)
        v = np.where(k < 0.15, rng.choice(SPECIAL, n), v)
    elif profile == "nonfinite":
        v = rng.standard_normal(n) * 20
        k = rng.random(n)
        v = np.where(k < 0.1, rng.choice([np.inf, -np.inf, np.nan], n), v)
    else:
        raise ValueError(profile)
    return np.asarray(v, dtype=np.float32)


def probabilities(rng, n, profile):
    """Inputs for torch.log: mostly what sigmoid/softmax produce."""
    if profile in ("normal", "wide"):
        return np.asarray(rng.random(n), dtype=np.float32)
    if profile == "big":
        return np.asarray(np.exp(-rng.random(n) * 110), dtype=np.float32)
    if profile == "edge":
        return np.resize(np.array([0.0, -0.0, 1.0, 1e-45, 1e-38, 0.5, np.inf, np.nan,
                                   -1.0, 1e-30], dtype=np.float32), n)
    v = values(rng, n, profile)
    return np.abs(v) if profile == "ties" else v


def upstream(rng, n, t, profile):
    """Incoming gradients: the nll one-hot, random values, extremes."""
    if rng.random() < 0.3:
        g = np.zeros(n, dtype=np.float32)
        g[t] = -1.0
        return g
    return values(rng, n, {"wide": "normal", "huge": "wide", "edge1": "edge"}.get(profile, profile))


PROFILES = ("normal", "wide", "big", "huge", "ties", "special", "mixed",
            "nonfinite")
# extra golden cases: (op, n, profile); linear at n=5 also gets F=1 rows
# whose products are all -0 or nan (sgemv 'n' path, no zero skipping)
EXTRA = [(op, n, "edge") for op in OPS if op != "chain" for n in (1, 7, 17, 33)] + \
        [("bce", n, "wide") for n in (513, 777, 2047, 4500)] + \
        [("linear", 5, "edge1")]


# ---------------------------------------------------------------- torch runs
def features(rng, n, max_cf):
    """The feature count of a linear or chain case, C*F <= max_cf."""
    f = int(rng.integers(1, 41)) if rng.random() < 0.8 else int(rng.choice([64, 100, 300]))
    return max(1, min(f, max_cf // n))


def run_case(torch, F, op, rng, n, profile, head=None, max_cf=1 << 30):
    """Returns (T, Fdim, [(name, array)...]) for one case."""
    T = int(rng.integers(n))
    f32 = torch.float32
    tt = lambda a: torch.tensor(np.asarray(a, dtype=np.float32), dtype=f32)
    if op == "linear" and profile == "edge1":
        Fd = 1
        W = np.array([[-1.0], [1.0], [-0.0], [np.inf], [2.0]], dtype=np.float32)
        x = np.array([0.0], dtype=np.float32)
    elif op == "linear":
        Fd = features(rng, n, max_cf)
        W = values(rng, n * Fd, profile if profile != "huge" else "wide").reshape(n, Fd)
        x = values(rng, Fd, profile if profile != "huge" else "wide")
    if op == "linear":
        dz = upstream(rng, n, T, profile)
        Wt = tt(W).requires_grad_()
        z = Wt @ tt(x)
        z.backward(tt(dz))
        return T, Fd, [("W", W), ("x", x), ("z", z.detach().numpy()),
                       ("dz", dz), ("dW", Wt.grad.numpy())]
    if op == "chain":
        head = head or HEADS[int(rng.integers(len(HEADS)))]
        Fd = features(rng, n, max_cf)
        prof = {"huge": "big", "nonfinite": "big"}.get(profile, profile)
        W = values(rng, n * Fd, prof).reshape(n, Fd)
        x = values(rng, Fd, prof)
        if rng.random() < 0.5:
            W, x = np.abs(W), np.abs(x)
        Wt = tt(W).requires_grad_()
        X = tt(x)
        y = torch.tensor([T])
        z = (Wt @ X).unsqueeze(0)
        if head.startswith("sigmoid"):
            logp = F.logsigmoid(z) if head.endswith("stable") else torch.log(torch.sigmoid(z))
            loss = F.nll_loss(logp, y)
        elif head.startswith("softmax"):
            logp = F.log_softmax(z, dim=1) if head.endswith("stable") else torch.log(torch.softmax(z, dim=1))
            loss = F.nll_loss(logp, y)
        else:
            onehot = F.one_hot(y, n).to(z.dtype)
            loss = F.binary_cross_entropy_with_logits(z, onehot)
        loss.backward()
        return T, Fd, [("head:" + head, None), ("W", W), ("x", x),
                       ("loss", loss.detach().numpy()), ("grad", Wt.grad.numpy())]
    if op == "log":
        x = probabilities(rng, n, profile)
        dy = upstream(rng, n, T, profile)
        xt = tt(x).reshape(1, n).requires_grad_()
        yt = torch.log(xt)
        yt.backward(tt(dy).reshape(1, n))
        return T, 0, [("x", x), ("y", yt.detach().numpy()), ("dy", dy),
                      ("dx", xt.grad.numpy())]
    if op == "nll":
        logp = values(rng, n, profile)
        if profile in ("normal", "wide"):
            logp = -np.abs(logp)
        lt = tt(logp).reshape(1, n).requires_grad_()
        loss = F.nll_loss(lt, torch.tensor([T]))
        loss.backward()
        return T, 0, [("logp", logp), ("loss", loss.detach().numpy()),
                      ("dlogp", lt.grad.numpy())]
    if op == "bce":
        z = values(rng, n, profile)
        zt = tt(z).reshape(1, n).requires_grad_()
        onehot = F.one_hot(torch.tensor([T]), n).to(f32)
        loss = F.binary_cross_entropy_with_logits(zt, onehot)
        loss.backward()
        return T, 0, [("z", z), ("loss", loss.detach().numpy()),
                      ("dz", zt.grad.numpy())]
    fn = {"sigmoid": torch.sigmoid,
          "softmax": lambda a: torch.softmax(a, dim=1),
          "logsigmoid": F.logsigmoid,
          "log_softmax": lambda a: F.log_softmax(a, dim=1)}[op]
    names = {"sigmoid": ("z", "p", "dp", "dz"), "softmax": ("z", "p", "dp", "dz"),
             "logsigmoid": ("z", "y", "dy", "dz"),
             "log_softmax": ("z", "y", "dy", "dz")}[op]
    z = values(rng, n, profile)
    dy = upstream(rng, n, T, profile)
    zt = tt(z).reshape(1, n).requires_grad_()
    yt = fn(zt)
    yt.backward(tt(dy).reshape(1, n))
    return T, 0, list(zip(names, (z, yt.detach().numpy(), dy, zt.grad.numpy())))


def cases(args):
    """The (op, n, profile, head, max_cf, seed) list, the same in both runs.

    Golden: every op at every size of GOLDEN_SIZES, twice (two input
    profiles) up to 100 and once at 1000; the chains run all five heads at
    each size. Stress: random sizes (60% 1..40, 30% 41..300, 10% 512..2047)
    and profiles."""
    rng = np.random.default_rng(args.seed)
    out = []
    for op in OPS:
        if args.stress:
            for _ in range(args.stress):
                r = rng.random()
                if r < 0.6:
                    n = int(rng.integers(1, 41))
                elif r < 0.9:
                    n = int(rng.integers(41, 301))
                else:
                    n = int(rng.choice([512, 1000, 1023, 1024, 1025, 2047]))
                out.append((op, n, PROFILES[int(rng.integers(len(PROFILES)))], None,
                            1 << 30, int(rng.integers(2**63))))
            continue
        for i, n in enumerate(GOLDEN_SIZES):
            profs = [PROFILES[i % len(PROFILES)]]
            if n <= 100:
                profs.append(PROFILES[(i + 3) % len(PROFILES)])
            if op == "chain":
                for j, head in enumerate(HEADS):
                    prof = profs[j % len(profs)] if j else "normal"
                    out.append((op, n, prof, head, min(4 * n, 240), int(rng.integers(2**63))))
            else:
                for prof in profs:
                    out.append((op, n, prof, None, 300, int(rng.integers(2**63))))
        for op2, n, prof in EXTRA:
            if op2 == op:
                out.append((op, n, prof, None, 300, int(rng.integers(2**63))))
    return out


def child(args):
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(1)
    if args.child == "neon":
        import platform
        assert platform.machine() == "aarch64", platform.machine()
        want = ("NO AVX", "DEFAULT")  # 2.6 says NO AVX, 2.14 DEFAULT: the NEON build either way
    else:
        want = ({"avx2": "AVX2", "default": "NO AVX"}[args.child],)
    got = [l for l in torch.__config__.show().splitlines() if "capability" in l]
    assert got and got[0].strip().endswith(want), (args.child, got)
    files = {}
    for op, n, prof, head, max_cf, seed in cases(args):
        rng = np.random.default_rng(seed)
        T, Fd, arrays = run_case(torch, F, op, rng, n, prof, head, max_cf)
        name = op
        if arrays[0][0].startswith("head:"):
            name = "chain_" + arrays[0][0][5:]
            arrays = arrays[1:]
        lines = ["case %s %s %d %d %d" % (name, args.child, n, T, Fd)]
        for an, a in arrays:
            a = np.asarray(a, dtype=np.float32).reshape(-1)
            lines.append("%s %d %s" % (an, a.size, hexes(a)))
        files.setdefault(op, []).append("\n".join(lines))
    for op, blocks in files.items():
        with open(os.path.join(args.out, "ops_%s.%s.part" % (op, args.child)), "w") as f:
            f.write("\n".join(blocks) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="tests/data")
    ap.add_argument("--seed", type=int, default=20230314)
    ap.add_argument("--stress", type=int, default=0,
                    help="random cases per op instead of the golden set")
    ap.add_argument("--neon", action="store_true",
                    help="under an aarch64 torch: its NEON kernels (capability default), written as "
                    "cpu 'neon' (tests/data/neon/)")
    ap.add_argument("--child", choices=("avx2", "default", "neon"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args)
    os.makedirs(args.out, exist_ok=True)
    cpus = ("neon",) if args.neon else ("avx2", "default")
    for cpu in cpus:
        env = dict(os.environ, ATEN_CPU_CAPABILITY="default" if cpu == "neon" else cpu, OMP_NUM_THREADS="1")
        subprocess.run([sys.executable, __file__, "--child", cpu, "--out", args.out,
                        "--seed", str(args.seed), "--stress", str(args.stress)],
                       env=env, check=True)
    import torch
    for op in OPS:
        path = os.path.join(args.out, "ops_%s.txt" % op)
        with open(path, "w") as f:
            f.write("# golden data for tests/test_ops.c, written by tests/gen_ops_golden.py\n")
            f.write("# torch %s, seed %d%s; see that script for the format\n"
                    % (torch.__version__, args.seed,
                       ", stress %d" % args.stress if args.stress else ""))
            for cpu in cpus:
                part = os.path.join(args.out, "ops_%s.%s.part" % (op, cpu))
                with open(part) as p:
                    f.write(p.read())
                os.remove(part)


if __name__ == "__main__":
    main()
