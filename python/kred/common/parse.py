"""Parsing of Genred's arguments: aliases, reduction names and options.

The formula itself is parsed by the C++ frontend (``kred._C``); this module
only reads what the Python side needs before compiling: the alias names by
position (so that errors can name the argument), the reduction kind and the
accumulation options.
"""

import operator
import re
import warnings


def _describe_value(value):
    """How an error shows a rejected value: its repr, shortened, and its type."""
    r = repr(value)
    if len(r) > 60:
        r = r[:57] + "..."
    return f"{r} ({type(value).__module__}.{type(value).__qualname__})".replace("builtins.", "")


def is_integer_like(value):
    """True when :func:`as_integer` accepts `value`."""
    try:
        as_integer(value, "value")
    except (TypeError, ValueError):
        return False
    return True


def as_integer(value, what, error=TypeError, minimum=None, allow_none=False):
    """`value` as a plain Python int, when it is integer-like; raises `error` naming `what` otherwise.

    Integer-like, as numpy and torch index with them: int, numpy integer
    scalars, 0-d integer numpy arrays and torch tensors, and any other object
    with ``__index__``. Rejected: bool (Python, numpy and torch booleans,
    although they have ``__index__``), floats (even integral ones), arrays and
    tensors that are not 0-d (even of one element), and everything else.
    `minimum`: the smallest accepted value (ValueError below it, or `error`
    when it is a ValueError subclass). `allow_none`: None is returned as is.
    """
    if type(value) is int:
        n = value
    elif value is None and allow_none:
        return None
    else:
        dtype = getattr(value, "dtype", None)
        shape = getattr(value, "shape", None)
        if isinstance(value, bool) or str(dtype) in ("bool", "torch.bool"):
            raise error(f"{what} must be an integer, got a boolean: {_describe_value(value)}")
        if shape is not None and not callable(shape) and len(tuple(shape)) != 0:
            raise error(
                f"{what} must be an integer, got an array of shape {tuple(shape)}: {_describe_value(value)} "
                "(only 0-d integer arrays and tensors are integers)"
            )
        try:
            n = operator.index(value)
        except TypeError:
            raise error(f"{what} must be an integer, got {_describe_value(value)}") from None
    if minimum is not None and n < minimum:
        exc = error if issubclass(error, ValueError) else ValueError
        raise exc(f"{what} must be an integer >= {minimum}, got {n}")
    return n


class DtypeError(TypeError, ValueError):
    """An unsupported or mismatched dtype.

    A TypeError, and a ValueError as pykeops raises for non-float inputs, so
    that code written for either catches it.
    """

#: Reductions accepted by ``Genred(reduction_op=...)`` (KeOps' user-level names
#: plus the raw internal ones), mapped to their canonical kernelred names.
REDUCTIONS = {
    "Sum": "Sum",
    "LogSumExp": "LogSumExp",
    "LogSumExpWeight": "LogSumExpWeight",
    "SumSoftMaxWeight": "SumSoftMaxWeight",
    "SoftMax": "SumSoftMaxWeight",  # KeOps' old name
    "Max_SumShiftExp": "Max_SumShiftExp",
    "Max_SumShiftExpWeight": "Max_SumShiftExpWeight",
    "Min": "Min",
    "Max": "Max",
    "ArgMin": "ArgMin",
    "ArgMax": "ArgMax",
    "Min_ArgMin": "Min_ArgMin",
    "MinArgMin": "Min_ArgMin",
    "Max_ArgMax": "Max_ArgMax",
    "MaxArgMax": "Max_ArgMax",
    "KMin": "KMin",
    "ArgKMin": "ArgKMin",
    "KMin_ArgKMin": "KMin_ArgKMin",
    "KMinArgKMin": "KMin_ArgKMin",
}

#: Reductions whose accumulator is a sum (dtype_acc and sum_scheme apply).
SUM_LIKE = {
    "Sum",
    "LogSumExp",
    "LogSumExpWeight",
    "SumSoftMaxWeight",
    "Max_SumShiftExp",
    "Max_SumShiftExpWeight",
}

#: Reductions that take a second formula (KeOps' formula2, the weight G).
WEIGHTED = {"LogSumExpWeight", "SumSoftMaxWeight", "Max_SumShiftExpWeight"}

#: Reductions that take K (opt_arg).
K_REDUCTIONS = {"KMin", "ArgKMin", "KMin_ArgKMin"}

#: Reductions that return (values, indices).
TUPLE_REDUCTIONS = {"Min_ArgMin", "Max_ArgMax", "KMin_ArgKMin"}

