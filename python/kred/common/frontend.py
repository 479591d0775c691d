"""What kred.numpy and kred.torch share beyond kred.common's core.

Both front-ends expose the same public names (pykeops.numpy's and
pykeops.torch's): the LazyTensor classes and the Var / Vi / Vj / Pm helpers
are made here, once, for a framework's tools (``kred/numpy/_tools.py``,
``kred/torch/_tools.py``), and Genred's and KernelSolve's constructors are
base classes here; each front-end module only names them and adds its
``__call__``.
"""

from kred.common import genred
from kred.common import precond as precond_module
from kred.common.genred import GenredSpec
from kred.common.lazy_tensor import ComplexGenericLazyTensor, GenericLazyTensor
from kred.common.solve import conjugate_gradient

#: The names ``kred.numpy`` and ``kred.torch`` export (their ``__all__``).
PUBLIC_NAMES = (
    "Genred",
    "generic_sum",
    "generic_logsumexp",
    "generic_argmin",
    "generic_argkmin",
    "KernelSolve",
    "LazyTensor",
    "ComplexLazyTensor",
    "Vi",
    "Vj",
    "Pm",
)


class FrameworkLazyTensor(GenericLazyTensor):
    """The methods of a front-end's LazyTensor; lazytensor_classes() makes the front-end's classes with the
    class attributes they read (no closures: torch.compile traces these constructors)."""

    _tools_class = None  # the framework's array tools
    _genred = None  # the front-end's Genred
    _kernelsolve = None  # the front-end's KernelSolve
    _lazy_class = None  # the front-end's LazyTensor
    _complex_class = None  # the front-end's ComplexLazyTensor

    def __new__(cls, x=None, axis=None, is_complex=False):
        if is_complex or cls._tools_class.detect_complex(x):
            return cls._complex_class(x, axis)
        return object.__new__(cls)

    def __init__(self, x=None, axis=None, is_complex=False):
        GenericLazyTensor.__init__(self, x=x, axis=axis)

    def get_tools(self):
        self.tools = self._tools_class

    def lt_constructor(self, x=None, axis=None, is_complex=False):
        return self._lazy_class(x=x, axis=axis, is_complex=is_complex)

    def _genred_class(self):
        return self._genred

    def _kernelsolve_class(self):
        return self._kernelsolve


def _complex_new(cls, x=None, axis=None, is_complex=True):
    return object.__new__(cls)


def _complex_init(self, x=None, axis=None, is_complex=True):
    ComplexGenericLazyTensor.__init__(self, x=x, axis=axis)


def _complex_lt_constructor(self, x=None, axis=None, is_complex=True):
    return self._lazy_class(x=x, axis=axis, is_complex=is_complex)


def lazytensor_classes(package, tools, genred, kernelsolve, arrays, array):
    """(LazyTensor, ComplexLazyTensor, Var, Vi, Vj, Pm) of the front-end `package` ("kred.numpy").

    tools: the framework's array tools; genred, kernelsolve: the front-end's Genred and KernelSolve classes;
    arrays, array: how the docstrings name its data ("numpy arrays", "array").
    """
    module = package + ".lazytensor"
    pykeops = package.replace("kred", "pykeops", 1)
    doc = f"""Symbolic wrapper for {arrays} ({pykeops}.LazyTensor's API).

    ``LazyTensor(x[:, None, :])`` is an i-indexed variable, ``LazyTensor(y[None, :, :])``
    a j-indexed one, ``LazyTensor(p)`` with p of shape (D,) a parameter, a float or a
    list of floats a parameter, an int an integer constant, ``(ind, dim, cat)`` a
    symbolic variable. Leading dimensions before (M, N, D) are batch dimensions.
    """
    LazyTensor = type(
        "LazyTensor",
        (FrameworkLazyTensor,),
        {"__doc__": doc, "__module__": module, "_tools_class": tools, "_genred": genred, "_kernelsolve": kernelsolve},
    )
    complex_doc = f"""A LazyTensor of complex numbers ({pykeops}.ComplexLazyTensor).

    Built from complex {arrays} (or complex numbers), or by ``real2complex()``,
    ``imag2complex()``, ``exp1j()`` and arithmetic with complex operands.
    """
    ComplexLazyTensor = type(
        "ComplexLazyTensor",
        (ComplexGenericLazyTensor, LazyTensor),
        {
            "__doc__": complex_doc,
            "__module__": module,
            "__new__": _complex_new,
            "__init__": _complex_init,
            "lt_constructor": _complex_lt_constructor,
        },
    )
    LazyTensor._lazy_class, LazyTensor._complex_class = LazyTensor, ComplexLazyTensor

    def Var(x_or_ind, dim=None, cat=None):
        if dim is None:
            return LazyTensor(x_or_ind, axis=cat)
        return LazyTensor((x_or_ind, dim, cat))

    def Vi(x_or_ind, dim=None):
        return Var(x_or_ind, dim, 0)

    def Vj(x_or_ind, dim=None):
        return Var(x_or_ind, dim, 1)

    def Pm(x_or_ind, dim=None):
        return Var(x_or_ind, dim, 2)

    Vi.__doc__ = f"An i-indexed variable: Vi({array} of shape (M, D)) or symbolic Vi(ind, dim)."
    Vj.__doc__ = f"A j-indexed variable: Vj({array} of shape (N, D)) or symbolic Vj(ind, dim)."
    Pm.__doc__ = f"A parameter: Pm({array} of shape (D,)), Pm(float) or symbolic Pm(ind, dim)."
    for f in (Var, Vi, Vj, Pm):
        f.__module__, f.__qualname__ = module, f.__name__
    return LazyTensor, ComplexLazyTensor, Var, Vi, Vj, Pm


