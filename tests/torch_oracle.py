#!/usr/bin/python3
"""What PyTorch prints for a gradexp configuration (the conformance oracle).

Same flags and meaning as gradexp and as the project's reference script
(torch_ref.py; its docstring is the specification):
  torch.manual_seed(seed); X = randn(F), or randn(N, F) with --batch N;
  W_l = randn(d_l, d_(l-1)) for l = 1..L (d_0 = F, the --hidden widths,
  d_L = C), each * init_std when given; X, W_l = |X|, |W_l| unless --no-abs.
  Per loss head a fresh copy of every W_l with requires_grad; hidden layers
  h = act(W_l @ h) (act(h @ W_l.T) for a batch); logits z = (W_L @ h)
  .unsqueeze(0) (h @ W_L.T for a batch); the loss; with --steps T, T steps of
  torch.optim.SGD(lr) (zero_grad at the release's default, forward, backward,
  step) and one more zero_grad; then forward and backward.
  Each tensor is printed after a line "# NAME", in this order:
    x, w (or w1 .. wL), then per head <loss>.h1 .. h(L-1), .z, .p, .loss,
    .curve (the T+1 losses; with --steps and loss shown), .grad (or .grad1 ..
    .gradL), and with --steps T > 0 and w shown the trained .w (or .w1 ..).

  Arrays of one's own (as gradexp reads them): --input FILE sets X, --weights
  FILE[,FILE...] sets W (or W_1 .. W_L from the input side); FILE is a .npy
  (big-endian arrays first converted to native order) or PATH.safetensors:NAME
  (a safetensors file's tensor: F32, F64, F16 or BF16), read as
  torch.from_numpy(a).float() (a contiguous copy). A 1-d X is one input, a
  2-d (N, F) X a batch of N; each W is (d_out, d_in). Their shapes set
  --features, --batch, --hidden and --classes (a size flag given as well must
  agree). Only the tensors not given are drawn, in the usual order right
  after the seed, and only those get --init-std and abs. --save DIR also
  writes every printed tensor to DIR/NAME.npy (np.save of its float32 numpy
  array; DIR is created when missing); stdout is unchanged.

  /usr/bin/python3 tests/torch_oracle.py --classes 3 --features 5
  /usr/bin/python3 tests/torch_oracle.py --batch-file FILE   (one gradexp
      argument list per line; each run's output follows a line
      "=== <line number>"; the old spelling --batch FILE, a value that is not
      a number, still works)

Run with ATEN_CPU_CAPABILITY=default|avx2|avx512 for gradexp's --cpu.
Runs under any PyTorch from 1.13 on (the host's Debian python3-torch, or a
Debian root's: tools/torch-env.sh).
"""
import argparse
import json
import os
import shlex
import sys

import torch
import torch.nn.functional as F

HEADS = ("sigmoid", "softmax", "bce")
PARTS = ("x", "w", "h", "z", "p", "loss", "grad")
ACTS = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}


def int_list(text):
    return [int(v) for v in text.split(",")] if text else []


