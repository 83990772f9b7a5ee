#!/usr/bin/python3
"""PyTorch doing one gradexp workload, timed inside the process after
`import torch`: seeding, randn, each loss head with backward, printing.
Writes the tensors to stdout (as gradexp prints them) and one line
"seconds=<in-process time> maxrss_kb=<peak RSS>" to stderr.

  /usr/bin/python3 bench/torch_work.py --classes 50257 --features 768 --no-abs --init-std 0.036
"""
import argparse
import resource
import sys
import time

import torch
import torch.nn.functional as F

ap = argparse.ArgumentParser()
ap.add_argument("--classes", type=int, default=3)
ap.add_argument("--features", type=int, default=5)
ap.add_argument("--target", type=int, default=1)
ap.add_argument("--seed", type=int, default=99)
ap.add_argument("--no-abs", action="store_true")
ap.add_argument("--init-std", type=float)
a = ap.parse_args()

t0 = time.perf_counter()
torch.manual_seed(a.seed)
X = torch.randn(a.features)
W = torch.randn(a.classes, a.features)
if a.init_std is not None:
    W = W * a.init_std
if not a.no_abs:
    X, W = X.abs(), W.abs()
y = torch.tensor([a.target])
out = []
for head in ("sigmoid", "softmax"):
    Wk = W.detach().clone().requires_grad_()
    z = (Wk @ X).unsqueeze(0)
    p = torch.sigmoid(z) if head == "sigmoid" else torch.softmax(z, dim=1)
    F.nll_loss(torch.log(p), y).backward()
    out.append("# %s.grad\n%s\n" % (head, Wk.grad))
sys.stdout.write("".join(out))
sys.stdout.flush()
t1 = time.perf_counter()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
sys.stderr.write("seconds=%.6f maxrss_kb=%d\n" % (t1 - t0, rss))
