#!/usr/bin/python3
"""PyTorch doing one gradexp workload, timed inside the process after
`import torch`: seeding, randn, each loss head (optionally a hidden stack,
a batch and SGD training) with backward, printing. Writes the tensors to
stdout (as gradexp prints them) and one line
"seconds=<in-process time> maxrss_kb=<peak RSS>" to stderr. With no
arguments it is the blog's script. --input FILE and --weights FILE[,FILE...]
take X and W (W_1 .. W_L from the input side) from .npy files as gradexp
does (tests/torch_oracle.py): np.load, torch.from_numpy(a).float(), the
shapes set --features, --batch, --hidden and --classes, the arrays are used
as they are and only the tensors not given are drawn (with --init-std and
abs); the time includes reading the files.

  /usr/bin/python3 bench/torch_work.py --classes 50257 --features 768 --no-abs --init-std 0.036
  /usr/bin/python3 bench/torch_work.py --features 784 --hidden 256,128 --classes 10 --batch 64 \
      --target 3 --steps 100 --lr 0.1 --no-abs --init-std 0.05 --loss all --stable --show loss
  /usr/bin/python3 bench/torch_work.py --input /tmp/x.npy --weights /tmp/w.npy --stable --target 3
"""
import argparse
import resource
import sys
import time

import torch
import torch.nn.functional as F

ACT = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}


def int_list(s):
    return [int(v) for v in s.split(",") if v]


ap = argparse.ArgumentParser()
ap.add_argument("--classes", type=int, default=3)
ap.add_argument("--features", type=int, default=5)
ap.add_argument("--target", type=int_list, default=[1])
ap.add_argument("--seed", type=int, default=99)
ap.add_argument("--no-abs", action="store_true")
ap.add_argument("--init-std", type=float)
ap.add_argument("--hidden", type=int_list, default=[])
ap.add_argument("--act", choices=sorted(ACT), default="relu")
ap.add_argument("--batch", type=int)
ap.add_argument("--steps", type=int, default=0)
ap.add_argument("--lr", type=float, default=0.1)
ap.add_argument("--loss", default="sigmoid,softmax")
ap.add_argument("--stable", action="store_true")
ap.add_argument("--show", default="grad")
ap.add_argument("--input", help="X from a .npy file")
ap.add_argument("--weights", help="W, or W_1,...,W_L, from .npy files")
a = ap.parse_args()
if a.input is not None or a.weights is not None:
    import numpy as np
losses = ["sigmoid", "softmax", "bce"] if a.loss == "all" else a.loss.split(",")
show = set(["x", "w", "h", "z", "p", "loss", "grad"] if a.show == "all" else a.show.split(","))
act = ACT[a.act]


def names(stem, n):
    """'w' for a single layer, else w1 .. wn."""
    return [stem] if n == 1 else ["%s%d" % (stem, i + 1) for i in range(n)]


def run(head, Ws, X, y):
    """One forward pass: (hidden activations, logits, probabilities, loss)."""
    h, hidden = X, []
    for W in Ws[:-1]:
        h = act(h @ W.t()) if X.dim() == 2 else act(W @ h)
        hidden.append(h)
    z = h @ Ws[-1].t() if X.dim() == 2 else (Ws[-1] @ h).unsqueeze(0)
    if head == "bce":
        p = torch.sigmoid(z)
        loss = F.binary_cross_entropy_with_logits(z, F.one_hot(y, a.classes).to(z.dtype))
    elif head == "sigmoid":
        p = torch.sigmoid(z)
        loss = F.nll_loss(F.logsigmoid(z) if a.stable else torch.log(p), y)
    else:
        p = torch.softmax(z, dim=1)
        loss = F.nll_loss(F.log_softmax(z, dim=1) if a.stable else torch.log(p), y)
    return hidden, z, p, loss


def load(path):
    """A .npy file as torch.from_numpy(a).float() reads it (native byte order)."""
    arr = np.load(path, allow_pickle=False)
    if not arr.dtype.isnative:
        arr = arr.astype(arr.dtype.newbyteorder("="))
    return torch.from_numpy(arr).float()


t0 = time.perf_counter()
X_given = None if a.input is None else load(a.input)
W_given = None if a.weights is None else [load(p) for p in a.weights.split(",")]
if X_given is not None:
    a.features = X_given.shape[-1]
    a.batch = X_given.shape[0] if X_given.dim() == 2 else None
if W_given is not None:
    a.features = W_given[0].shape[1]
    a.hidden = [w.shape[0] for w in W_given[:-1]]
    a.classes = W_given[-1].shape[0]
torch.manual_seed(a.seed)
if X_given is None:
    X = torch.randn(a.features) if a.batch is None else torch.randn(a.batch, a.features)
    if not a.no_abs:
        X = X.abs()
else:
    X = X_given  # given: used as it is
if W_given is None:
    sizes = [a.features] + a.hidden + [a.classes]
    W = [torch.randn(sizes[i + 1], sizes[i]) for i in range(len(sizes) - 1)]
    if a.init_std is not None:
        W = [w * a.init_std for w in W]
    if not a.no_abs:
        W = [w.abs() for w in W]
else:
    W = W_given
rows = 1 if a.batch is None else a.batch
y = torch.tensor(a.target if len(a.target) == rows else a.target * rows)
out = []


def put(name, t):
    out.append("# %s\n%s\n" % (name, t.detach()))


if "x" in show:
    put("x", X)
if "w" in show:
    for n, w in zip(names("w", len(W)), W):
        put(n, w)
for head in losses:
    Wk = [w.detach().clone().requires_grad_() for w in W]
    losses_seen = []
    if a.steps:
        sgd = torch.optim.SGD(Wk, lr=a.lr)
        for _ in range(a.steps):
            sgd.zero_grad()  # the release's own default (set_to_none from 2.0 on)
            loss = run(head, Wk, X, y)[3]
            loss.backward()
            losses_seen.append(loss.detach().clone())
            sgd.step()
        sgd.zero_grad()
    hidden, z, p, loss = run(head, Wk, X, y)
    loss.backward()
    losses_seen.append(loss.detach().clone())
    if "h" in show:
        for i, h in enumerate(hidden):
            put("%s.h%d" % (head, i + 1), h)
    if "z" in show:
        put(head + ".z", z)
    if "p" in show:
        put(head + ".p", p)
    if "loss" in show:
        put(head + ".loss", loss)
        if a.steps:
            put(head + ".curve", torch.stack(losses_seen))
    if "grad" in show:
        for n, w in zip(names("grad", len(Wk)), Wk):
            put(head + "." + n, w.grad)
    if a.steps and "w" in show:
        for n, w in zip(names("w", len(Wk)), Wk):
            put(head + "." + n, w)
sys.stdout.write("".join(out))
sys.stdout.flush()
t1 = time.perf_counter()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
sys.stderr.write("seconds=%.6f maxrss_kb=%d\n" % (t1 - t0, rss))
