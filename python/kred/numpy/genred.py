"""kred.numpy.Genred: generic reductions on numpy arrays (pykeops.numpy.Genred's API)."""

import numpy as np

from kred.common import dlpack
from kred.common import genred as _core
from kred.numpy._tools import NumpyTools


class Genred:
    r"""Creates a reduction ``out = Red_{i or j} F(x_i, y_j, p)`` on numpy arrays.

    Same arguments as ``pykeops.numpy.Genred``::

        Genred(formula, aliases, reduction_op="Sum", axis=0, opt_arg=None, formula2=None,
               dtype_acc="auto", use_double_acc=False, sum_scheme="auto")

    ``use_fast_math`` (default True, as pykeops) lets GPU kernels use the hardware
    approximations of exp and log (CPU kernels are the same either way);
    ``dtype``, ``cuda_type``, ``enable_chunks`` and ``rec_multVar_highdim`` are
    accepted and ignored (the dtype comes from the inputs).
    Call it with one array per alias: ``(M, D)`` for ``Vi(D)``, ``(N, D)`` for
    ``Vj(D)``, ``(D,)`` for ``Pm(D)``, optionally with leading batch dimensions.
    """

    _tools = NumpyTools

    def __init__(
        self,
        formula,
        aliases,
        reduction_op="Sum",
        axis=0,
        dtype=None,
        opt_arg=None,
        formula2=None,
        cuda_type=None,
        dtype_acc="auto",
        use_double_acc=False,
        sum_scheme="auto",
        enable_chunks=True,
        rec_multVar_highdim=False,
        use_fast_math=True,
    ):
        self.spec = _core.GenredSpec(
            formula, aliases, reduction_op, axis, opt_arg, formula2, dtype_acc, use_double_acc, sum_scheme,
            fast_math=use_fast_math,
        )
        self.formula = formula
        self.aliases = self.spec.aliases
        self.reduction_op = reduction_op
        self.axis = self.spec.axis
        self.opt_arg = self.spec.opt_arg
        self.formula2 = self.spec.formula2 or None

    def __call__(self, *args, backend="auto", device_id=-1, ranges=None, out=None):
        """Runs the reduction; returns an (M, D) or (N, D) array (or a tuple for *_Arg* reductions)."""
        args = dlpack.convert(args, self._tools.is_array, np.from_dlpack)  # torch CPU tensors, ... (DLPack)
        return _core.call(self.spec, self._tools, args, backend, device_id, ranges, out, caller="Genred")

    def __repr__(self):
        return "kred.numpy." + repr(self.spec)
