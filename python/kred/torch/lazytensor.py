"""kred.torch.LazyTensor and the Vi / Vj / Pm helpers."""

from kred.common.lazy_tensor import ComplexGenericLazyTensor, GenericLazyTensor
from kred.torch._tools import TorchTools


class LazyTensor(GenericLazyTensor):
    r"""Symbolic wrapper for torch tensors (pykeops.torch.LazyTensor's API).

    ``LazyTensor(x[:, None, :])`` is an i-indexed variable, ``LazyTensor(y[None, :, :])``
    a j-indexed one, ``LazyTensor(p)`` with p of shape (D,) a parameter, a float or a
    list of floats a parameter, an int an integer constant, ``(ind, dim, cat)`` a
    symbolic variable. Leading dimensions before (M, N, D) are batch dimensions.
    """

    def __new__(cls, x=None, axis=None, is_complex=False):
        if is_complex or TorchTools.detect_complex(x):
            return ComplexLazyTensor(x, axis)
        return object.__new__(cls)

    def __init__(self, x=None, axis=None, is_complex=False):
        super().__init__(x=x, axis=axis)

    def get_tools(self):
        self.tools = TorchTools

    def lt_constructor(self, x=None, axis=None, is_complex=False):
        return LazyTensor(x=x, axis=axis, is_complex=is_complex)

    def _genred_class(self):
        from kred.torch.genred import Genred

        return Genred

    def _kernelsolve_class(self):
        from kred.torch.operations import KernelSolve

        return KernelSolve


class ComplexLazyTensor(ComplexGenericLazyTensor, LazyTensor):
    """A LazyTensor of complex numbers (pykeops.torch.ComplexLazyTensor).

    Built from complex arrays (or complex numbers), or by ``real2complex()``,
    ``imag2complex()``, ``exp1j()`` and arithmetic with complex operands.
    """

    def __new__(cls, x=None, axis=None, is_complex=True):
        return object.__new__(cls)

    def __init__(self, x=None, axis=None, is_complex=True):
        ComplexGenericLazyTensor.__init__(self, x=x, axis=axis)

    def lt_constructor(self, x=None, axis=None, is_complex=True):
        return LazyTensor(x=x, axis=axis, is_complex=is_complex)


def Var(x_or_ind, dim=None, cat=None):
    if dim is None:
        return LazyTensor(x_or_ind, axis=cat)
    return LazyTensor((x_or_ind, dim, cat))


def Vi(x_or_ind, dim=None):
    """An i-indexed variable: Vi(tensor of shape (M, D)) or symbolic Vi(ind, dim)."""
    return Var(x_or_ind, dim, 0)


def Vj(x_or_ind, dim=None):
    """A j-indexed variable: Vj(tensor of shape (N, D)) or symbolic Vj(ind, dim)."""
    return Var(x_or_ind, dim, 1)


def Pm(x_or_ind, dim=None):
    """A parameter: Pm(tensor of shape (D,)), Pm(float) or symbolic Pm(ind, dim)."""
    return Var(x_or_ind, dim, 2)