#: Reductions that return indices only.
INDEX_REDUCTIONS = {"ArgMin", "ArgMax", "ArgKMin"}

SUM_SCHEMES = ("auto", "block_sum", "kahan_scheme", "direct_sum")
ACC_DTYPES = ("auto", "float16", "bfloat16", "float32", "float64")
FLOAT_DTYPES = ("float16", "bfloat16", "float32", "float64")
_DTYPE_RANK = {"float16": 0, "bfloat16": 0, "float32": 1, "float64": 2}

CATEGORY_NAMES = {0: "Vi", 1: "Vj", 2: "Pm"}

_ALIAS_RE = re.compile(
    r"^\s*(?:([A-Za-z_][A-Za-z_0-9]*)\s*=\s*)?(Vi|Vj|Pm|Vx|Vy)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)\s*$"
)
_VAR_ALIAS_RE = re.compile(
    r"^\s*(?:([A-Za-z_][A-Za-z_0-9]*)\s*=\s*)?Var\s*\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\)\s*$"
)
_VAR_IN_FORMULA_RE = re.compile(r"Var\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\)")
_OLD_ALIAS_RE = re.compile(r"(=\s*|^\s*)V([xy])(\s*\()")


def axis2cat(axis):
    """KeOps' convention: reducing over axis 1 (j) leaves an i-variable (cat 0)."""
    axis = as_integer(axis, "axis", error=ValueError) if is_integer_like(axis) else axis
    if type(axis) is not int or axis not in (0, 1):
        raise ValueError(f"axis should be 0 or 1, got {axis!r}")
    return 1 - axis


def cat2axis(cat):
    cat = as_integer(cat, "cat", error=ValueError) if is_integer_like(cat) else cat
    if type(cat) is not int or cat not in (0, 1):
        raise ValueError("the output category should be Vi or Vj")
    return 1 - cat


def parse_alias(alias, position_in_list=None):
    """Returns (name, cat, dim, pos) of one alias string.

    Accepts ``"x = Vi(3)"``, ``"x = Vi(0,3)"``, ``"Vi(0,3)"``, ``"x = Var(0,3,0)"``
    and ``"Var(0,3,0)"``; ``name`` is None when the alias has no name.
    Raises ValueError for anything else.
    """
    if not isinstance(alias, str):
        raise TypeError(f"aliases must be strings, got {type(alias).__name__}: {alias!r}")
    m = _ALIAS_RE.match(alias)
    if m:
        name, kind, a, b = m.groups()
        kind = {"Vx": "Vi", "Vy": "Vj"}.get(kind, kind)
        cat = {"Vi": 0, "Vj": 1, "Pm": 2}[kind]
        if b is None:
            dim, pos = int(a), position_in_list
        else:
            pos, dim = int(a), int(b)
        return name, cat, dim, pos
    m = _VAR_ALIAS_RE.match(alias)
    if m:
        name, pos, dim, cat = m.groups()
        return name, int(cat), int(dim), int(pos)
    raise ValueError(
        f"invalid alias {alias!r}: expected 'name = Vi(dim)', 'name = Vj(pos,dim)', "
        "'name = Pm(dim)' or 'Var(pos,dim,cat)'"
    )


def normalize_aliases(aliases):
    """Copies the alias list, rewriting KeOps' deprecated Vx/Vy to Vi/Vj."""
    if isinstance(aliases, str):
        raise TypeError("aliases must be a list of strings, not a single string")
    out = []
    for a in aliases:
        if not isinstance(a, str):
            raise TypeError(f"aliases must be strings, got {type(a).__name__}: {a!r}")
        if _OLD_ALIAS_RE.search(a):
            warnings.warn("'Vx' and 'Vy' variables types are now renamed 'Vi' and 'Vj'")
            a = _OLD_ALIAS_RE.sub(lambda m: m.group(1) + "V" + ("i" if m.group(2) == "x" else "j") + m.group(3), a)
        out.append(a)
    return out


def argument_names(aliases, *formulas):
    """Names of the arguments by position, for error messages.

    Positions come from the aliases and from any explicit ``Var(pos,dim,cat)``
    in the formulas. Returns a dict pos -> (name, signature).  Aliases the C++
    parser would reject are skipped here (the compiler reports them).
    """
    names = {}
    for k, a in enumerate(aliases):
        try:
            name, cat, dim, pos = parse_alias(a, position_in_list=k)
        except (ValueError, TypeError):
            continue
        if pos is None:
            continue
        sig = f"{CATEGORY_NAMES.get(cat, 'Var')}({dim})"
        names.setdefault(pos, (name, sig))
    for f in formulas:
        if not f:
            continue
        for pos, dim, cat in _VAR_IN_FORMULA_RE.findall(f):
            pos, dim, cat = int(pos), int(dim), int(cat)
            names.setdefault(pos, (None, f"Var({pos},{dim},{cat})"))
    return names


