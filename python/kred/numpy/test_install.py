"""kred.numpy.test_install: a one-formula check of the numpy binding (pykeops' test_numpy_bindings)."""

import numpy as np

from kred.common.utils import pyKeOps_Message

formula = "SqNorm2(x - y)"
var = ["x = Vi(3)", "y = Vj(3)"]
expected_res = np.array([63.0, 90.0])


def test_numpy_bindings():
    """Compiles and runs SqNorm2(x - y) summed over j with kred.numpy; prints whether it is right."""
    import kred.numpy as kn

    x = np.arange(1, 10, dtype=np.float32).reshape(-1, 3)
    y = np.arange(3, 9, dtype=np.float32).reshape(-1, 3)
    res = kn.Genred(formula, var)(x, y)
    if np.allclose(res.ravel(), expected_res):
        pyKeOps_Message("pyKeOps with numpy bindings is working!", use_tag=False)
    else:
        pyKeOps_Message("outputs wrong values...", use_tag=False)
