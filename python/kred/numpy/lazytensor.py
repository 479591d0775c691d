"""kred.numpy.LazyTensor and the Vi / Vj / Pm helpers (made by kred.common.frontend)."""

from kred.common.frontend import lazytensor_classes
from kred.numpy._tools import NumpyTools
from kred.numpy.genred import Genred
from kred.numpy.operations import KernelSolve

LazyTensor, ComplexLazyTensor, Var, Vi, Vj, Pm = lazytensor_classes(
    "kred.numpy", NumpyTools, Genred, KernelSolve, "numpy arrays", "array"
)
