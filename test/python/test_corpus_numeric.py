"""Every formula of the corpus (test/Frontend/Inputs/corpus.txt), evaluated by kred.

Each entry runs in float64 on the CPU through kred.numpy.Genred with the
deterministic inputs of corpus.inputs, and is compared with
  * pykeops' own outputs on the same inputs, recorded in
    Inputs/corpus_pykeops.npz by corpus_vs_pykeops.py --write-golden (so no
    pykeops compile is needed here), for the entries pykeops can run;
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
}
# pykeops 2.3's CPU SoftDTW_SqDist gives NaN or inf on small random inputs
# (e.g. 5 x 4 values in [0, 1), gamma 0.5): compared with the soft-DTW
# recursion instead (test_softdtw_matches_the_recursion).
SOFTDTW = "c141"


def _reference_or_none(e):
    if sum(e["formula"].count(s) for s in SYMBOLIC) > 1:
        return None  # keops_ref.py's nested finite differences are too coarse
    try:
        return corpus.reference(e, corpus.inputs(e))
    except Exception:
        return None  # an op keops_ref.py does not know


GOLDEN_CASES = [e for e in ENTRIES if GOLD is not None and e["name"] != SOFTDTW and _want(e["name"])[0] == "ok"]
DENSE_CASES = [e for e in ENTRIES if _reference_or_none(e) is not None]


def test_corpus_size():
    assert len(ENTRIES) >= 180


def test_every_entry_is_checked():
    """Each entry meets pykeops' outputs, the dense reference, or both."""
    assert GOLD is not None, f"{GOLDEN} is missing: run corpus_vs_pykeops.py --write-golden"
    covered = {e["name"] for e in GOLDEN_CASES} | {e["name"] for e in DENSE_CASES} | {SOFTDTW, "c133", "c134"}
    covered |= set(EQUIVALENT)
    missing = [e["name"] + ": " + e["formula"] for e in ENTRIES if e["name"] not in covered]
    assert not missing, missing


@pytest.mark.parametrize("e", GOLDEN_CASES, ids=[e["name"] for e in GOLDEN_CASES])
def test_against_pykeops_golden(e):
    from corpus_vs_pykeops import entry_key

    assert str(GOLD.get(e["name"] + ".key")) == entry_key(e), (
        "the entry or its inputs changed since the golden file was written: rerun corpus_vs_pykeops.py --write-golden"
    )
    _, want = _want(e["name"])
    args = corpus.inputs(e)
    reason, how = KNOWN.get(e["name"], ("", {}))
    got = corpus.run_genred(kred.numpy.Genred, e, args)
    if how == "lsew":
        with np.errstate(invalid="ignore"):
            want = want[:, :1] + np.log(want[:, 1:])
        how = {}
    msg = corpus.compare(got, want, **how)
    assert msg is None, f"{e['formula']!r} ({e['reduction']}, axis {e['axis']}) vs pykeops: {msg}"


@pytest.mark.parametrize("e", DENSE_CASES, ids=[e["name"] for e in DENSE_CASES])
def test_against_dense_reference(e):
    args = corpus.inputs(e)
    want = corpus.reference(e, args)
    got = corpus.run_genred(kred.numpy.Genred, e, args)
    tol = dict(rtol=1e-6, atol=1e-6) if any(s in e["formula"] for s in SYMBOLIC) else {}
    msg = corpus.compare(got, want, **tol)
    assert msg is None, f"{e['formula']!r} ({e['reduction']}, axis {e['axis']}) vs keops_ref: {msg}"


def _softdtw(x, y, gamma):
    """Soft-DTW with squared differences: R[i,j] = d(i,j) + softmin_gamma of
    the three predecessors (the first row and column accumulate plainly)."""
    n, m = len(x), len(y)
    R = np.full((n + 1, m + 1), np.inf)
    R[0, 0] = 0.0
    for j in range(1, m + 1):
        for i in range(1, n + 1):
            a = np.array([R[i - 1, j - 1], R[i - 1, j], R[i, j - 1]])
            lo = a.min()
            R[i, j] = (x[i - 1] - y[j - 1]) ** 2 + lo - gamma * np.log(np.exp(-(a - lo) / gamma).sum())
    return R[n, m]


