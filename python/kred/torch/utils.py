"""kred.torch.utils: the dense torch helpers of pykeops.torch.utils."""

import torch

from kred.common.utils import radial_kernel
from kred.torch._tools import TorchTools

torchtools = TorchTools


def is_on_device(x):
    """True for a tensor on a CUDA device."""
    return isinstance(x, torch.Tensor) and x.is_cuda


def squared_distances(x, y):
    """(M, N) matrix of |x_i - y_j|^2 for x (M, D) and y (N, D)."""
    xx = (x * x).sum(1).reshape(-1, 1)
    yy = (y * y).sum(1).reshape(1, -1)
    return xx + yy - 2.0 * (x @ y.t())


def torch_kernel(x, y, s, kernel):
    """Dense radial kernel matrix: gaussian, laplacian, cauchy, inverse_multiquadric."""
    return radial_kernel(squared_distances(x, y), s, kernel, torch.exp, torch.sqrt)


def WarmUpGpu():
    """Nothing to warm up on the CPU; kept for pykeops compatibility."""
    return None
