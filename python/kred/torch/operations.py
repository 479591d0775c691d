"""kred.torch.KernelSolve: (preconditioned) conjugate-gradient solver for (alpha Id + K) a = b on torch tensors.

Differentiable (as pykeops'): with A = alpha Id + K(args) symmetric and
a = A^-1 b, the backward of a loss with gradient E w.r.t. a is
``u = A^-1 E`` (another solve) for b and ``-Grad(K(a), theta, u)`` (the
backward of the Sum reduction K applied to a, see kred/torch/autograd.py)
for every other input theta. Both run through autograd again, so higher
derivatives work.
"""

import torch

from kred.common.frontend import KernelSolveBase
from kred.torch._tools import TorchTools
from kred.torch.autograd import Call, genred_vjp, tracked


class _Solver:
    """One KernelSolve call's options; ``solve(*args)`` runs the conjugate gradient.

    The preconditioner is built on the first solve and kept for later solves on the same kernel arguments
    (all but the right-hand side): the backward's solve A^-1 E reuses the forward's."""

    def __init__(self, ks, alpha, eps, backend, device_id, ranges, maxiter, precond="auto", precond_rank=None):
        self.ks = ks
        self.alpha, self.eps, self.maxiter = alpha, eps, maxiter
        self.backend, self.device_id, self.ranges = backend, device_id, ranges
        self.precond, self.precond_rank = precond, precond_rank
        self._precond_key, self._precond = None, None

    def _key(self, args):
        """What identifies the kernel arguments (None: tensors without storage, never reused)."""
        pos = self.ks.varinvpos
        key = []
        try:
            for p, t in enumerate(args):
                if p == pos:
                    continue
                if isinstance(t, torch.Tensor):
                    key.append((t.data_ptr(), tuple(t.shape), t.stride(), t.dtype, t.device, t._version))
                else:
                    key.append(id(t))
        except RuntimeError:  # functorch wrappers, fake tensors
            return None
        return tuple(key)

    def preconditioner(self, args):
        key = self._key(args)
        if key is None or self._precond_key != key:
            self._precond = self.ks._preconditioner(
                args, self.alpha, self.backend, self.device_id, self.ranges, self.precond, self.precond_rank
            )
            self._precond_key = key
        return self._precond

    def solve(self, *args):
        args = tuple(t.detach() if isinstance(t, torch.Tensor) else t for t in args)
        linop = self.ks._linop(args, self.alpha, self.backend, self.device_id, self.ranges)
        with torch.no_grad():
            P = self.preconditioner(args)
            return self.ks._solve(linop, args[self.ks.varinvpos], self.eps, self.maxiter, P)

    def __call__(self, args):
        """The solution, in the autograd graph when some input needs it."""
        if tracked(args):
            return KernelSolveAutograd.apply(self, *args)
        return self.solve(*args)


def kernelsolve_backward(ctx, grad_output):
    """Gradients of the solution a = (alpha Id + K)^-1 b w.r.t. the inputs: another solve plus a Grad reduction."""
    solver, n = ctx.solver, ctx.nargs
    saved = ctx.saved_tensors
    args, a = saved[:n], saved[n]
    needs = ctx.needs_input_grad[1:]
    pos = solver.ks.varinvpos
    grads = [None] * n
    if not any(needs):
        return grads
    u = solver(args[:pos] + (grad_output,) + args[pos + 1 :])  # A^-1 E (A is symmetric)
    if needs[pos]:
        grads[pos] = u
    others = [bool(needs[p]) and p != pos for p in range(n)]
    if any(others):
        call = Call(solver.ks.spec, solver.backend, solver.device_id, solver.ranges, "KernelSolve (derivative)")
        kargs = args[:pos] + (a,) + args[pos + 1 :]
        for p, g in enumerate(genred_vjp(call, kargs, (), u, others)):
            if g is not None and others[p]:
                grads[p] = -g
    return grads


class KernelSolveAutograd(torch.autograd.Function):
    @staticmethod
    def forward(solver, *args):
        return solver.solve(*args)

    @staticmethod
    def setup_context(ctx, inputs, output):
        solver, *args = inputs
        ctx.solver = solver
        ctx.nargs = len(args)
        ctx.save_for_backward(*args, output)

    @staticmethod
    def backward(ctx, grad_output):
        return (None, *kernelsolve_backward(ctx, grad_output))


class KernelSolve(KernelSolveBase):
    r"""Solves ``(alpha * Id + K) a = b`` where ``K(a) = Sum_reduction(formula)`` is linear in ``a``.

    ``KernelSolve(formula, aliases, varinvalias, axis=0, ...)`` then
    ``a = K_inv(*args, alpha=1e-10, eps=1e-6)`` where the argument at the
    position of ``varinvalias`` holds ``b``. Conjugate gradient, as pykeops:
    K must be symmetric positive (semi-)definite; it stops on pykeops'
    criterion ``|b - (alpha Id + K) a|^2 < size(b) eps^2``. Differentiable
    w.r.t. every input (b and the formula's variables); the backward's solve
    reuses the forward's preconditioner.

    ``precond="auto"`` (default), ``"pivchol"``, ``"nystrom"`` or None: the
    low-rank preconditioner ``alpha Id + L L^T`` (kred.common.precond), of
    rank ``precond_rank`` (default: automatic, capped); "auto" is "pivchol"
    except with ``ranges=`` or ``alpha <= 0`` (then plain CG). After a call,
    ``solve_info`` holds ``iterations``, ``residual``, ``converged``,
    ``precond``, ``rank`` and ``precond_setup_s`` of the last solve (a
    backward's included).
    """

    _tools = TorchTools

    def __call__(
        self,
        *args,
        backend="auto",
        device_id=-1,
        alpha=1e-10,
        eps=1e-6,
        ranges=None,
        maxiter=None,
        precond="auto",
        precond_rank=None,
    ):
        self._check(args)
        b = args[self.varinvpos]
        if not isinstance(b, torch.Tensor):
            raise TypeError(f"KernelSolve: {self.spec.describe(self.varinvpos)} must be a torch.Tensor")
        return _Solver(self, alpha, eps, backend, device_id, ranges, maxiter, precond, precond_rank)(tuple(args))
