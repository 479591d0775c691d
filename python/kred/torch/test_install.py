"""kred.torch.test_install: a one-formula check of the torch binding (pykeops' test_torch_bindings)."""

import torch

from kred.common.utils import pyKeOps_Message

formula = "SqNorm2(x - y)"
var = ["x = Vi(3)", "y = Vj(3)"]
expected_res = [63.0, 90.0]


def test_torch_bindings():
    """Compiles and runs SqNorm2(x - y) summed over j with kred.torch; prints whether it is right."""
    import kred.torch as kt

    x = torch.arange(1, 10, dtype=torch.float32).view(-1, 3)
    y = torch.arange(3, 9, dtype=torch.float32).view(-1, 3)
    res = kt.Genred(formula, var)(x, y)
    if torch.allclose(res.view(-1), torch.tensor(expected_res, dtype=torch.float32)):
        pyKeOps_Message("pyKeOps with torch bindings is working!", use_tag=False)
    else:
        pyKeOps_Message("outputs wrong values...", use_tag=False)
