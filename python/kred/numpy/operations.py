"""kred.numpy.KernelSolve: conjugate-gradient solver for (alpha Id + K) a = b."""

from kred.common.frontend import KernelSolveBase
from kred.numpy._tools import NumpyTools


class KernelSolve(KernelSolveBase):
    r"""Solves ``(alpha * Id + K) a = b`` where ``K(a) = Sum_reduction(formula)`` is linear in ``a``.

    ``KernelSolve(formula, aliases, varinvalias, axis=0, ...)`` then
    ``a = K_inv(*args, alpha=1e-10, eps=1e-6)`` where the argument at the
    position of ``varinvalias`` holds ``b``. Conjugate gradient, as pykeops:
    K must be symmetric positive (semi-)definite; it stops on pykeops'
    criterion ``|b - (alpha Id + K) a|^2 < size(b) eps^2``.

    ``precond="auto"`` (default), ``"pivchol"``, ``"nystrom"`` or None: the
    low-rank preconditioner ``alpha Id + L L^T`` (kred.common.precond), of
    rank ``precond_rank`` (default: automatic, capped); "auto" is "pivchol"
    except with ``ranges=`` or ``alpha <= 0`` (then plain CG). After a call,
    ``solve_info`` holds ``iterations``, ``residual``, ``converged``,
    ``precond``, ``rank`` and ``precond_setup_s``.
    """

    _tools = NumpyTools

    def __init__(
        self,
        formula,
        aliases,
        varinvalias,
        axis=0,
        dtype=None,
        opt_arg=None,
        dtype_acc="auto",
        use_double_acc=False,
        sum_scheme="auto",
        enable_chunks=True,
        rec_multVar_highdim=None,
        use_fast_math=True,
        cuda_type=None,
    ):
        # pykeops.numpy's positional order (dtype and opt_arg after axis); both are ignored
        super().__init__(
            formula,
            aliases,
            varinvalias,
            axis=axis,
            dtype_acc=dtype_acc,
            use_double_acc=use_double_acc,
            sum_scheme=sum_scheme,
            enable_chunks=enable_chunks,
            rec_multVar_highdim=rec_multVar_highdim,
            dtype=dtype,
            cuda_type=cuda_type,
            use_fast_math=use_fast_math,
        )

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
        if not NumpyTools.is_array(b):
            raise TypeError(f"KernelSolve: {self.spec.describe(self.varinvpos)} must be a numpy.ndarray")
        linop = self._linop(tuple(args), alpha, backend, device_id, ranges)
        P = self._preconditioner(tuple(args), alpha, backend, device_id, ranges, precond, precond_rank)
        return self._solve(linop, b, eps, maxiter, P)
