"""kred.torch.LazyTensor and the Vi / Vj / Pm helpers (made by kred.common.frontend)."""

from kred.common.frontend import lazytensor_classes
from kred.torch._tools import TorchTools
from kred.torch.genred import Genred
from kred.torch.operations import KernelSolve

LazyTensor, ComplexLazyTensor, Var, Vi, Vj, Pm = lazytensor_classes(
    "kred.torch", TorchTools, Genred, KernelSolve, "torch tensors", "tensor"
)
