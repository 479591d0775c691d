"""pykeops.common.utils' public helpers (axis/category conversions, messages)."""

import kred


def axis2cat(axis):
    """The category that remains after reducing over `axis` (0 -> 1, 1 -> 0)."""
    if axis in (0, 1):
        return 1 - axis
    raise ValueError("Axis should be 0 or 1.")


def cat2axis(cat):
    """The axis reduced over to keep category `cat` (0 -> 1, 1 -> 0)."""
    if cat in (0, 1):
        return 1 - cat
    raise ValueError("Category should be Vi or Vj.")


def check_broadcasting(dims_1, dims_2):
    """The broadcast of two batch shapes (None stands for no batch dimensions)."""
    from kred.common.lazy_tensor import _broadcast_batch

    return _broadcast_batch(dims_1, dims_2)


def pyKeOps_Print(message, **kwargs):
    if kred.verbose:
        print(message, **kwargs)


def pyKeOps_Message(message, use_tag=True, **kwargs):
    if kred.verbose:
        print(("[pyKeOps] " if use_tag else "") + message, **kwargs)


def pyKeOps_Warning(message):
    if kred.verbose:
        print("[pyKeOps] Warning : " + message)


def radial_kernel(r2, s, kernel, exp, sqrt):
    """The dense radial kernel matrix of squared distances r2 and scale s (the np_kernel / torch_kernel of
    kred.numpy.utils and kred.torch.utils): gaussian, laplacian, cauchy or inverse_multiquadric, with the
    framework's exp and sqrt."""
    if kernel == "gaussian":
        return exp(-r2 / (s * s))
    if kernel == "laplacian":
        return exp(-sqrt(r2) / s)
    if kernel == "cauchy":
        return 1.0 / (1.0 + r2 / (s * s))
    if kernel == "inverse_multiquadric":
        return 1.0 / sqrt(1.0 + r2 / (s * s))
    raise ValueError(f"unknown kernel {kernel!r}")