def parser():
    ap = argparse.ArgumentParser(description="PyTorch's output for a gradexp run")
    ap.add_argument("--classes", type=int)  # 3 unless --weights sets it
    ap.add_argument("--features", type=int)  # 5 unless --input or --weights sets it
    ap.add_argument("--target", default="1", help="a class, or N classes with --batch N")
    ap.add_argument("--seed", type=int, default=99)
    ap.add_argument("--no-abs", action="store_true")
    ap.add_argument("--init-std", type=float)
    ap.add_argument("--stable", action="store_true")
    ap.add_argument("--loss", default="sigmoid,softmax")
    ap.add_argument("--show", default="grad")
    ap.add_argument("--hidden", default="", help="hidden widths, e.g. 8,4")
    ap.add_argument("--act", default="relu", choices=tuple(ACTS))
    ap.add_argument("--batch", type=int, help="N inputs, X is (N, F)")
    ap.add_argument("--steps", type=int, default=0)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--rng", default="avx2")  # chosen by ATEN_CPU_CAPABILITY
    ap.add_argument("--cpu", default="avx2")  # chosen by ATEN_CPU_CAPABILITY
    ap.add_argument("--torch")  # the release is the one running this script
    ap.add_argument("--precision", type=int, default=4)
    ap.add_argument("--linewidth", type=int, default=80)
    ap.add_argument("--threshold", type=int, default=1000)
    ap.add_argument("--edgeitems", type=int, default=3)
    ap.add_argument("--sci-mode", default="auto", choices=("auto", "on", "off"))
    ap.add_argument("--input", help="X from a .npy or PATH.safetensors:NAME")
    ap.add_argument("--weights", help="W, or W_1,...,W_L: .npy or PATH.safetensors:NAME files")
    ap.add_argument("--save", help="also write each printed tensor to DIR/NAME.npy")
    return ap


SAFETENSORS_DTYPES = {"F32": "<f4", "F64": "<f8", "F16": "<f2", "BF16": "<u2"}


def safetensors_array(path, name):
    """Tensor name of the safetensors file path as a numpy array (BF16 as
    float32, its bits shifted up)."""
    import numpy as np
    with open(path, "rb") as f:
        blob = f.read()
    n = int.from_bytes(blob[:8], "little")
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    if name not in header or name == "__metadata__":
        raise ValueError("no tensor %r (it holds %s)" % (
            name, ", ".join(k for k in header if k != "__metadata__")))
    info = header[name]
    begin, end = info["data_offsets"]
    if info["dtype"] not in SAFETENSORS_DTYPES:
        raise ValueError("dtype %s is not F32, F64, F16 or BF16" % info["dtype"])
    data = blob[8 + n + begin:8 + n + end]
    a = np.frombuffer(data, dtype=SAFETENSORS_DTYPES[info["dtype"]]).reshape(info["shape"])
    if info["dtype"] == "BF16":
        a = (a.astype("<u4") << 16).view("<f4")
    return a


def load_array(spec):
    """The float32 tensor of a .npy file or PATH.safetensors:NAME, read as
    torch.from_numpy(a).float() reads it (contiguous, writable)."""
    import numpy as np
    if not os.path.exists(spec) and ":" in spec:
        path, name = spec.rsplit(":", 1)
        a = safetensors_array(path, name)
    else:
        a = np.load(spec, allow_pickle=False)
    if a.dtype.kind != "f" or a.dtype.itemsize not in (2, 4, 8):
        raise ValueError("dtype %s is not float16, float32 or float64" % a.dtype)
    if not a.dtype.isnative:
        a = a.astype(a.dtype.newbyteorder("="))
    return torch.from_numpy(np.array(a, order="C", copy=True)).float()


