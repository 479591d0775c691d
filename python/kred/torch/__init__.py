"""kred.torch: the torch binding, a drop-in for pykeops.torch (CPU tensors for now)."""

try:
    import torch as _torch  # noqa: F401
except ImportError as e:  # torch is optional for `import kred`, required here
    raise ImportError("kred.torch needs PyTorch: pip install torch") from e

from kred.common.frontend import PUBLIC_NAMES
from kred.common.generic_ops import make_generic_ops
from kred.torch.genred import Genred
from kred.torch.lazytensor import ComplexLazyTensor, LazyTensor, Pm, Var, Vi, Vj
from kred.torch.operations import KernelSolve

generic_sum, generic_logsumexp, generic_argmin, generic_argkmin = make_generic_ops(Genred)

__all__ = sorted(PUBLIC_NAMES)
