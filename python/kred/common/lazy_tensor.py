"""LazyTensor: symbolic (..., M, N, D) tensors, shared by kred.numpy and kred.torch.

A LazyTensor is a KeOps formula string plus the small arrays it refers to.
Operations build the formula (in exactly pykeops' textual form, so that
``print(lazy_tensor)`` matches); reductions turn it into a Genred call.

Data variables are written ``Var(@k,D,cat)`` inside the formula, where ``k``
is a unique token of the array; just before a call (or a print), the tokens
are renumbered to consecutive positions after the symbolic variables
(``Vi(ind, dim)``...), exactly as pykeops numbers them.
"""

import itertools
import math
import re

import numpy as np

from kred.common.parse import K_REDUCTIONS, as_integer, check_k, is_integer_like
from kred.common.ranges import same_ranges, swap_axes

_tokens = itertools.count()

# Tokens and symbolic variables as they appear in formulas.
_TOKEN_RE = r"Var\(@{},"
_CAT_SWAP_RE = re.compile(r"(Var|VarSymb)\((@?-?\d+),(\d+),([01])\)")


def _is_scalar_and_equals(x, val):
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return x == val
    return False


def _is_integer_scalar(x):
    """An integer that is not an array or a tensor: int, numpy integer scalar, other __index__ objects."""
    if isinstance(x, np.ndarray) or hasattr(x, "__torch_function__"):
        return False
    return is_integer_like(x)


def _int_arg(value, what):
    """An integer argument of a LazyTensor method (ValueError naming it, as pykeops' checks raise)."""
    return as_integer(value, what, error=ValueError)


def _is_complex_lt(x):
    return getattr(x, "is_complex", False) is True and hasattr(x, "__GenericLazyTensor__")


def _broadcast_batch(dims_1, dims_2):
    if dims_1 is None:
        return dims_2
    if dims_2 is None:
        return dims_1
    p1 = (1,) * (len(dims_2) - len(dims_1)) + tuple(dims_1)
    p2 = (1,) * (len(dims_1) - len(dims_2)) + tuple(dims_2)
    for a, b in zip(p1, p2):
        if a != 1 and b != 1 and a != b:
            raise ValueError(f"Incompatible batch dimensions: {tuple(dims_1)} and {tuple(dims_2)}.")
    return tuple(max(a, b) for a, b in zip(p1, p2))


_INIT_KWARGS = ("dtype_acc", "use_double_acc", "sum_scheme", "enable_chunks", "use_fast_math", "optional_flags")


def _separate_kwargs(kwargs):
    """Genred-constructor options vs call options (backend, device_id, ranges, out, alpha, eps...)."""
    init = {k: v for k, v in kwargs.items() if k in _INIT_KWARGS}
    init.pop("optional_flags", None)
    call = {k: v for k, v in kwargs.items() if k not in _INIT_KWARGS}
    return init, call


def _reduction_method(reduction, vector_op=None, takes_k=False):
    """A LazyTensor method of pykeops' API that runs `reduction`.

    vector_op: ``name(axis=-1, dim=None, **kwargs)``, the unary `vector_op` over the last dimension when
    axis is -1 (or the last one), the reduction over i or j otherwise (``x.sum(-1)`` vs ``x.sum(0)``);
    takes_k: ``name(K, axis=None, dim=None, **kwargs)`` (KMin...); otherwise
    ``name(axis=None, dim=None, **kwargs)``.
    """
    if vector_op is not None:

        def method(self, axis=-1, dim=None, **kwargs):
            return self._vector_or_reduction(vector_op, reduction, axis, dim, kwargs)

    elif takes_k:

        def method(self, K, axis=None, dim=None, **kwargs):
            return self.reduction(reduction, opt_arg=K, axis=axis, dim=dim, **kwargs)

    else:

        def method(self, axis=None, dim=None, **kwargs):
            return self.reduction(reduction, axis=axis, dim=dim, **kwargs)

    method.__doc__ = f"The {reduction} reduction (pykeops' LazyTensor method of the same name)."
    return method


def _alias_method(name):
    """A method that calls ``self.<name>(**kwargs)`` (pykeops' ``*_reduction`` and ``__min__`` spellings)."""

    def method(self, **kwargs):
        return getattr(self, name)(**kwargs)

    method.__doc__ = f"Same as ``{name}(**kwargs)``."
    return method