def given_arrays(ap, a):
    """Loads --input and --weights and sets the sizes from their shapes,
    checking them against the size flags given; ap.error when they disagree."""
    def load(flag, spec):
        try:
            return load_array(spec)
        except (OSError, ValueError, KeyError, TypeError) as e:
            ap.error("%s: %s: %s" % (flag, spec, e))

    a.X = a.Ws = None
    if a.input is not None:
        a.X = load("--input", a.input)
        if a.X.dim() not in (1, 2):
            ap.error("--input %s: shape %s is not (F,) or (N, F)" % (a.input, tuple(a.X.shape)))
        F_x = a.X.shape[-1]
        if a.features is not None and a.features != F_x:
            ap.error("--features %d disagrees with --input %s: %d features" % (a.features, a.input, F_x))
        a.features = F_x
        if a.X.dim() == 2:
            if a.batch is not None and a.batch != a.X.shape[0]:
                ap.error("--batch %d disagrees with --input %s: %d rows" % (a.batch, a.input, a.X.shape[0]))
            a.batch = a.X.shape[0]
        elif a.batch is not None:
            ap.error("--batch %d disagrees with --input %s: one input" % (a.batch, a.input))
    if a.weights is not None:
        specs = a.weights.split(",")
        a.Ws = [load("--weights", spec) for spec in specs]
        for spec, W in zip(specs, a.Ws):
            if W.dim() != 2:
                ap.error("--weights %s: shape %s is not (rows, cols)" % (spec, tuple(W.shape)))
        rows = [W.shape[0] for W in a.Ws]
        if a.hidden and a.hidden != rows[:-1]:
            ap.error("--hidden %s disagrees with --weights: %s" % (",".join(map(str, a.hidden)), a.weights))
        if a.classes is not None and a.classes != rows[-1]:
            ap.error("--classes %d disagrees with --weights %s: %d rows" % (a.classes, specs[-1], rows[-1]))
        F_w = a.Ws[0].shape[1]
        if a.features is not None and a.features != F_w:
            ap.error("--features %d disagrees with --weights %s: %d columns" % (a.features, specs[0], F_w))
        for spec, W, d_in in zip(specs[1:], a.Ws[1:], rows):
            if W.shape[1] != d_in:
                ap.error("--weights %s: %d columns for %d inputs" % (spec, W.shape[1], d_in))
        a.hidden, a.classes, a.features = rows[:-1], rows[-1], F_w
    if a.classes is None:
        a.classes = 3
    if a.features is None:
        a.features = 5


def parse(ap, argv):
    """Parses one argument list; lists become Python lists, bad ones exit 2."""
    a = ap.parse_args(argv)
    a.heads = list(HEADS) if a.loss == "all" else a.loss.split(",")
    a.parts = set(PARTS) if a.show == "all" else set(a.show.split(","))
    try:
        a.hidden = int_list(a.hidden)
        a.target = int_list(a.target)
    except ValueError as e:
        ap.error("--hidden and --target take comma lists of integers: %s" % e)
    given_arrays(ap, a)
    bad = [h for h in a.heads if h not in HEADS] + [s for s in a.parts if s not in PARTS]
    if bad:
        ap.error("unknown --loss head or --show part: %s" % ",".join(bad))
    if a.batch is None and len(a.target) != 1:
        ap.error("several targets need --batch")
    if a.batch is not None and len(a.target) not in (1, a.batch):
        ap.error("--target: one class, or one per row of the batch")
    return a


def logits(Ws, X, act):
    """Hidden activations and logits of the network Ws on X."""
    one = X.dim() == 1
    h, hs = X, []
    for W in Ws[:-1]:
        h = act(W @ h if one else h @ W.T)
        hs.append(h)
    z = (Ws[-1] @ h).unsqueeze(0) if one else h @ Ws[-1].T
    return hs, z


def head_loss(head, z, y, stable):
    """(p, loss) of one head on logits z (rows) and classes y."""
    if head == "bce":
        target = F.one_hot(y, z.shape[1]).to(z.dtype)
        return torch.sigmoid(z), F.binary_cross_entropy_with_logits(z, target)
    if head == "sigmoid":
        p = torch.sigmoid(z)
        logp = F.logsigmoid(z) if stable else torch.log(p)
    else:
        p = torch.softmax(z, dim=1)
        logp = F.log_softmax(z, dim=1) if stable else torch.log(p)
    return p, F.nll_loss(logp, y)


def numbered(stem, count):
    """'w' for one layer, else 'w1' .. 'wL'."""
    return [stem] if count == 1 else ["%s%d" % (stem, i) for i in range(1, count + 1)]


