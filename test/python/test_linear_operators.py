"""KeOps' TraceOperator and AdjointOperator (formulas linear in v), against
dense float64 numpy on random data."""

import numpy as np
import pytest

from kred.numpy import Genred, LazyTensor

RNG = np.random.default_rng(7)


@pytest.mark.parametrize("M,N", [(1, 1), (7, 13)])
def test_trace_operator_matrix(M, N):
    A = RNG.standard_normal((N, 9))
    v = RNG.standard_normal((M, 3))
    w = RNG.standard_normal(3)
    tr = Genred("TraceOperator(MatVecMult(A, v), v)", ["A=Vj(9)", "v=Vi(3)"], reduction_op="Sum", axis=1)
    trw = Genred("TraceOperator(MatVecMult(A, v), v, w)", ["A=Vj(9)", "v=Vi(3)", "w=Pm(3)"], reduction_op="Sum", axis=1)
    Am = A.reshape(N, 3, 3)
    ref = np.trace(Am, axis1=1, axis2=2).sum()
    np.testing.assert_allclose(tr(A, v, backend="CPU"), np.full((M, 1), ref), rtol=1e-12)
    refw = np.einsum("k,nkk->", w, Am)
    np.testing.assert_allclose(trw(A, v, w, backend="CPU"), np.full((M, 1), refw), rtol=1e-12)


def test_trace_operator_scalar_and_lazytensor():
    b = RNG.standard_normal((11, 3))
    v = RNG.standard_normal((5, 3))
    s = RNG.standard_normal(1)
    g = Genred("TraceOperator((b | v), v, s)", ["b=Vj(3)", "v=Vi(3)", "s=Pm(1)"], reduction_op="Sum", axis=1)
    np.testing.assert_allclose(g(b, v, s, backend="CPU"), np.full((5, 1), s[0] * b.sum()), rtol=1e-12)
    # LazyTensor.trace_operator builds the same formula, as pykeops does.
    V = LazyTensor(v[:, None, :])
    B = LazyTensor(b[None, :, :])
    res = (B * V).trace_operator(V).sum(axis=1)
    np.testing.assert_allclose(res, np.full((5, 1), b.sum()), rtol=1e-12)


def test_adjoint_operator():
    A = RNG.standard_normal((6, 9))
    v = RNG.standard_normal((4, 3))
    u = RNG.standard_normal((4, 3))
    g = Genred("AdjointOperator(MatVecMult(A, v), v, u)", ["A=Vj(9)", "v=Vi(3)", "u=Vi(3)"], reduction_op="Sum", axis=1)
    ref = np.einsum("nkl,mk->ml", A.reshape(6, 3, 3), u)
    np.testing.assert_allclose(g(A, v, u, backend="CPU"), ref, rtol=1e-12)