def genred_doc(package, arrays, array, dtypes):
    """The docstring of kred.<package>.Genred (arrays: "numpy arrays"; array: "array"; dtypes: the input dtypes)."""
    return f"""Creates a reduction ``out = Red_{{i or j}} F(x_i, y_j, p)`` on {arrays}.

    Same arguments as ``pykeops.{package}.Genred``::

        Genred(formula, aliases, reduction_op="Sum", axis=0, opt_arg=None, formula2=None,
               dtype_acc="auto", use_double_acc=False, sum_scheme="auto")

    ``use_fast_math`` (default True, as pykeops) lets GPU kernels use the hardware
    approximations of exp and log (CPU kernels are the same either way);
    ``dtype``, ``cuda_type``, ``enable_chunks`` and ``rec_multVar_highdim`` are
    accepted and ignored (the dtype comes from the inputs).
    Call it with one {array} per alias ({dtypes}): ``(M, D)`` for ``Vi(D)``,
    ``(N, D)`` for ``Vj(D)``, ``(D,)`` for ``Pm(D)``, optionally with leading batch
    dimensions.
    """


class GenredBase:
    """Genred's constructor (pykeops' signature) and attributes, shared by kred.numpy.Genred and
    kred.torch.Genred; a front-end adds ``__call__`` and its docstring."""

    def __init__(
        self,
        formula,
        aliases,
        reduction_op="Sum",
        axis=0,
        dtype=None,
        opt_arg=None,
        formula2=None,
        cuda_type=None,
        dtype_acc="auto",
        use_double_acc=False,
        sum_scheme="auto",
        enable_chunks=True,
        rec_multVar_highdim=False,
        use_fast_math=True,
    ):
        self.spec = GenredSpec(
            formula, aliases, reduction_op, axis, opt_arg, formula2, dtype_acc, use_double_acc, sum_scheme,
            fast_math=use_fast_math,
        )
        self.formula = formula
        self.aliases = self.spec.aliases
        self.reduction_op = reduction_op
        self.axis = self.spec.axis
        self.opt_arg = self.spec.opt_arg
        self.formula2 = self.spec.formula2 or None

    def __repr__(self):
        return type(self).__module__.rpartition(".")[0] + "." + repr(self.spec)


def varinv_position(spec, varinvalias):
    """Position of KernelSolve's unknown, given by its alias name or as "Var(pos,dim,cat)"."""
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
    """KernelSolve's constructor (pykeops.torch's signature; kred.numpy's reorders it as pykeops.numpy does)
    and its linear operator, shared by kred.numpy.KernelSolve and kred.torch.KernelSolve."""

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
        self.spec = GenredSpec(
            formula, aliases, "Sum", axis, None, None, dtype_acc, use_double_acc, sum_scheme, fast_math=use_fast_math
        )
        self.formula = formula
        self.aliases = self.spec.aliases
        self.axis = self.spec.axis
        self.varinvpos = varinv_position(self.spec, varinvalias)
        self.solve_info = None

    def _check(self, args):
        if not 0 <= self.varinvpos < len(args):
            raise ValueError(
                f"KernelSolve: the unknown is argument {self.varinvpos}, but only {len(args)} arguments were given"
            )

    def _preconditioner(self, args, alpha, backend, device_id, ranges, precond, precond_rank):
        """The low-rank preconditioner of the solve (kred.common.precond), or None (precond=None; "auto" with
        ranges=, or where it cannot help)."""
        kind, rank = precond_module.check_options(precond, precond_rank)
        if kind is None:
            return None
        if ranges is not None:
            if kind == "auto":
                return None
            raise ValueError(
                f"KernelSolve: precond={kind!r} is not supported with ranges= (the preconditioner evaluates "
                "entries of the whole kernel matrix); use precond=None"
            )
        return precond_module.build(self, args, alpha, backend, device_id, kind, rank)

    def _solve(self, linop, b, eps, maxiter, precond):
        """The conjugate gradient; records ``self.solve_info`` (see KernelSolve's docstring)."""
        info = {"precond": None, "rank": 0, "precond_setup_s": 0.0}
        if precond is not None:
            info.update(precond=precond.kind, rank=precond.rank, precond_setup_s=precond.setup_s)
        out = conjugate_gradient(linop, b, eps=eps, maxiter=maxiter, precond=precond, info=info)
        self.solve_info = info
        return out

    def _linop(self, args, alpha, backend, device_id, ranges):
        pos = self.varinvpos
        tools = self._tools

        def linop(var):
            newargs = args[:pos] + (var,) + args[pos + 1 :]
            res = genred.call(self.spec, tools, newargs, backend, device_id, ranges, None, caller="KernelSolve")
            if tuple(tools.shape(res)) != tuple(tools.shape(var)):
                raise ValueError(
                    f"KernelSolve: the operator maps arrays of shape {tuple(tools.shape(var))} to "
                    f"{tuple(tools.shape(res))}; it must be square (same number of i and j points)"
                )
            if alpha:
                res += alpha * var
            return res

        return linop
