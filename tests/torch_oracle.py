#!/usr/bin/python3
"""What PyTorch prints for a gradexp configuration (the conformance oracle).

Same flags and meaning as gradexp (and as the project's reference script):
  torch.manual_seed(seed); X = randn(F); W = randn(C, F); W = W * init_std;
  X, W = |X|, |W| unless --no-abs; per loss head a fresh copy of W with
  requires_grad, z = (W @ X).unsqueeze(0), loss, backward; each tensor
  printed after a line "# NAME" (x, w, <loss>.z, <loss>.p, <loss>.loss,
  <loss>.grad).

  /usr/bin/python3 tests/torch_oracle.py --classes 3 --features 5
  /usr/bin/python3 tests/torch_oracle.py --batch FILE   (one gradexp argument
      list per line; each run's output follows a line "=== <line number>")

Run with ATEN_CPU_CAPABILITY=default|avx2|avx512 for gradexp's --cpu.
Runs under any PyTorch from 1.13 on (the host's Debian python3-torch, or a
Debian root's: tools/torch-env.sh).
"""
import argparse
import shlex
import sys

import torch
import torch.nn.functional as F

HEADS = ("sigmoid", "softmax", "bce")
PARTS = ("x", "w", "z", "p", "loss", "grad")


def parser():
    ap = argparse.ArgumentParser(description="PyTorch's output for a gradexp run")
    ap.add_argument("--classes", type=int, default=3)
    ap.add_argument("--features", type=int, default=5)
    ap.add_argument("--target", type=int, default=1)
    ap.add_argument("--seed", type=int, default=99)
    ap.add_argument("--no-abs", action="store_true")
    ap.add_argument("--init-std", type=float)
    ap.add_argument("--stable", action="store_true")
    ap.add_argument("--loss", default="sigmoid,softmax")
    ap.add_argument("--show", default="grad")
    ap.add_argument("--rng", default="avx2")  # chosen by ATEN_CPU_CAPABILITY
    ap.add_argument("--cpu", default="avx2")  # chosen by ATEN_CPU_CAPABILITY
    ap.add_argument("--torch")  # the release is the one running this script
    ap.add_argument("--precision", type=int, default=4)
    ap.add_argument("--linewidth", type=int, default=80)
    ap.add_argument("--threshold", type=int, default=1000)
    ap.add_argument("--edgeitems", type=int, default=3)
    ap.add_argument("--sci-mode", default="auto", choices=("auto", "on", "off"))
    ap.add_argument("--batch")
    return ap


def forward(head, W, X, y, stable):
    z = (W @ X).unsqueeze(0)
    if head == "bce":
        target = F.one_hot(y, W.shape[0]).to(z.dtype)
        return z, torch.sigmoid(z), F.binary_cross_entropy_with_logits(z, target)
    if head == "sigmoid":
        p = torch.sigmoid(z)
        logp = F.logsigmoid(z) if stable else torch.log(p)
    else:
        p = torch.softmax(z, dim=1)
        logp = F.log_softmax(z, dim=1) if stable else torch.log(p)
    return z, p, F.nll_loss(logp, y)


def run(a, out):
    heads = list(HEADS) if a.loss == "all" else a.loss.split(",")
    parts = set(PARTS) if a.show == "all" else set(a.show.split(","))
    torch.set_printoptions(precision=a.precision, linewidth=a.linewidth, threshold=a.threshold,
                           edgeitems=a.edgeitems,
                           sci_mode={"auto": None, "on": True, "off": False}[a.sci_mode])
    torch.manual_seed(a.seed)
    X = torch.randn(a.features)
    W = torch.randn(a.classes, a.features)
    if a.init_std is not None:
        W = W * a.init_std
    if not a.no_abs:
        X, W = X.abs(), W.abs()
    y = torch.tensor([a.target])

    def show(name, t):
        out.write("# %s\n%s\n" % (name, t.detach()))

    if "x" in parts:
        show("x", X)
    if "w" in parts:
        show("w", W)
    for head in heads:
        Wh = W.detach().clone().requires_grad_()
        z, p, loss = forward(head, Wh, X, y, a.stable)
        loss.backward()
        for part, t in (("z", z), ("p", p), ("loss", loss), ("grad", Wh.grad)):
            if part in parts:
                show("%s.%s" % (head, part), t)


def main():
    ap = parser()
    a = ap.parse_args()
    if a.batch is None:
        run(a, sys.stdout)
        return
    sys.stderr.write("torch %s\n" % torch.__version__)
    with open(a.batch) as f:
        for k, line in enumerate(f, 1):
            sys.stdout.write("=== %d\n" % k)
            run(ap.parse_args(shlex.split(line)), sys.stdout)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
