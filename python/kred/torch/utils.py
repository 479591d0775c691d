"""kred.torch.utils: the dense torch helpers of pykeops.torch.utils."""

import torch

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
    r2 = squared_distances(x, y)
    if kernel == "gaussian":
        return torch.exp(-r2 / (s * s))
    if kernel == "laplacian":
        return torch.exp(-torch.sqrt(r2) / s)
    if kernel == "cauchy":
        return 1.0 / (1.0 + r2 / (s * s))
    if kernel == "inverse_multiquadric":
        return torch.rsqrt(1.0 + r2 / (s * s))
    raise ValueError(f"unknown kernel {kernel!r}")


def WarmUpGpu():
    """Nothing to warm up on the CPU; kept for pykeops compatibility."""
    return None
