"""Every formula of the corpus (test/Frontend/Inputs/corpus.txt), evaluated by kred.

Each entry runs in float64 on the CPU through kred.numpy.Genred with the
deterministic inputs of corpus.inputs, and is compared with
  * pykeops' own outputs on the same inputs, recorded in
    Inputs/corpus_pykeops.npz by corpus_vs_pykeops.py --write-golden (so no
    pykeops compile is needed here); an entry pykeops refuses must fail in
    kred too;
  * the dense float64 reference keops_ref.py, for the entries its evaluator
    knows (its derivatives are finite differences, hence a looser tolerance
    for formulas with Grad/Diff/Laplacian/...).
"""

import os

import numpy as np
import pytest

import corpus
import kred.numpy

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "Inputs", "corpus_pykeops.npz")
ENTRIES = corpus.entries()
SYMBOLIC = ("Grad", "Diff", "Divergence", "Laplacian", "TraceOperator", "AdjointOperator")


def _golden():
    if not os.path.exists(GOLDEN):
        return None
    with np.load(GOLDEN) as z:
        return {k: z[k] for k in z.files}


GOLD = _golden()


def _want(name):
    if name in GOLD:
        return "ok", GOLD[name]
    if name + ".error" in GOLD:
        return "error", str(GOLD[name + ".error"])
    parts = []
    while f"{name}.{len(parts)}" in GOLD:
        parts.append(GOLD[f"{name}.{len(parts)}"])
    return "ok", tuple(parts)


# Entries where kred deliberately differs from pykeops 2.3 (docs/formula-language.md,
# "Differences from KeOps"): name -> (reason, how to compare).
KNOWN = {
    "c088": ("pykeops' CPU Powf calls the float function powf even in float64", dict(rtol=1e-6, atol=1e-6)),
    "c151": ("pykeops rounds RatCst(p, q) to float even in float64", dict(rtol=1e-6, atol=1e-6)),
    "c162": ("pykeops' Genred returns LogSumExpWeight's raw (max, sum) pair; kred finishes max + log(sum)", "lsew"),
    "c141": ("pykeops' SoftDTW_SqDist disagrees with the soft-DTW recursion (kred matches a numpy DP)", "skip"),
}


def test_corpus_size():
    assert len(ENTRIES) >= 180


@pytest.mark.parametrize("e", ENTRIES, ids=[e["name"] for e in ENTRIES])
def test_against_pykeops_golden(e):
    assert GOLD is not None, f"{GOLDEN} is missing: run corpus_vs_pykeops.py --write-golden"
    from corpus_vs_pykeops import entry_key

    assert str(GOLD.get(e["name"] + ".key")) == entry_key(e), (
        "the entry or its inputs changed since the golden file was written: rerun corpus_vs_pykeops.py --write-golden"
    )
    status, want = _want(e["name"])
    args = corpus.inputs(e)
    if status == "error":
        pytest.skip(f"pykeops cannot run this entry ({want}); only the dense reference checks it")
    reason, how = KNOWN.get(e["name"], ("", {}))
    if how == "skip":
        pytest.skip(f"known difference: {reason}")
    got = corpus.run_genred(kred.numpy.Genred, e, args)
    if how == "lsew":
        with np.errstate(invalid="ignore"):
            want = want[:, :1] + np.log(want[:, 1:])
        how = {}
    msg = corpus.compare(got, want, **how)
    assert msg is None, f"{e['formula']!r} ({e['reduction']}, axis {e['axis']}) vs pykeops: {msg}"


@pytest.mark.parametrize("e", ENTRIES, ids=[e["name"] for e in ENTRIES])
def test_against_dense_reference(e):
    if sum(e["formula"].count(s) for s in SYMBOLIC) > 1:
        pytest.skip("nested derivatives: keops_ref.py's nested finite differences are too coarse (the golden test covers it)")
    args = corpus.inputs(e)
    try:
        want = corpus.reference(e, args)
    except Exception as exc:
        pytest.skip(f"keops_ref.py cannot evaluate this entry ({type(exc).__name__}); the pykeops golden test covers it")
    got = corpus.run_genred(kred.numpy.Genred, e, args)
    tol = dict(rtol=1e-6, atol=1e-6) if any(s in e["formula"] for s in SYMBOLIC) else {}
    msg = corpus.compare(got, want, **tol)
    assert msg is None, f"{e['formula']!r} ({e['reduction']}, axis {e['axis']}) vs keops_ref: {msg}"
