"""kred.torch.KernelSolve: conjugate-gradient solver for (alpha Id + K) a = b on torch tensors."""

import torch

from kred.common.solve import conjugate_gradient
from kred.numpy.operations import KernelSolveBase
from kred.torch._tools import TorchTools
from kred.torch.genred import AUTOGRAD_MESSAGE, needs_autograd


def kernelsolve_backward(ctx, grad_output):
    """Gradient of the solution w.r.t. the inputs (issue 6: another solve plus a Grad reduction)."""
    raise NotImplementedError(AUTOGRAD_MESSAGE)


class KernelSolveAutograd(torch.autograd.Function):
    @staticmethod
    def forward(ctx, solve, *args):
        result = solve(*args)
        ctx.solve = solve
        ctx.save_for_backward(*args, result)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        return kernelsolve_backward(ctx, grad_output)


class KernelSolve(KernelSolveBase):
    r"""Solves ``(alpha * Id + K) a = b`` where ``K(a) = Sum_reduction(formula)`` is linear in ``a``.

    ``KernelSolve(formula, aliases, varinvalias, axis=0, ...)`` then
    ``a = K_inv(*args, alpha=1e-10, eps=1e-6)`` where the argument at the
    position of ``varinvalias`` holds ``b``. Plain conjugate gradient, as
    pykeops: K must be symmetric positive (semi-)definite.
    """

    _tools = TorchTools

    def __call__(self, *args, backend="auto", device_id=-1, alpha=1e-10, eps=1e-6, ranges=None, maxiter=None):
        self._check(args)
        b = args[self.varinvpos]
        if not isinstance(b, torch.Tensor):
            raise TypeError(f"KernelSolve: {self.spec.describe(self.varinvpos)} must be a torch.Tensor")

        def solve(*a):
            a = tuple(t.detach() if isinstance(t, torch.Tensor) else t for t in a)
            linop = self._linop(a, alpha, backend, device_id, ranges)
            return conjugate_gradient(linop, a[self.varinvpos], eps=eps, maxiter=maxiter)

        if needs_autograd(args):
            return KernelSolveAutograd.apply(solve, *args)
        with torch.no_grad():
            return solve(*args)
