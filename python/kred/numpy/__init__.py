"""kred.numpy: the numpy binding, a drop-in for pykeops.numpy."""

from kred.common.frontend import PUBLIC_NAMES
from kred.common.generic_ops import make_generic_ops
from kred.numpy.genred import Genred
from kred.numpy.lazytensor import ComplexLazyTensor, LazyTensor, Pm, Var, Vi, Vj
from kred.numpy.operations import KernelSolve

generic_sum, generic_logsumexp, generic_argmin, generic_argkmin = make_generic_ops(Genred)

__all__ = sorted(PUBLIC_NAMES)