class GenericLazyTensor:
    """Symbolic wrapper for arrays; use kred.numpy.LazyTensor or kred.torch.LazyTensor."""

    variables = ()  # ((token, array or list of floats), ...)
    symbolic_variables = ()  # ((ind, dim, cat), ...)
    formula = None
    formula2 = None
    ndim = None  # the formula's dimension (pykeops' convention)
    tools = None
    batchdims = None
    ni = None
    nj = None
    axis = None
    ranges = None
    backend = None
    _dtype = None
    is_complex = False

    # numpy must not take over `array * lazy_tensor`
    __array_ufunc__ = None

    def __init__(self, x=None, axis=None):
        self.__GenericLazyTensor__ = True
        self.get_tools()
        if x is None:
            return
        tools = self.tools

        if isinstance(x, tuple):
            if len(x) != 3 or not all(is_integer_like(v) for v in x):
                raise ValueError("LazyTensor(tuple) is only valid if tuple = (ind,dim,cat) is a triplet of integers.")
            if axis is not None:
                raise ValueError("'axis' parameter should not be given when 'x' is of the form (ind,dim,cat).")
            x = tuple(as_integer(v, "LazyTensor((ind,dim,cat))") for v in x)
            ind, dim, cat = x
            if cat not in (0, 1, 2):
                raise ValueError(f"the category of a symbolic variable must be 0 (Vi), 1 (Vj) or 2 (Pm), got {cat}")
            if ind < 0 or dim < 1:
                raise ValueError(f"invalid symbolic variable (ind={ind}, dim={dim}): need ind >= 0 and dim >= 1")
            self.symbolic_variables = (x,)
            self.ind = ind
            self.ndim = dim
            self.axis = cat
            self.formula = f"VarSymb({ind},{dim},{cat})"
            return

        if isinstance(x, (bool, np.bool_)):
            raise TypeError("LazyTensors cannot be built from booleans.")
        if axis is not None:
            axis = as_integer(axis, "LazyTensor's axis", error=ValueError)
        if isinstance(x, complex) or tools.detect_complex(x):
            raise NotImplementedError("complex LazyTensors are not supported by kred yet.")
        if not tools.is_array(x) and _is_integer_scalar(x):  # an IntCst, whatever `axis` says (as pykeops)
            self.formula = f"IntCst({as_integer(x, 'an integer constant')})"
            self.ndim = 1
            self.axis = 2
            return
        if isinstance(x, tools.float_types) and not tools.is_array(x):
            x = [float(x)]
        if isinstance(x, list):
            if axis is not None and axis != 2:
                raise ValueError(
                    "Lists of numbers are handled as Parameter variables, with an optional 'axis' argument that is equal to 2."
                )
            if len(x) == 0:
                raise ValueError("LazyTensor: cannot build a parameter from an empty list.")
            values = []
            for v in x:
                if isinstance(v, bool) or not isinstance(v, (int, float) + tuple(tools.float_types)):
                    raise TypeError(f"LazyTensor: lists must contain numbers only, got {type(v).__name__}.")
                values.append(float(v))
            self._set_data(values, len(values), 2)
            return

        if not tools.is_array(x):
            raise TypeError(
                f"LazyTensors should be built from {tools.array_name}, float/integer numbers, lists of floats "
                f"or 3-uples of integers. Received: {type(x)}"
            )
        dname = tools.dtype_name(x)
        if dname not in ("float16", "bfloat16", "float32", "float64"):
            from kred.common.parse import DtypeError

            raise DtypeError(
                f"LazyTensor: arrays of dtype {dname} are not supported; use float16, bfloat16, float32 or float64."
            )
        shape = tuple(tools.shape(x))
        if len(shape) == 0:
            x = tools.view(x, (1,))
            shape = (1,)
        if len(shape) >= 3:
            if axis is not None:
                raise ValueError("'axis' parameter should not be given when 'x' is a 3D tensor.")
            if len(shape) > 3:
                self.batchdims = tuple(shape[:-3])
            if shape[-3] == 1:
                if shape[-2] == 1:  # (..,1,1,D) -> Pm(D)
                    x = tools.view(x, shape[:-3] + shape[-1:])
                    axis = 2
                else:  # (..,1,N,D) -> Vj(D)
                    x = tools.view(x, shape[:-3] + shape[-2:])
                    axis = 1
            elif shape[-2] == 1:  # (..,M,1,D) -> Vi(D)
                x = tools.view(x, shape[:-2] + shape[-1:])
                axis = 0
            else:
                raise ValueError(
                    "If 'x' is a 3D+ tensor, its shape should be one of (..,M,1,D), (..,1,N,D) or (..,1,1,D); "
                    f"got {shape}."
                )
            shape = tuple(tools.shape(x))
        if axis in (0, 1) and len(shape) >= 2:
            self._set_data(x, shape[-1], axis)
            if axis == 0:
                self.ni = shape[-2]
            else:
                self.nj = shape[-2]
        elif len(shape) == 2 and axis is None:
            raise ValueError("When 'x' is encoded as a 2D array, LazyTensor expects an explicit 'axis' value in {0,1}.")
        elif len(shape) == 1 or (axis == 2 and self.batchdims is not None):
            if axis is not None and axis != 2:
                raise ValueError("When 'x' is encoded as a 1D or 0D array, 'axis' must be None or 2 (= Parameter variable).")
            self._set_data(x, shape[-1], 2)
        else:
            raise ValueError(f"LazyTensor: cannot build a variable of axis={axis!r} from an array of shape {shape}.")
        self._dtype = dname

    def _set_data(self, x, dim, cat):
        token = next(_tokens)
        self.variables = ((token, x),)
        self.ndim = dim
        self.axis = cat
        self.formula = f"Var(@{token},{dim},{cat})"

    # Hooks of the framework bindings --------------------------------------
    def get_tools(self):
        raise NotImplementedError

    def lt_constructor(self, x=None, axis=None):
        raise NotImplementedError

    def _genred_class(self):
        raise NotImplementedError

    def _kernelsolve_class(self):
        raise NotImplementedError

    # Bookkeeping ----------------------------------------------------------
    def new_variable_index(self):
        sv = self.symbolic_variables
        return 0 if len(sv) == 0 else 1 + max(v[0] for v in sv)

    def _fixed(self, dtype=None):
        """(formula, formula2, arrays): tokens renumbered, arrays padded to the batch dims."""
        dtype = dtype or self._dtype
        formula = self.formula or ""
        formula2 = self.formula2 or ""
        device = None
        for _, v in self.variables:
            if not isinstance(v, list):
                device = getattr(v, "device", None)
                break
        i = self.new_variable_index()
        arrays = []
        seen = set()
        nb = self.nbatchdims
        for token, v in self.variables:
            if token in seen:
                continue
            seen.add(token)
            tag = f"Var(@{token},"
            if tag not in formula and tag not in formula2:
                continue
            m = re.search(_TOKEN_RE.format(token) + r"\d+,([012])\)", formula + formula2)
            cat = int(m.group(1))
            formula = formula.replace(tag, f"Var({i},")
            formula2 = formula2.replace(tag, f"Var({i},")
            if isinstance(v, list):
                if dtype is not None:
                    v = self.tools.array(v, dtype, device)
            if not isinstance(v, list):
                shape = tuple(self.tools.shape(v))
                is_variable = 1 if cat in (0, 1) else 0
                pad = nb + 1 + is_variable - len(shape)
                if pad > 0:
                    v = self.tools.view(v, (1,) * pad + shape)
            arrays.append(v)
            i += 1
        formula = formula.replace("VarSymb(", "Var(")
        formula2 = formula2.replace("VarSymb(", "Var(")
        return formula, (formula2 or None), arrays

    def init(self, is_complex=False):
        """A copy of self without formula (a ComplexLazyTensor if is_complex)."""
        res = self.lt_constructor(is_complex=is_complex)
        res.tools = self.tools
        res._dtype = self._dtype
        res.batchdims = self.batchdims
        res.ni = self.ni
        res.nj = self.nj
        res.ranges = self.ranges
        res.backend = self.backend
        res.variables = self.variables
        res.symbolic_variables = self.symbolic_variables
        return res

    def join(self, other, is_complex=False):
        """Merges the variables and attributes of two LazyTensors, with compatibility checks."""
        if other.tools is not self.tools:
            raise TypeError(
                f"cannot combine a {self.tools.name} LazyTensor with a {other.tools.name} LazyTensor"
            )
        res = self.lt_constructor(is_complex=is_complex)
        res.tools = self.tools
        for prop, what in (
            ("_dtype", "dtypes"),
            ("ni", "numbers of i-indexed rows (M)"),
            ("nj", "numbers of j-indexed rows (N)"),
            ("backend", "backends"),
        ):
            a, b = getattr(self, prop), getattr(other, prop)
            if a is not None and b is not None and a != b:
                raise ValueError(f"Incompatible values for attribute {prop}: {a} and {b} (mismatched {what}).")
            setattr(res, prop, a if a is not None else b)
        if self.ranges is not None and other.ranges is not None and not same_ranges(self.ranges, other.ranges):
            raise ValueError("Incompatible values for attribute ranges: the two LazyTensors have different ranges.")
        res.ranges = self.ranges if self.ranges is not None else other.ranges
        res.symbolic_variables = self.symbolic_variables + other.symbolic_variables
        res.batchdims = _broadcast_batch(self.batchdims, other.batchdims)
        res.variables = self.variables + other.variables
        return res

    def _as_lazy(self, other):
        if not hasattr(other, "__GenericLazyTensor__"):
            other = self.lt_constructor(other)
        return other

    # Prototypes -------------------------------------------------------------
    def unary(self, operation, dimres=None, opt_arg=None, opt_arg2=None, is_complex=None):
        if is_complex is None:
            is_complex = self.is_complex
        if hasattr(self, "reduction_op"):
            raise ValueError("Input is a 'reduced' LazyTensor, no operation can be applied to it. ")
        if not dimres:
            dimres = self.ndim
        res = self.init(is_complex)
        if opt_arg2 is not None:
            res.formula = f"{operation}({self.formula},{opt_arg},{opt_arg2})"
        elif opt_arg is not None:
            res.formula = f"{operation}({self.formula},{opt_arg})"
        else:
            res.formula = f"{operation}({self.formula})"
        res.ndim = dimres
        return res

    def binary(
        self,
        other,
        operation,
        is_operator=False,
        dimres=None,
        dimcheck="sameor1",
        opt_arg=None,
        opt_pos="last",
        rversion=False,
        is_complex=None,
    ):
        other = self._as_lazy(other)
        if is_complex is None:
            is_complex = bool(self.is_complex or other.is_complex)
        if hasattr(self, "reduction_op") or hasattr(other, "reduction_op"):
            raise ValueError("One of the inputs is a 'reduced' LazyTensor, no operation can be applied to it. ")
        if not dimres:
            dimres = max(self.ndim, other.ndim)
        if dimcheck == "same":
            if self.ndim != other.ndim:
                raise ValueError(
                    f"Operation {operation} expects inputs of the same dimension. Received {self.ndim} and {other.ndim}."
                )
        elif dimcheck == "sameor1":
            if self.ndim != other.ndim and self.ndim != 1 and other.ndim != 1:
                raise ValueError(
                    f"Operation {operation} expects inputs of the same dimension or dimension 1. "
                    f"Received {self.ndim} and {other.ndim}."
                )
        elif dimcheck == "vecand1":
            if other.ndim != 1:
                raise ValueError(
                    f"Operation {operation} expects a vector and a scalar input (of dimension 1). "
                    f"Received {self.ndim} and {other.ndim}."
                )
        elif dimcheck is not None:
            raise ValueError("Incorrect dimcheck keyword in binary operation")

        res = self.join(other, is_complex=is_complex)
        res.ndim = dimres
        lformula, rformula = (other.formula, self.formula) if rversion else (self.formula, other.formula)
        if is_operator:
            res.formula = f"({lformula} {operation} {rformula})"
        elif opt_arg is not None:
            if hasattr(opt_arg, "__GenericLazyTensor__"):
                res = res.join(opt_arg, is_complex=is_complex)
                res.ndim = dimres
                opt_arg = opt_arg.formula
            if opt_pos == "last":
                res.formula = f"{operation}({lformula}, {rformula}, {opt_arg})"
            else:
                res.formula = f"{operation}({lformula}, {opt_arg}, {rformula})"
        else:
            res.formula = f"{operation}({lformula}, {rformula})"
        return res

    def ternary(self, other1, other2, operation, dimres=None, dimcheck="sameor1", opt_arg=None):
        other1 = self._as_lazy(other1)
        other2 = self._as_lazy(other2)
        if any(hasattr(t, "reduction_op") for t in (self, other1, other2)):
            raise ValueError("One of the inputs is a 'reduced' LazyTensor, no operation can be applied to it. ")
        if not dimres:
            dimres = max(self.ndim, other1.ndim, other2.ndim)
        if dimcheck == "same":
            if self.ndim != other1.ndim or self.ndim != other2.ndim:
                raise ValueError(
                    f"Operation {operation} expects inputs of the same dimension. "
                    f"Received {self.ndim}, {other1.ndim} and {other2.ndim}."
                )
        elif dimcheck == "sameor1":
            if len({self.ndim, other1.ndim, other2.ndim, 1}) > 2:
                raise ValueError(
                    f"Operation {operation} expects inputs of the same dimension or dimension 1. "
                    f"Received {self.ndim}, {other1.ndim} and {other2.ndim}."
                )
        elif dimcheck is not None:
            raise ValueError("incorrect dimcheck keyword in ternary operation")
        res = self.join(other1.join(other2))
        res.ndim = dimres
        if opt_arg is not None:
            if hasattr(opt_arg, "__GenericLazyTensor__"):
                opt_arg = opt_arg.formula
            res.formula = f"{operation}({self.formula}, {other1.formula}, {other2.formula}, {opt_arg})"
        else:
            res.formula = f"{operation}({self.formula}, {other1.formula}, {other2.formula})"
        return res

    # Reductions -------------------------------------------------------------
    def _reduction_axis(self, axis, dim):
        if axis is None:
            axis = dim
        if axis is None:
            raise ValueError(
                "Reductions need 'axis' (or 'dim'): the number of batch dimensions + 0 (reduce over i) or + 1 (over j)."
            )
        axis = as_integer(axis, "axis (or dim)")
        if axis < 0:
            axis += len(self._shape)
        if axis - self.nbatchdims not in (0, 1):
            raise ValueError(
                "Reductions must be called with 'axis' (or 'dim') equal to the number of batch dimensions + 0 or 1 "
                f"(here {self.nbatchdims} or {self.nbatchdims + 1}); got {axis}."
            )
        return axis - self.nbatchdims

    def reduction(
        self, reduction_op, other=None, opt_arg=None, axis=None, dim=None, call=True, is_complex=None, **kwargs
    ):
        """Applies a reduction; returns an array, or a callable LazyTensor if symbolic variables remain."""
        red_axis = self._reduction_axis(axis, dim)
        if reduction_op in K_REDUCTIONS:
            opt_arg = check_k(reduction_op, opt_arg)
        if other is not None:
            other = self._as_lazy(other)
        if is_complex is None:
            is_complex = bool(self.is_complex or (other is not None and other.is_complex))
        if other is None:
            res = self.init(is_complex=is_complex)
            res.formula2 = None
        else:
            res = self.join(other, is_complex=is_complex)
            res.formula2 = other.formula
        res.formula = self.formula
        res.reduction_op = reduction_op
        res.axis = red_axis
        res.opt_arg = opt_arg
        return self._reduction_result(res, kwargs, call and len(res.symbolic_variables) == 0)

    def solve(self, other, var=None, call=True, **kwargs):
        """Solves ``sum(self * var) = other`` (or ``self(var) = other``) by conjugate gradient."""
        if not hasattr(other, "__GenericLazyTensor__"):
            other = self.lt_constructor(x=other, axis=0)
        unknown = set(var.symbolic_variables) if var is not None else set()
        if len(other.symbolic_variables) == 0 and set(self.symbolic_variables) - unknown:
            raise ValueError("If 'self' has symbolic variables (other than 'var'), so should 'other'.")
        if other.axis not in (0, 1):
            raise ValueError("the right-hand side of solve() must be an i- or j-indexed variable")
        axis = 1 - other.axis
        if var is None:
            varindex = self.new_variable_index()
            var = self.lt_constructor((varindex, other.ndim, axis))
            res = self * var
        else:
            if not var.symbolic_variables:
                raise ValueError("'var' must be a symbolic variable (e.g. Vj(0, D)).")
            varindex = var.symbolic_variables[0][0]
            res = self.init()
            res.formula = self.formula
        res.formula2 = None
        res.reduction_op = "Solve"
        res.varindex = varindex
        res.varformula = var.formula.replace("VarSymb", "Var")
        res.other = other
        res.axis = axis
        return self._reduction_result(res, kwargs, call and len(other.symbolic_variables) == 0)

    def _reduction_result(self, res, kwargs, run):
        """The reduction (or solve) LazyTensor `res` with its Genred options; with run (and data), its result."""
        res.kwargs_init, res.kwargs = _separate_kwargs(kwargs)
        res.ndim = self.ndim
        res._callfuns = {}
        if run and res._dtype is not None:
            return res()
        return res

    def __call__(self, *args, **kwargs):
        """Runs the reduction (or solve) on the data, with `args` for the symbolic variables."""
        if not hasattr(self, "reduction_op"):
            raise ValueError(
                "A LazyTensor object may be called only if it corresponds to the output of a reduction operation or solve operation."
            )
        call_kwargs = dict(self.kwargs)
        call_kwargs.update(kwargs)
        if self.backend is not None and "backend" not in call_kwargs:
            call_kwargs["backend"] = self.backend
        if self.ranges is not None and "ranges" not in call_kwargs:
            call_kwargs["ranges"] = self.ranges

        if self.reduction_op == "Solve" and len(self.other.symbolic_variables) == 0:
            if args:
                raise ValueError("no input required: the right-hand side was given to solve()")
            args = (self.other.variables[0][1],)

        dtype = self._dtype
        if dtype is None:
            if not args:
                raise ValueError("this LazyTensor has no data: call it with the arrays of its symbolic variables")
            if not self.tools.is_array(args[0]):
                raise TypeError(f"expected a {self.tools.array_name}, got {type(args[0]).__name__}")
            dtype = self.tools.dtype_name(args[0])
        entry = self._callfuns.get(dtype)
        if entry is None:
            formula, formula2, arrays = self._fixed(dtype)
            if self.reduction_op == "Solve":
                fun = self._kernelsolve_class()(formula, [], self.varformula, self.axis, **self.kwargs_init)
            else:
                fun = self._genred_class()(
                    formula,
                    [],
                    reduction_op=self.reduction_op,
                    axis=self.axis,
                    opt_arg=self.opt_arg,
                    formula2=formula2,
                    **self.kwargs_init,
                )
            entry = (fun, arrays)
            self._callfuns[dtype] = entry
        fun, arrays = entry
        return fun(*args, *arrays, **call_kwargs)

    # Printing and shape ---------------------------------------------------
    def __str__(self):
        formula, formula2, _ = self._fixed()
        s = f"KeOps LazyTensor\n    formula: {formula}"
        if self.symbolic_variables:
            s += "\n    symbolic variables: " + ", ".join(f"Var{v}" for v in self.symbolic_variables)
        s += f"\n    shape: {self.shape}"
        if hasattr(self, "reduction_op"):
            s += f"\n    reduction: {self.reduction_op} (axis={self.axis})"
            if formula2 is not None:
                s += f"\n        formula2: {formula2}"
            if getattr(self, "opt_arg", None) is not None:
                s += f"\n        opt_arg: {self.opt_arg}"
        return s

    __repr__ = __str__

    @property
    def dtype(self):
        return self._dtype

    @property
    def _shape(self):
        btch = () if self.batchdims is None else tuple(self.batchdims)
        ni = 1 if self.ni is None else self.ni
        nj = 1 if self.nj is None else self.nj
        ndim = 1 if self.ndim is None else self.ndim
        return btch + (ni, nj, ndim)

    @property
    def shape(self):
        s = self._shape
        return s[:-1] if s[-1] == 1 else s

    def dim(self):
        return len(self._shape)

    @property
    def nbatchdims(self):
        return 0 if self.batchdims is None else len(self.batchdims)

    # Arithmetic -------------------------------------------------------------
    # (addop, subop, mulop, divop are overridden by complex LazyTensors)
    def addop(self, other, **kwargs):
        return self.binary(other, "+", is_operator=True, **kwargs)

    def subop(self, other, **kwargs):
        return self.binary(other, "-", is_operator=True, **kwargs)

    def mulop(self, other, **kwargs):
        return self.binary(other, "*", is_operator=True, **kwargs)

    def divop(self, other, **kwargs):
        return self.binary(other, "/", is_operator=True, **kwargs)

    def _promoted(self, op, other, rversion=False):
        """self.<op>(other) (`other <op> self` with rversion), on self.real2complex() when other is complex."""
        target = self
        if not self.is_complex and ((not rversion and _is_complex_lt(other)) or self.tools.detect_complex(other)):
            target = self.real2complex()
        return getattr(target, op)(other, rversion=rversion)

    def __add__(self, other):
        if _is_scalar_and_equals(other, 0):
            return self
        return self._promoted("addop", other)

    def __radd__(self, other):
        if _is_scalar_and_equals(other, 0):
            return self
        return self._promoted("addop", other, rversion=True)

    def __sub__(self, other):
        if _is_scalar_and_equals(other, 0):
            return self
        return self._promoted("subop", other)

    def __rsub__(self, other):
        if _is_scalar_and_equals(other, 0):
            return self.unary("Minus")
        return self._promoted("subop", other, rversion=True)

    def __mul__(self, other):
        if _is_scalar_and_equals(other, 0):
            return 0
        if _is_scalar_and_equals(other, 1):
            return self
        if _is_scalar_and_equals(other, -1):
            return self.unary("Minus")
        if not self.is_complex:
            if _is_complex_lt(other):
                return other.mulop(self)
            if self.tools.detect_complex(other):
                return self.lt_constructor(other).mulop(self)
        return self.mulop(other)

    def __rmul__(self, other):
        if _is_scalar_and_equals(other, 0):
            return 0
        if _is_scalar_and_equals(other, 1):
            return self
        if _is_scalar_and_equals(other, -1):
            return self.unary("Minus")
        if not self.is_complex and self.tools.detect_complex(other):
            return self.real2complex().mulop(self.lt_constructor(other))
        return self.mulop(other, rversion=True)

    def __truediv__(self, other):
        if _is_scalar_and_equals(other, 1):
            return self
        return self._promoted("divop", other)

    def __rtruediv__(self, other):
        if _is_scalar_and_equals(other, 0):
            return 0
        if _is_scalar_and_equals(other, 1):
            return self.unary("Inv")
        return self._promoted("divop", other, rversion=True)

    def __or__(self, other):
        return self.binary(other, "|", is_operator=True, dimres=1, dimcheck="same")

    def __ror__(self, other):
        return self.binary(other, "|", is_operator=True, dimres=1, dimcheck="same", rversion=True)

    def __abs__(self):
        return self.unary("Abs")

    def abs(self):
        return abs(self)

    def __neg__(self):
        return self.unary("Minus")

    def __pow__(self, other):
        if _is_integer_scalar(other) or (
            self.tools.is_array(other) and len(tuple(self.tools.shape(other))) == 0 and is_integer_like(other)
        ):
            other = as_integer(other, "the exponent")
            return self.unary("Square") if other == 2 else self.unary("Pow", opt_arg=other)
        if isinstance(other, float):
            if other == 0.5:
                return self.unary("Sqrt")
            if other == -0.5:
                return self.unary("Rsqrt")
            other = self.lt_constructor(other)
        if hasattr(other, "__GenericLazyTensor__"):
            if other.ndim == 1 or other.ndim == self.ndim:
                return self.binary(other, "Powf", dimcheck=None)
            raise ValueError(
                f"Incompatible dimensions for the LazyTensor and its exponent: {self.ndim} and {other.ndim}."
            )
        raise ValueError("The exponent should be an integer, a float number or a LazyTensor.")

    def power(self, other):
        return self**other

    def square(self):
        return self.unary("Square")

    def sqrt(self):
        return self.unary("Sqrt")

    def rsqrt(self):
        return self.unary("Rsqrt")

    def inv(self):
        return self.unary("Inv")

    # Elementwise functions ------------------------------------------------------
    def exp(self):
        return self.unary("Exp")

    def log(self):
        return self.unary("Log")

    def xlogx(self):
        return self.unary("XLogX")

    def cos(self):
        return self.unary("Cos")

    def sin(self):
        return self.unary("Sin")

    def sinxdivx(self):
        return self.unary("SinXDivX")

    def sinc(self):
        return (math.pi * self).sinxdivx()

    def asin(self):
        return self.unary("Asin")

    def acos(self):
        return self.unary("Acos")

    def atan(self):
        return self.unary("Atan")

    def atan2(self, other):
        return self.binary(other, "Atan2", dimcheck="sameor1")

    def sign(self):
        return self.unary("Sign")

    def step(self):
        return self.unary("Step")

    def relu(self):
        return self.unary("ReLU")

    def floor(self):
        return self.unary("Floor")

    def round(self, other=0):
        if not is_integer_like(other):
            raise ValueError("round(d) expects an integer number of decimals.")
        other = as_integer(other, "round(d)")
        return self.unary("Round", opt_arg=other)

    def clamp(self, other1, other2):
        if _is_integer_scalar(other1) and _is_integer_scalar(other2):
            return self.unary("ClampInt", opt_arg=as_integer(other1, "a"), opt_arg2=as_integer(other2, "b"))
        return self.ternary(other1, other2, "Clamp", dimcheck="sameor1")

    def clampint(self, a, b):
        if not (is_integer_like(a) and is_integer_like(b)):
            raise ValueError("clampint(a, b) expects two integers.")
        a, b = as_integer(a, "a"), as_integer(b, "b")
        return self.unary("ClampInt", opt_arg=a, opt_arg2=b)

    def ifelse(self, other1, other2):
        return self.ternary(other1, other2, "IfElse", dimcheck="sameor1")

    def mod(self, modulus, offset=0):
        return self.ternary(modulus, offset, "Mod", dimcheck="sameor1")

    # Comparisons ----------------------------------------------------------------
    def __eq__(self, other):
        return self.binary(other, "Equal", dimcheck="sameor1")

    def __ne__(self, other):
        return self.binary(other, "NotEqual", dimcheck="sameor1")

    def __lt__(self, other):
        return self.binary(other, "<", is_operator=True, dimcheck="sameor1")

    def __gt__(self, other):
        return self.binary(other, ">", is_operator=True, dimcheck="sameor1")

    def __le__(self, other):
        return self.binary(other, "<=", is_operator=True, dimcheck="sameor1")

    def __ge__(self, other):
        return self.binary(other, ">=", is_operator=True, dimcheck="sameor1")

    __hash__ = object.__hash__

    # Norms and distances ----------------------------------------------------
    def sqnorm2(self):
        return self.unary("SqNorm2", dimres=1)

    def norm2(self):
        return self.unary("Norm2", dimres=1)

    def norm(self, dim):
        dim = _int_arg(dim, "norm's dim")
        if dim not in [-1, len(self._shape) - 1]:
            raise ValueError("KeOps only supports norms over the last dimension.")
        return self.norm2()

    def normalize(self):
        return self.unary("Normalize")

    def sqdist(self, other):
        return self.binary(other, "SqDist", dimres=1)

    def weightedsqnorm(self, other):
        other = self._as_lazy(other)
        if other.ndim not in (1, self.ndim, self.ndim**2):
            raise ValueError(
                "Squared norm weights should be of size 1 (scalar), D (diagonal) or D^2 (full symmetric tensor), "
                f"but received {other.ndim} with D={self.ndim}."
            )
        return self.binary(other, "WeightedSqNorm", dimres=1, dimcheck=None, rversion=True)

    def weightedsqdist(self, g, s):
        g = self._as_lazy(g)
        s = self._as_lazy(s)
        return (self - g).weightedsqnorm(s)

    def softdtw_sqdist(self, other, gamma):
        return self.ternary(other, gamma, "SoftDTW_SqDist", dimres=1, dimcheck=None)

    # Vector operations --------------------------------------------------------
    def elem(self, i):
        if not is_integer_like(i):
            raise ValueError("Elem indexing is only supported for integer indices.")
        i = as_integer(i, "i")
        if i < 0 or i >= self.ndim:
            raise ValueError(f"Index i={i} is out of bounds [0,D) = [0,{self.ndim}).")
        return self.unary("Elem", dimres=1, opt_arg=i)

    def extract(self, i, d):
        if not (is_integer_like(i) and is_integer_like(d)):
            raise ValueError("Indexing is only supported for integer indices.")
        i, d = as_integer(i, "i"), as_integer(d, "d")
        if i < 0 or i >= self.ndim:
            raise ValueError("Starting index is out of bounds.")
        if d < 1 or i + d > self.ndim:
            raise ValueError("Slice dimension is out of bounds.")
        return self.unary("Extract", dimres=d, opt_arg=i, opt_arg2=d)

    def __getitem__(self, key):
        if isinstance(key, tuple):
            n = len(self._shape)
            if len(key) == n and key[:-1] == (slice(None),) * (n - 1):
                key = key[-1]
            elif len(key) >= 1 and key[0] is Ellipsis and len(key) == 2:
                key = key[1]
            else:
                raise ValueError("LazyTensors only support indexing with respect to their last dimension.")
        if isinstance(key, slice):
            if key.step not in (None, 1):
                raise ValueError("LazyTensors do not support sliced indexing with stepsizes > 1.")
            if key.stop is not None and key.stop > self.ndim:
                raise ValueError(f"Slice dimension is out of bounds: stop={key.stop} > D={self.ndim}.")
            start, stop, _ = key.indices(self.ndim)
            return self.extract(start, stop - start)
        if is_integer_like(key):
            key = as_integer(key, "the index")
            if key < 0:
                key += self.ndim
            return self.elem(key)
        raise ValueError("LazyTensors only support indexing with integers and vanilla python slices.")

    def one_hot(self, D):
        if not is_integer_like(D):
            raise ValueError("One-hot encoding expects an integer dimension of the output vector.")
        D = as_integer(D, "D")
        if self.ndim != 1:
            raise ValueError("One-hot encoding is only supported for scalar formulas.")
        return self.unary("OneHot", dimres=D, opt_arg=D)

    def bspline(self, x, k=0):
        k = _int_arg(k, "bspline's order k")
        return self.binary(x, "BSpline", dimres=(self.ndim - k - 1), dimcheck="vecand1", opt_arg=f"{k}")

    def concat(self, other):
        other = self._as_lazy(other)
        return self.binary(other, "Concat", dimres=(self.ndim + other.ndim), dimcheck=None)

    @staticmethod
    def concatenate(tuple_of_lt, axis=-1):
        if not isinstance(tuple_of_lt, (tuple, list)):
            raise ValueError("LazyTensor.concatenate is implemented on *tuples* of LazyTensors.")
        if len(tuple_of_lt) == 0:
            raise ValueError("Received an empty tuple of LazyTensors.")
        first = tuple_of_lt[0]
        axis = _int_arg(axis, "concatenate's axis")
        if axis not in (-1, len(first._shape) - 1):
            raise ValueError("LazyTensor only supports concatenation along the last axis.")
        res = first
        for t in tuple_of_lt[1:]:
            res = res.concat(t)
        return res

    @staticmethod
    def cat(tuple_of_lt, dim):
        return GenericLazyTensor.concatenate(tuple_of_lt, dim)

    def matvecmult(self, other):
        other = self._as_lazy(other)
        if other.ndim == 0 or self.ndim % other.ndim:
            raise ValueError(f"matvecmult: the matrix dimension {self.ndim} is not a multiple of {other.ndim}.")
        return self.binary(other, "MatVecMult", dimres=(self.ndim // other.ndim), dimcheck=None)

    def vecmatmult(self, other):
        other = self._as_lazy(other)
        if other.ndim % self.ndim:
            raise ValueError(f"vecmatmult: the matrix dimension {other.ndim} is not a multiple of {self.ndim}.")
        return self.binary(other, "VecMatMult", dimres=(other.ndim // self.ndim), dimcheck=None)

    def tensorprod(self, other):
        other = self._as_lazy(other)
        return self.binary(other, "TensorProd", dimres=(other.ndim * self.ndim), dimcheck=None)

    @staticmethod
    def _int_seq(seq):
        if is_integer_like(seq):
            seq = (seq,)
        return "[" + ",".join(str(_int_arg(v, "a dimension")) for v in seq) + "]"

    @staticmethod
    def _int_tuple(seq):
        if is_integer_like(seq):
            return (as_integer(seq, "a dimension"),)
        return tuple(_int_arg(v, "a dimension") for v in seq)

    def keops_tensordot(self, other, dimfa, dimfb, contfa, contfb, *args):
        seqs = [self._int_seq(s) for s in (dimfa, dimfb, contfa, contfb) + args]
        opt_arg = ", ".join(seqs)
        dimfa_t = self._int_tuple(dimfa)
        dimfb_t = self._int_tuple(dimfb)
        contfa_t = self._int_tuple(contfa)
        dimres = math.prod(dimfa_t) * math.prod(dimfb_t)
        if contfa_t:
            dimres //= math.prod(dimfa_t[c] for c in contfa_t) ** 2
        return self.binary(other, "TensorDot", dimres=int(dimres), dimcheck=None, opt_arg=opt_arg)

    def keops_kron(self, other, dimfself, dimfother):
        if is_integer_like(dimfself) or is_integer_like(dimfother):
            raise ValueError("For keops_kron, dimfself and dimfother must be tuples/lists of int")
        other = self._as_lazy(other)
        opt_arg = f"{self._int_seq(dimfself)}, {self._int_seq(dimfother)}"
        return self.binary(other, "Kron", dimres=(other.ndim * self.ndim), dimcheck=None, opt_arg=opt_arg)

    # Vector reductions / sums along the last dimension ------------------------------
    def _axis_or_dim(self, axis, dim):
        """`dim` if given, else `axis`, as a plain int (None stays None)."""
        if dim is not None:
            axis = dim
        return as_integer(axis, "axis (or dim)", allow_none=True)

    def _vector_or_reduction(self, unary_op, reduction_op, axis, dim, kwargs):
        axis = self._axis_or_dim(axis, dim)
        if axis in (-1, len(self._shape) - 1):
            return self.unary(unary_op, dimres=1)
        return self.reduction(reduction_op, axis=axis, **kwargs)

    # pykeops' reduction methods: NAME(axis=-1) reduces the last dimension when axis is -1 (or the last one),
    # NAME_reduction(axis=None) always is a reduction over i or j (see _reduction_method).
    sum = _reduction_method("Sum", vector_op="Sum")
    sum_reduction = _reduction_method("Sum")

    def logsumexp(self, axis=None, dim=None, weight=None, **kwargs):
        if weight is None:
            return self.reduction("LogSumExp", axis=axis, dim=dim, **kwargs)
        return self.reduction("LogSumExp", other=weight, axis=axis, dim=dim, **kwargs)

    logsumexp_reduction = _alias_method("logsumexp")

    def sumsoftmaxweight(self, weight, axis=None, dim=None, **kwargs):
        return self.reduction("SumSoftMaxWeight", other=weight, axis=axis, dim=dim, **kwargs)

    sumsoftmaxweight_reduction = _alias_method("sumsoftmaxweight")
    min = _reduction_method("Min", vector_op="Min")
    __min__ = _alias_method("min")
    min_reduction = _reduction_method("Min")
    argmin = _reduction_method("ArgMin", vector_op="ArgMin")
    argmin_reduction = _reduction_method("ArgMin")
    min_argmin = _reduction_method("Min_ArgMin")
    min_argmin_reduction = _alias_method("min_argmin")
    max = _reduction_method("Max", vector_op="Max")
    __max__ = _alias_method("max")
    max_reduction = _reduction_method("Max")
    argmax = _reduction_method("ArgMax", vector_op="ArgMax")
    argmax_reduction = _reduction_method("ArgMax")
    max_argmax = _reduction_method("Max_ArgMax")
    max_argmax_reduction = _alias_method("max_argmax")
    Kmin = _reduction_method("KMin", takes_k=True)
    Kmin_reduction = _alias_method("Kmin")
    argKmin = _reduction_method("ArgKMin", takes_k=True)
    argKmin_reduction = _alias_method("argKmin")
    Kmin_argKmin = _reduction_method("KMin_ArgKMin", takes_k=True)
    Kmin_argKmin_reduction = _alias_method("Kmin_argKmin")

    @property
    def Genred(self):
        """The Genred class of this LazyTensor's framework."""
        return self._genred_class()

    @property
    def KernelSolve(self):
        """The KernelSolve class of this LazyTensor's framework."""
        return self._kernelsolve_class()

    # Symbolic differentiation ---------------------------------------------------
    def grad(self, other, gradin):
        """Grad(self, other, gradin): the adjoint of d self / d other applied to gradin."""
        return self.binary(gradin, "Grad", dimres=other.ndim, dimcheck="same", opt_arg=other, opt_pos="middle")

    def diff(self, other, diffin):
        """Diff(self, other, diffin): the differential of self w.r.t. other applied to diffin."""
        return self.binary(diffin, "Diff", dimres=self.ndim, dimcheck=None, opt_arg=other, opt_pos="middle")

    def grad_matrix(self, other):
        """GradMatrix(self, other): the transposed Jacobian, flattened."""
        return self.binary(other, "GradMatrix", dimres=self.ndim * other.ndim, dimcheck=None)

    def divergence(self, var):
        return self.binary(var, "Divergence", dimres=1, dimcheck="same")

    def laplacian(self, var):
        return self.binary(var, "Laplacian", dimres=1, dimcheck=None)

    def trace_operator(self, var):
        """TraceOperator(self, var): the trace of self, a linear function of var
        (the compiler rewrites it into Divergence(self, var))."""
        res = self.binary(var, "TraceOperator", dimres=1, dimcheck="same")
        res.symbolic_variables = tuple(v for v in res.symbolic_variables if v not in set(var.symbolic_variables))
        return res

    def difference_matrix(self, other):
        """DifferenceMatrix(self, other), as pykeops builds it: entry l * dim(self) + k is self_k - other_l."""
        return self.binary(other, "DifferenceMatrix", dimres=other.ndim * self.ndim, dimcheck=None)

    def factorize(self, other):
        """Identity in kred: common subexpressions are factored by the compiler (CSE)."""
        return self

    def auto_factorize(self):
        """Identity in kred: common subexpressions are factored by the compiler (CSE)."""
        return self

    # Linear operators -------------------------------------------------------------
    def __matmul__(self, v, **kwargs):
        if self._shape[-1] != 1:
            raise ValueError(
                "The 'K @ v' syntax is only supported for LazyTensors 'K' whose trailing dimension is equal to 1. "
                f"Here, K.shape = {self.shape}."
            )
        if not self.tools.is_array(v):
            raise TypeError(f"K @ v expects v to be a {self.tools.array_name}, got {type(v).__name__}")
        vshape = tuple(self.tools.shape(v))
        if len(vshape) == 1:
            newdims = (1, vshape[0], 1)
        else:
            newdims = vshape[:-2] + (1,) + vshape[-2:]
        v_ = self.lt_constructor(self.tools.view(v, newdims))
        Kv = self * v_
        Kv = Kv.sum(Kv.dim() - 2, **kwargs)
        return self.tools.view(Kv, (-1,)) if len(vshape) == 1 else Kv

    def matvec(self, v):
        return self @ v

    def rmatvec(self, v):
        return self.T @ v

    def t(self):
        """Transposition: i-variables become j-variables and vice versa."""
        res = self.init(is_complex=self.is_complex) if not hasattr(self, "reduction_op") else None
        if res is None:
            raise ValueError("t() cannot be applied to a reduced LazyTensor.")
        res.formula = self.formula
        res.formula2 = self.formula2
        res.ndim = self.ndim
        res.axis = {0: 1, 1: 0}.get(self.axis, self.axis)
        res.ni, res.nj = self.nj, self.ni
        res.ranges = swap_axes(res.ranges)

        def swap(f):
            if f is None:
                return None
            return _CAT_SWAP_RE.sub(lambda m: f"{m.group(1)}({m.group(2)},{m.group(3)},{1 - int(m.group(4))})", f)

        res.formula = swap(res.formula)
        res.formula2 = swap(res.formula2)
        # fresh tokens, so that K and K.t() can be combined without mixing categories
        newvars = []
        for token, v in self.variables:
            new = next(_tokens)
            newvars.append((new, v))
            for attr in ("formula", "formula2"):
                f = getattr(res, attr)
                if f is not None:
                    setattr(res, attr, f.replace(f"Var(@{token},", f"Var(@{new},"))
        res.variables = tuple(newvars)
        return res

    @property
    def T(self):
        return self.t()

    # Complex numbers ------------------------------------------------------------
    def real2complex(self):
        """x + 0j, as a ComplexLazyTensor."""
        return self.unary("Real2Complex", dimres=2 * self._shape[-1], is_complex=True)

    def imag2complex(self):
        """1j * x, as a ComplexLazyTensor."""
        return self.unary("Imag2Complex", dimres=2 * self._shape[-1], is_complex=True)

    def exp1j(self):
        """exp(1j * x), as a ComplexLazyTensor."""
        return self.unary("ComplexExp1j", dimres=2 * self._shape[-1], is_complex=True)


class ComplexGenericLazyTensor(GenericLazyTensor):
    """A LazyTensor of complex numbers, stored as interleaved (real, imag) float pairs.

    Its formula has dimension 2*D for D complex coefficients; reductions return
    complex arrays (complex64 for float32 data, complex128 for float64).
    """

    is_complex = True

    def __init__(self, x=None, axis=None):
        self.get_tools()
        if isinstance(x, complex):
            x = [x]
        if isinstance(x, list):
            flat = []
            for v in x:
                v = complex(v)
                flat += [v.real, v.imag]
            x = flat
        elif self.tools.is_array(x):
            x = self.tools.view_as_real(x)
        super().__init__(x=x, axis=axis)
        self.is_complex = True

    def _as_lazy(self, other):
        # numbers and arrays next to a complex LazyTensor are complex only if they are complex
        if not hasattr(other, "__GenericLazyTensor__"):
            other = self.lt_constructor(other, is_complex=self.tools.detect_complex(other))
        return other

    def __call__(self, *args, **kwargs):
        res = super().__call__(*args, **kwargs)
        return self.tools.view_as_complex(res)

    @property
    def dtype(self):
        return {"float32": "complex64", "float64": "complex128"}.get(self._dtype, self._dtype)

    @property
    def shape(self):
        s = self._shape
        s = s[:-1] + (s[-1] // 2,)
        return s[:-1] if s[-1] == 1 else s

    @property
    def real(self):
        return self.unary("ComplexReal", dimres=self._shape[-1] // 2, is_complex=False)

    @property
    def imag(self):
        return self.unary("ComplexImag", dimres=self._shape[-1] // 2, is_complex=False)

    def angle(self):
        return self.unary("ComplexAngle", dimres=self._shape[-1] // 2, is_complex=False)

    def conj(self):
        return self.unary("Conj", dimres=self._shape[-1], is_complex=True)

    def sum(self, axis=-1, dim=None, **kwargs):
        axis = self._axis_or_dim(axis, dim)
        if axis in (-1, len(self._shape) - 1):
            return self.unary("ComplexSum", dimres=2, is_complex=True)
        return self.reduction("Sum", axis=axis, **kwargs)

    def __abs__(self):
        return self.unary("ComplexAbs", dimres=self._shape[-1] // 2, is_complex=False)

    def exp(self):
        return self.unary("ComplexExp", dimres=self._shape[-1], is_complex=True)

    def _complex_op(self, method, operation, other, kwargs):
        """self.<method>(other) as the complex `operation`, a real `other` promoted to complex first."""
        other = self._as_lazy(other)
        if not _is_complex_lt(other):
            return getattr(self, method)(other.real2complex(), **kwargs)
        return self.binary(other, operation, is_complex=True, dimcheck=None, **kwargs)

    def mulop(self, other, **kwargs):
        other = self._as_lazy(other)
        if other._shape[-1] == 1:
            return other.binary(self, "ComplexRealScal", is_complex=True, **kwargs)
        return self._complex_op("mulop", "ComplexMult", other, kwargs)

    def addop(self, other, **kwargs):
        return self._complex_op("addop", "ComplexAdd", other, kwargs)

    def subop(self, other, **kwargs):
        return self._complex_op("subop", "ComplexSubtract", other, kwargs)

    def divop(self, other, **kwargs):
        return self._complex_op("divop", "ComplexDivide", other, kwargs)

    def __neg__(self):
        return self.unary("Minus")

    def real2complex(self):
        raise ValueError("real2complex cannot be applied to a complex LazyTensor.")

    def imag2complex(self):
        raise ValueError("imag2complex cannot be applied to a complex LazyTensor.")

    def exp1j(self):
        raise ValueError("exp1j cannot be applied to a complex LazyTensor.")

    def keops_tensordot(self, *args):
        raise ValueError("keops_tensordot is not implemented for complex LazyTensors")
