"""kred.numpy.Genred: generic reductions on numpy arrays (pykeops.numpy.Genred's API)."""

import numpy as np

from kred.common import dlpack
from kred.common import genred as _core
from kred.common.frontend import GenredBase, genred_doc
from kred.numpy._tools import NumpyTools


class Genred(GenredBase):
    __doc__ = genred_doc("numpy", "numpy arrays", "array", "float16, float32 or float64")

    _tools = NumpyTools

    def __call__(self, *args, backend="auto", device_id=-1, ranges=None, out=None):
        """Runs the reduction; returns an (M, D) or (N, D) array (or a tuple for *_Arg* reductions)."""
        args = dlpack.convert(args, self._tools.is_array, np.from_dlpack)  # torch CPU tensors, ... (DLPack)
        return _core.call(self.spec, self._tools, args, backend, device_id, ranges, out, caller="Genred")
