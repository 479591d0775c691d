"""exp inside kernels, against the float64 (float32) or long double (float64) exp, on the host's SIMD path.

On AVX-512 hosts 512-bit vectors take the vscalef expansion (kred-approximate-math{avx512=true}), elsewhere
the portable ones; both must stay within 1 ulp, give 0 below the underflow threshold, inf above overflow,
and keep NaN, inf and -inf right, including at the clamping bounds.
"""

import numpy as np
import pytest

import kred.numpy as kn


def _inputs(dtype):
    rng = np.random.default_rng(0)
    parts = [np.linspace(-110, 100, 40001), rng.uniform(-1, 1, 20000), np.linspace(-0.35, 0.35, 2001),
             [np.nan, np.inf, -np.inf, 0.0, -0.0, 88.72, 88.73, 89.5, -87.33, -103.9, -104.1, -150.0, 1e30, -1e30]]
    if dtype == np.float64:
        parts += [np.linspace(-760, 720, 20001), [709.78, 709.79, 710.5, -745.1, -745.2, -746.5, 1e300, -1e300]]
    return np.concatenate([np.asarray(p, dtype=np.float64) for p in parts]).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_exp_within_one_ulp(dtype):
    x = _inputs(dtype)
    g = kn.Genred("Exp(x)", ["x=Vi(1)", "y=Vj(1)"], reduction_op="Sum", axis=1)
    out = g(x[:, None], np.zeros((1, 1), dtype))[:, 0]
    wide = np.longdouble if dtype == np.float64 else np.float64
    with np.errstate(over="ignore"):
        ref = np.exp(x.astype(wide)).astype(dtype)
    finite = np.isfinite(ref) & (ref != 0)
    err = np.abs(out[finite].astype(wide) - ref[finite].astype(wide)) / np.spacing(np.abs(ref[finite])).astype(wide)
    assert float(err.max()) <= 1.0, f"max error {float(err.max())} ulp at x = {x[finite][err.argmax()]}"
    special = ~finite
    same = (out[special] == ref[special]) | (np.isnan(out[special]) & np.isnan(ref[special]))
    assert same.all(), list(zip(x[special][~same], out[special][~same], ref[special][~same]))
