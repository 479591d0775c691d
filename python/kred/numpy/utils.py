"""kred.numpy.utils: the dense numpy helpers of pykeops.numpy.utils.

Reference kernels used by pykeops' tests and tutorials (squared distances,
radial kernels and their gradients, a stable log-sum-exp), written for kred.
"""

import numpy as np

from kred.common.utils import radial_kernel
from kred.numpy._tools import NumpyTools

numpytools = NumpyTools


def squared_distances(x, y):
    """(M, N) matrix of |x_i - y_j|^2 for x (M, D) and y (N, D)."""
    xx = np.sum(x * x, axis=1)[:, None]
    yy = np.sum(y * y, axis=1)[None, :]
    return xx + yy - 2.0 * (x @ y.T)


def differences(x, y):
    """(D, M, N) array of x_i - y_j, coordinate first."""
    return x.T[:, :, None] - y.T[:, None, :]


def np_kernel_sphere(nalpha, nbeta, s, kernel):
    """Kernels on unit vectors: binet, linear, gaussian_unoriented, gaussian_oriented."""
    p = nalpha @ nbeta.T
    if kernel == "binet":
        return p * p
    if kernel == "linear":
        return p
    if kernel == "gaussian_unoriented":
        return np.exp((2.0 * p * p - 2.0) / (s * s))
    if kernel == "gaussian_oriented":
        return np.exp((2.0 * p - 2.0) / (s * s))
    raise ValueError(f"unknown kernel {kernel!r}")


def np_kernel(x, y, s, kernel):
    """Dense radial kernel matrix: gaussian, laplacian, cauchy, inverse_multiquadric."""
    return radial_kernel(squared_distances(x, y), s, kernel, np.exp, np.sqrt)


def log_np_kernel(x, y, s, kernel):
    """Logarithm of np_kernel."""
    r2 = squared_distances(x, y)
    if kernel == "gaussian":
        return -r2 / (s * s)
    if kernel == "laplacian":
        return -np.sqrt(r2) / s
    if kernel == "cauchy":
        return -np.log(1.0 + r2 / (s * s))
    if kernel == "inverse_multiquadric":
        return -0.5 * np.log(1.0 + r2 / (s * s))
    raise ValueError(f"unknown kernel {kernel!r}")


def grad_np_kernel(x, y, s, kernel):
    """Derivative of np_kernel with respect to the squared distance."""
    r2 = squared_distances(x, y)
    s2 = s * s
    if kernel == "gaussian":
        return -np.exp(-r2 / s2) / s2
    if kernel == "laplacian":
        t = -np.sqrt(r2 / s2)
        return np.exp(t) / (2.0 * s2 * t)
    if kernel == "cauchy":
        return -1.0 / (s * (r2 / s2 + 1.0)) ** 2
    if kernel == "inverse_multiquadric":
        return -0.5 / (s2 * (r2 / s2 + 1.0) ** 1.5)
    raise ValueError(f"unknown kernel {kernel!r}")


def chain_rules(q, ax, by, Aa, p):
    """Gradient of a gaussian kernel product with respect to x (pykeops' test helper)."""
    res = np.zeros(ax.shape, dtype=np.float32)
    for d in range(ax.shape[1]):
        diff = ax[:, d][:, None] - by[:, d][None, :]
        res[:, d] = np.sum(q * ((2.0 * diff * Aa) @ p), axis=1)
    return res


def log_sum_exp(mat, axis=0):
    """log(sum(exp(mat), axis)), computed stably by factoring out the maximum."""
    m = np.max(mat, axis=axis)
    return m + np.log(np.sum(np.exp(mat - np.expand_dims(m, axis)), axis=axis))


def WarmUpGpu():
    """Nothing to warm up on the CPU; kept for pykeops compatibility."""
    return None
