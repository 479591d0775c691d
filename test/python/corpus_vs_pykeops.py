#!/usr/bin/env python
"""Differential test of the formula corpus: kred against pykeops' CPU backend.

Every entry of test/Frontend/Inputs/corpus.txt runs, in float64, through
kred.numpy.Genred and pykeops.numpy.Genred with the same formula, aliases,
reduction, axis, opt_arg and formula2 (inputs from corpus.inputs); values must
agree to rtol 1e-10, indices exactly. With --grad, a sample of differentiable
Sum entries also compares torch float64 gradients with respect to every
input. pykeops compiles each formula with g++ (seconds each): its results are
cached in $KRED_TEST_CACHE (default ~/.cache/kred-tests)/corpus-oracle, so a
second run only runs kred. Not part of `make test`; run by hand:

    PYTHONPATH=python:build/python .venv/bin/python test/python/corpus_vs_pykeops.py [--grad] [-j 2] [names...]

Exits 1 when any entry differs.
"""

import argparse
import hashlib
import os
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402

import corpus  # noqa: E402
import oracle  # noqa: E402

ENTRIES = {e["name"]: e for e in corpus.entries()}

# Sum entries whose torch gradients are compared with --grad (differentiable,
# no discontinuous operations).
GRAD_SKIP = ("Floor", "Round", "Sign", "Step", "Mod", "ClampInt", "Equal", "Less", "<", ">", "=", "OneHot", "ArgM",
             "IfElse", "BSpline", "SoftDTW", "Grad", "Diff", "Divergence", "Laplacian", "Max(", "Min(", "Complex", "Kron",
             "TensorDot", "Conj", "Real2", "Imag2")


def grad_names():
    out = []
    for name, e in ENTRIES.items():
        f = e["formula"]
        if e["reduction"] in ("Sum", "LogSumExp") and not e["formula2"] and not any(s in f for s in GRAD_SKIP):
            out.append(name)
    return out


def _key(name):
    import importlib.metadata as md

    e = ENTRIES[name]
    h = hashlib.sha256(repr(sorted(e.items())).encode())
    for a in corpus.inputs(e):
        h.update(a.tobytes())
    h.update(md.version("pykeops").encode())
    return h.hexdigest()[:24]


def entry_key(e):
    """Hash of an entry and its inputs: the golden file's check that both are unchanged."""
    h = hashlib.sha256(repr(sorted(e.items())).encode())
    for a in corpus.inputs(e):
        h.update(a.tobytes())
    return h.hexdigest()[:16]


def write_golden(path, names, want):
    """pykeops' outputs as an .npz: <name> (or <name>.0, <name>.1 for tuples), <name>.error, <name>.key."""
    arrays = {}
    for name in names:
        status, value = want[name]
        arrays[name + ".key"] = np.array(entry_key(ENTRIES[name]))
        if status == "error":
            arrays[name + ".error"] = np.array(value)
        elif isinstance(value, tuple):
            for k, v in enumerate(value):
                arrays[f"{name}.{k}"] = np.asarray(v)
        else:
            arrays[name] = np.asarray(value)
    np.savez_compressed(path, **arrays)


def _gkey(name):
    return "g" + _key(name)


def _wrap(fn):
    try:
        return ("ok", fn())
    except Exception as exc:  # pykeops refusing a formula is a result too
        return ("error", f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1] if str(exc).strip() else ''}")


def compute(names):
    oracle._setup_pykeops()
    from pykeops.numpy import Genred

    out = {}
    for name in names:
        e = ENTRIES[name]
        out[name] = _wrap(lambda: corpus.run_genred(Genred, e, corpus.inputs(e)))
    return out


def _grads(Genred, e):
    import torch

    args = [torch.tensor(a, requires_grad=True) for a in corpus.inputs(e)]
    g = Genred(e["formula"], list(e["aliases"]), dtype="float64", **corpus.genred_kwargs(e))
    out = g(*args, backend="CPU")
    rng = np.random.default_rng(1)
    w = torch.tensor(rng.uniform(0.5, 1.5, tuple(out.shape)))
    grads = torch.autograd.grad((out * w).sum(), args, allow_unused=True)
    return [None if gr is None else gr.detach().numpy() for gr in grads]


def compute_grads(names):
    oracle._setup_pykeops()
    from pykeops.torch import Genred

    return {name: _wrap(lambda: _grads(Genred, ENTRIES[name])) for name in names}


def kred_result(e):
    import kred.numpy

    return _wrap(lambda: corpus.run_genred(kred.numpy.Genred, e, corpus.inputs(e)))


def kred_grads(e):
    import kred.torch

    return _wrap(lambda: _grads(kred.torch.Genred, e))


def judge(name, got, want):
    e = ENTRIES[name]
    if want[0] == "error" and got[0] == "error":
        return "both-error", f"pykeops: {want[1]} | kred: {got[1]}"
    if want[0] == "error":
        return "pykeops-error", want[1]
    if got[0] == "error":
        return "kred-error", got[1]
    g, w = got[1], want[1]
    if isinstance(w, list):
        for k, (a, b) in enumerate(zip(g, w)):
            if (a is None) != (b is None):
                return "differ", f"grad {k}: {'kred' if a is None else 'pykeops'} gave None"
            if a is not None:
                msg = corpus.compare(a, b, rtol=1e-9, atol=1e-10)
                if msg:
                    return "differ", f"grad {k}: {msg}"
        return "ok", ""
    msg = corpus.compare(g, w)
    if msg and e["reduction"] in ("ArgMin", "ArgMax", "Min_ArgMin", "Max_ArgMax", "ArgKMin", "KMin_ArgKMin"):
        # Ties: the indices may differ only where the reduced values are equal.
        ref = corpus.reference(e, corpus.inputs(e))
        if corpus.compare(g, ref) is None:
            return "tie", msg
    return ("differ", msg) if msg else ("ok", "")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*")
    ap.add_argument("-j", type=int, default=2, help="pykeops worker processes")
    ap.add_argument("--grad", action="store_true", help="also compare torch gradients of a sample")
    ap.add_argument("--only-grad", action="store_true")
    ap.add_argument("--write-golden", metavar="NPZ", help="also save pykeops' outputs (for test_corpus_numeric.py)")
    args = ap.parse_args()
    names = args.names or list(ENTRIES)
    counts = {}
    rows = []
    if not args.only_grad:
        want = oracle.cached_results("corpus-oracle", names, _key, compute, workers=args.j)
        for name in names:
            try:
                status, msg = judge(name, kred_result(ENTRIES[name]), want[name])
            except Exception:
                status, msg = "script-error", traceback.format_exc().splitlines()[-1]
            rows.append((name, status, msg))
        if args.write_golden:
            write_golden(args.write_golden, names, want)
    if args.grad or args.only_grad:
        gnames = [n for n in grad_names() if n in names]
        want = oracle.cached_results("corpus-oracle-grad", gnames, _gkey, compute_grads, workers=args.j)
        for name in gnames:
            status, msg = judge(name, kred_grads(ENTRIES[name]), want[name])
            rows.append((name + "/grad", status, msg))
    for name, status, msg in rows:
        counts[status] = counts.get(status, 0) + 1
        if status != "ok":
            e = ENTRIES[name.split("/")[0]]
            print(f"{status:13s} {name} {e['reduction']} axis={e['axis']} {e['formula']!r}: {msg}")
    print("summary:", ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    return 1 if counts.get("differ") or counts.get("kred-error") or counts.get("script-error") else 0


if __name__ == "__main__":
    sys.exit(main())
