"""Conjugate gradient, shared by KernelSolve and LazyTensor.solve (numpy and torch)."""

import warnings

from kred.common.parse import as_integer


def conjugate_gradient(linop, b, eps=1e-6, maxiter=None):
    """Solves linop(a) = b for a symmetric positive definite linop (KeOps' plain CG).

    Stops when |r|^2 < size(b) * eps^2, as pykeops does; ``maxiter`` (default
    10 * size(b) + 100) guards against operators that are not SPD, where
    pykeops would loop forever; hitting it issues a RuntimeWarning.
    """
    n = b.numel() if hasattr(b, "numel") and callable(b.numel) else b.size
    delta = n * eps**2
    if maxiter is None:
        maxiter = 10 * n + 100
    else:
        maxiter = as_integer(maxiter, "maxiter", minimum=1)
    r = b.copy() if hasattr(b, "copy") and not hasattr(b, "clone") else b.clone()
    a = 0 * r
    nr2 = (r * r).sum()
    if nr2 < delta:
        return a
    p = r.copy() if hasattr(r, "copy") and not hasattr(r, "clone") else r.clone()
    k = 0
    while True:
        Mp = linop(p)
        alp = nr2 / (p * Mp).sum()
        a += alp * p
        r -= alp * Mp
        nr2new = (r * r).sum()
        if nr2new < delta:
            break
        p = r + (nr2new / nr2) * p
        nr2 = nr2new
        k += 1
        if k >= maxiter:
            warnings.warn(
                f"conjugate gradient did not converge in {maxiter} iterations "
                f"(residual {float(nr2new) ** 0.5:.3e}); is the operator symmetric positive definite?",
                RuntimeWarning,
                stacklevel=3,
            )
            break
    return a
