"""kred.numpy.KernelSolve: conjugate-gradient solver for (alpha Id + K) a = b."""

from kred.common import genred as _core
from kred.common.solve import conjugate_gradient
from kred.numpy._tools import NumpyTools


def varinv_position(spec, varinvalias):
    """Position of the unknown, given by its alias name or as "Var(pos,dim,cat)"."""
    if not isinstance(varinvalias, str):
        raise TypeError("varinvalias must be an alias name (e.g. 'a') or 'Var(pos,dim,cat)'")
    if varinvalias.replace(" ", "").startswith("Var("):
        return int(varinvalias.replace(" ", "")[4:].split(",")[0])
    for pos, (name, _) in spec.names.items():
        if name == varinvalias:
            return pos
    known = sorted(n for n, _ in spec.names.values() if n)
    raise ValueError(f"KernelSolve: unknown alias {varinvalias!r} for the unknown; aliases are {known}")


class KernelSolveBase:
    _tools = None

    def __init__(
        self,
        formula,
        aliases,
        varinvalias,
        axis=0,
        dtype_acc="auto",
        use_double_acc=False,
        sum_scheme="auto",
        enable_chunks=True,
        rec_multVar_highdim=None,
        dtype=None,
        cuda_type=None,
        use_fast_math=True,
    ):
        self.spec = _core.GenredSpec(
            formula, aliases, "Sum", axis, None, None, dtype_acc, use_double_acc, sum_scheme, fast_math=use_fast_math
        )
        self.formula = formula
        self.aliases = self.spec.aliases
        self.axis = self.spec.axis
        self.varinvpos = varinv_position(self.spec, varinvalias)

    def _check(self, args):
        if not 0 <= self.varinvpos < len(args):
            raise ValueError(
                f"KernelSolve: the unknown is argument {self.varinvpos}, but only {len(args)} arguments were given"
            )

    def _linop(self, args, alpha, backend, device_id, ranges):
        pos = self.varinvpos
        tools = self._tools

        def linop(var):
            newargs = args[:pos] + (var,) + args[pos + 1 :]
            res = _core.call(self.spec, tools, newargs, backend, device_id, ranges, None, caller="KernelSolve")
            if tuple(tools.shape(res)) != tuple(tools.shape(var)):
                raise ValueError(
                    f"KernelSolve: the operator maps arrays of shape {tuple(tools.shape(var))} to "
                    f"{tuple(tools.shape(res))}; it must be square (same number of i and j points)"
                )
            if alpha:
                res += alpha * var
            return res

        return linop


class KernelSolve(KernelSolveBase):
    r"""Solves ``(alpha * Id + K) a = b`` where ``K(a) = Sum_reduction(formula)`` is linear in ``a``.

    ``KernelSolve(formula, aliases, varinvalias, axis=0, ...)`` then
    ``a = K_inv(*args, alpha=1e-10, eps=1e-6)`` where the argument at the
    position of ``varinvalias`` holds ``b``. Plain conjugate gradient, as
    pykeops: K must be symmetric positive (semi-)definite.
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

    def __call__(self, *args, backend="auto", device_id=-1, alpha=1e-10, eps=1e-6, ranges=None, maxiter=None):
        self._check(args)
        b = args[self.varinvpos]
        linop = self._linop(tuple(args), alpha, backend, device_id, ranges)
        if not NumpyTools.is_array(b):
            raise TypeError(f"KernelSolve: {self.spec.describe(self.varinvpos)} must be a numpy.ndarray")
        return conjugate_gradient(linop, b, eps=eps, maxiter=maxiter)
