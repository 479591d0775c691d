"""Conjugate gradient, shared by KernelSolve and LazyTensor.solve (numpy and torch)."""

import warnings

from kred.common.parse import as_integer


def _clone(x):
    return x.copy() if hasattr(x, "copy") and not hasattr(x, "clone") else x.clone()


def conjugate_gradient(linop, b, eps=1e-6, maxiter=None, precond=None, info=None):
    """Solves linop(a) = b for a symmetric positive definite linop: KeOps' plain CG, or preconditioned CG.

    Stops when |r|^2 < size(b) * eps^2 for the residual r = b - linop(a) (not the preconditioned one), as
    pykeops does, so a preconditioner changes the number of iterations, not the accuracy. ``precond``:
    None or a callable z = P^-1 r (up to a constant factor) for a symmetric positive definite P.
    ``maxiter`` (default 10 * size(b) + 100) guards against operators that are not SPD, where pykeops
    would loop forever; hitting it issues a RuntimeWarning. ``info``: a dict that receives
    ``iterations`` (products with linop), ``residual`` (|r|) and ``converged``.
    """
    n = b.numel() if hasattr(b, "numel") and callable(b.numel) else b.size
    delta = n * eps**2
    if maxiter is None:
        maxiter = 10 * n + 100
    else:
        maxiter = as_integer(maxiter, "maxiter", minimum=1)
    r = _clone(b)
    a = 0 * r
    nr2 = (r * r).sum()
    k = 0
    converged = bool(nr2 < delta)
    if not converged:
        z = r if precond is None else precond(r)
        p = _clone(z)
        rz = nr2 if precond is None else (r * z).sum()
        while True:
            Mp = linop(p)
            k += 1
            alp = rz / (p * Mp).sum()
            a += alp * p
            r -= alp * Mp
            nr2 = (r * r).sum()
            if nr2 < delta:
                converged = True
                break
            if k >= maxiter:
                warnings.warn(
                    f"conjugate gradient did not converge in {maxiter} iterations "
                    f"(residual {float(nr2) ** 0.5:.3e}); is the operator symmetric positive definite?",
                    RuntimeWarning,
                    stacklevel=4,
                )
                break
            if precond is None:
                z, rznew = r, nr2
            else:
                z = precond(r)
                rznew = (r * z).sum()
            p = z + (rznew / rz) * p
            rz = rznew
    if info is not None:
        info.update(iterations=k, residual=float(nr2) ** 0.5, converged=converged)
    return a