def run(a, out):
    torch.set_printoptions(precision=a.precision, linewidth=a.linewidth, threshold=a.threshold,
                           edgeitems=a.edgeitems,
                           sci_mode={"auto": None, "on": True, "off": False}[a.sci_mode])
    torch.manual_seed(a.seed)
    if a.X is None:
        X = torch.randn(a.features) if a.batch is None else torch.randn(a.batch, a.features)
        if not a.no_abs:
            X = X.abs()
    else:
        X = a.X  # given: used as it is
    if a.Ws is None:
        dims = [a.features] + a.hidden + [a.classes]
        Ws = [torch.randn(d_out, d_in) for d_in, d_out in zip(dims, dims[1:])]
        if a.init_std is not None:
            Ws = [W * a.init_std for W in Ws]
        if not a.no_abs:
            Ws = [W.abs() for W in Ws]
    else:
        Ws = a.Ws
    rows = 1 if a.batch is None else a.batch
    y = torch.tensor(a.target * rows if len(a.target) == 1 else a.target)
    act = ACTS[a.act]
    wnames = numbered("w", len(Ws))

    if a.save is not None:
        import numpy as np
        os.makedirs(a.save, exist_ok=True)

    def show(name, t):
        out.write("# %s\n%s\n" % (name, t.detach()))
        if a.save is not None:
            np.save(os.path.join(a.save, name + ".npy"), t.detach().numpy())

    if "x" in a.parts:
        show("x", X)
    if "w" in a.parts:
        for name, W in zip(wnames, Ws):
            show(name, W)
    for head in a.heads:
        Wh = [W.detach().clone().requires_grad_() for W in Ws]
        curve = []
        if a.steps:
            opt = torch.optim.SGD(Wh, lr=a.lr)
            for _ in range(a.steps):
                opt.zero_grad()  # the release's default: zeros in 1.x, None in 2.x
                loss = head_loss(head, logits(Wh, X, act)[1], y, a.stable)[1]
                loss.backward()
                curve.append(loss.detach().clone())
                opt.step()
            opt.zero_grad()
        hs, z = logits(Wh, X, act)
        p, loss = head_loss(head, z, y, a.stable)
        loss.backward()
        curve.append(loss.detach().clone())
        if "h" in a.parts:
            for i, h in enumerate(hs, 1):
                show("%s.h%d" % (head, i), h)
        for part, t in (("z", z), ("p", p), ("loss", loss)):
            if part in a.parts:
                show("%s.%s" % (head, part), t)
        if a.steps and "loss" in a.parts:
            show("%s.curve" % head, torch.stack(curve))
        if "grad" in a.parts:
            for name, W in zip(numbered("grad", len(Wh)), Wh):
                show("%s.%s" % (head, name), W.grad)
        if a.steps and "w" in a.parts:
            for name, W in zip(wnames, Wh):
                show("%s.%s" % (head, name), W)


def batch_file(argv):
    """The file of argument lists, from --batch-file FILE or the old
    --batch FILE (a value that is not an integer), else None; and the rest."""
    pre = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    pre.add_argument("--batch-file")
    known, rest = pre.parse_known_args(argv)
    if known.batch_file is not None:
        return known.batch_file, rest
    for i, arg in enumerate(rest):
        value = None
        if arg == "--batch" and i + 1 < len(rest):
            value, end = rest[i + 1], i + 2
        elif arg.startswith("--batch="):
            value, end = arg.split("=", 1)[1], i + 1
        if value is not None:
            try:
                int(value)
            except ValueError:
                return value, rest[:i] + rest[end:]
    return None, rest


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    ap = parser()
    path, rest = batch_file(argv)
    if path is None:
        run(parse(ap, rest), sys.stdout)
        return
    cpu = getattr(getattr(torch.backends, "cpu", None), "get_cpu_capability", None)  # 2.x
    sys.stderr.write("torch %s capability %s\n" % (torch.__version__, cpu() if cpu else "?"))
    with open(path) as f:
        for k, line in enumerate(f, 1):
            sys.stdout.write("=== %d\n" % k)
            run(parse(ap, shlex.split(line)), sys.stdout)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