def test_softdtw_matches_the_recursion():
    rng = np.random.default_rng(1)
    x, y, g = rng.random((3, 5)), rng.random((7, 4)), np.array([0.5])
    f = kred.numpy.Genred("SoftDTW_SqDist(x,y,g)", ["x=Vi(5)", "y=Vj(4)", "g=Pm(1)"], reduction_op="Sum", axis=1)
    want = np.array([[sum(_softdtw(xi, yj, 0.5) for yj in y)] for xi in x])
    np.testing.assert_allclose(f(x, y, g, backend="CPU"), want, rtol=1e-12)


# Entries that neither pykeops (it refuses them) nor keops_ref.py (it does not
# parse the syntax) can evaluate as written: the same computation spelled in
# a form the dense reference reads, evaluated on the entry's own inputs.
EQUIVALENT = {
    # Pm(...)/Vj(...)/Vi(...) placeholders inside the formula.
    "c029": ("Square(Var(0,1,2) - Var(3,1,1)) * Exp(Var(1,3,0) + Var(2,3,1))", []),
    # Grad(f, v) without e: e = Var(1 + the largest position of f, dim f, other category).
    "c068": ("Grad(Exp(-SqDist(x,y)) * b, x, e)", ["x = Vi(0,3)", "y = Vj(1,3)", "b = Vj(2,1)", "e = Vj(3,1)"]),
    "c156": ("Grad(Exp(x*y), y, e)", ["x = Vi(0,2)", "y = Vj(1,2)", "e = Vi(2,1)"]),
    # Ind(...) index sequences.
    "c146": ("TensorDot(A, B, [2,3], [3,4], [1], [0])", ["A = Vi(6)", "B = Vj(12)"]),
    # Legacy Vx/Vy aliases.
    "c169": ("Exp(-SqDist(x,y))*b", ["x = Vi(3)", "y = Vj(3)", "b = Vj(1)"]),
}


@pytest.mark.parametrize("name", sorted(EQUIVALENT))
def test_against_an_equivalent_formula(name):
    (e,) = [e for e in ENTRIES if e["name"] == name]
    formula, aliases = EQUIVALENT[name]
    args = corpus.inputs(e)
    want = corpus.reference(dict(e, formula=formula, aliases=aliases), args)
    got = corpus.run_genred(kred.numpy.Genred, e, args)
    tol = dict(rtol=1e-6, atol=1e-6) if "Grad" in formula else {}
    msg = corpus.compare(got, want, **tol)
    assert msg is None, f"{e['formula']!r} vs {formula!r}: {msg}"


def _bspline_basis(knots, x, degree):
    """Cox-de Boor: the len(knots) - degree - 1 B-spline basis functions of
    `degree` at x (half-open knot intervals)."""
    b = [1.0 if knots[i] <= x < knots[i + 1] else 0.0 for i in range(len(knots) - 1)]
    for p in range(1, degree + 1):
        nxt = []
        for i in range(len(knots) - p - 1):
            left = (x - knots[i]) / (knots[i + p] - knots[i]) * b[i] if knots[i + p] > knots[i] else 0.0
            right = (
                (knots[i + p + 1] - x) / (knots[i + p + 1] - knots[i + 1]) * b[i + 1]
                if knots[i + p + 1] > knots[i + 1]
                else 0.0
            )
            nxt.append(left + right)
        b = nxt
    return np.array(b)


@pytest.mark.parametrize("name", ["c133", "c134"])
def test_bspline_against_cox_de_boor(name):
    (e,) = [e for e in ENTRIES if e["name"] == name]
    args = corpus.inputs(e)
    _, cats, _ = corpus.signature(e)
    knots = next(a for a, c in zip(args, cats) if c == 2)
    x = next(a for a, c in zip(args, cats) if c == 0)[:, 0]
    degree = int(e["formula"].rstrip(") ").split(",")[-1])
    got = corpus.run_genred(kred.numpy.Genred, e, args)
    # No j-variable: N = 1, so the sum over j is the basis itself.
    want = np.stack([_bspline_basis(knots, xi, degree) for xi in x])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