def describe_argument(names, pos):
    """'x' (position 0, Vi(3)) -- how errors refer to an argument."""
    name, sig = names.get(pos, (None, None))
    if name is not None:
        return f"argument '{name}' (position {pos}, {sig})"
    if sig is not None:
        return f"argument {pos} ({sig})"
    return f"argument {pos}"


def canonical_reduction(reduction_op):
    if not isinstance(reduction_op, str) or reduction_op not in REDUCTIONS:
        known = ", ".join(sorted(set(REDUCTIONS.values())))
        raise ValueError(f"unknown reduction_op {reduction_op!r}; expected one of: {known}")
    return REDUCTIONS[reduction_op]


def check_options(reduction, formula2, opt_arg, dtype_acc, use_double_acc, sum_scheme):
    """Validates Genred's options; returns (formula2, opt_arg, dtype_acc, sum_scheme).

    Mirrors pykeops' rules (``get_optional_flags``), with clearer messages.
    """
    if reduction == "LogSumExp" and formula2:
        pass  # weighted log-sum-exp
    elif reduction in WEIGHTED:
        if not formula2:
            raise ValueError(f"the {reduction} reduction requires a weight formula (formula2=...)")
    elif formula2:
        raise ValueError(f"formula2 is only used by LogSumExp, LogSumExpWeight and SumSoftMaxWeight, not by {reduction}")
    if formula2 is not None and not isinstance(formula2, str):
        raise TypeError("formula2 must be a formula string")

    if reduction in K_REDUCTIONS:
        opt_arg = check_k(reduction, opt_arg)
    else:
        opt_arg = None  # KeOps ignores it for the other reductions

    if use_double_acc:
        if dtype_acc not in (None, "auto"):
            raise ValueError("you cannot set both options use_double_acc and dtype_acc")
        dtype_acc = "float64"
    if dtype_acc is None:
        dtype_acc = "auto"
    if dtype_acc not in ACC_DTYPES:
        raise ValueError(f"invalid dtype_acc {dtype_acc!r}; expected one of {', '.join(ACC_DTYPES)}")
    if dtype_acc != "auto" and reduction not in SUM_LIKE:
        raise ValueError(
            "dtype_acc should be 'auto' for reductions that are not sums (Min, Max, ArgMin, KMin, ...); "
            f"got dtype_acc={dtype_acc!r} with {reduction}"
        )

    if sum_scheme is None:
        sum_scheme = "auto"
    if sum_scheme not in SUM_SCHEMES:
        raise ValueError(
            f"invalid sum_scheme {sum_scheme!r}: should be one of \"auto\", \"direct_sum\", \"block_sum\" or \"kahan_scheme\""
        )
    if sum_scheme in ("block_sum", "kahan_scheme") and reduction not in SUM_LIKE:
        raise ValueError(f'sum_scheme="{sum_scheme}" is only valid for sum type reductions, not {reduction}')
    return formula2 or "", opt_arg, dtype_acc, sum_scheme


def check_k(reduction, K):
    """K (opt_arg) of a KMin/ArgKMin/KMin_ArgKMin reduction as a plain int >= 1 (ValueError otherwise)."""
    if not is_integer_like(K) or as_integer(K, "K") < 1:
        shown = _describe_value(K) if K is not None else "None"
        raise ValueError(
            f"the {reduction} reduction requires opt_arg=K, a positive integer (an int, numpy integer or "
            f"0-d integer array/tensor; not a bool, float or larger array), got {shown}"
        )
    return as_integer(K, "K")


def check_axis(axis, what="axis"):
    """Genred's axis as 0 or 1 (ValueError naming `what` otherwise)."""
    n = as_integer(axis, what, error=ValueError)
    if n not in (0, 1):
        raise ValueError(f"{what} must be 0 (reduce over i) or 1 (reduce over j), got {n}")
    return n


def check_acc_dtype(dtype_acc, dtype):
    """dtype_acc must be at least as precise as the input dtype."""
    if dtype_acc == "auto":
        return
    if _DTYPE_RANK[dtype_acc] < _DTYPE_RANK[dtype]:
        raise ValueError(f"dtype_acc={dtype_acc!r} is less precise than the inputs' dtype {dtype!r}")
