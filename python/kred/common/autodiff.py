"""Formulas of the derivatives of reductions (framework independent).

The torch binding (``kred/torch/autograd.py``) differentiates a reduction by
running *other* reductions whose formulas hold ``Grad(F, V, E)`` or
``Diff(F, V, U)``; the C++ pass kred-autodiff turns those into explicit
formulas inside the compiled kernels. This module builds the specifications
of these derived reductions:

- variables are written ``Var(pos,dim,cat)``; the extra inputs of a derived
  reduction (the gradient of the output ``E``, the saved forward result
  ``R``, tangents ``U``...) take the positions after the reduction's own
  arguments, so the user's aliases and formula are reused unchanged;
- :func:`recategorize` rewrites a formula so that the variables of one
  category (the reduced index) become variables of another (the output
  index): the selection reductions (Min, Max, KMin) evaluate their
  derivatives on the selected (i, j) pairs only, with a kernel whose reduced
  range has size 1;
- :func:`derived_spec` memoizes the ``GenredSpec`` objects (the kernels are
  memoized by ``kred.common.cache`` and kred._C's disk cache).
"""

import functools
import re

from kred.common.genred import GenredSpec
from kred.common.parse import parse_alias


def var(pos, dim, cat):
    """The formula text of variable ``pos`` (dimension ``dim``, category ``cat``)."""
    return f"Var({pos},{dim},{cat})"


def concat(parts):
    """``Concat(a, Concat(b, c))`` of formula strings (``a`` alone for one part)."""
    parts = list(parts)
    if not parts:
        raise ValueError("concat() of no formula")
    out = parts[-1]
    for p in reversed(parts[:-1]):
        out = f"Concat({p},{out})"
    return out


def grad(f, v, e):
    """``Grad(F, V, E)``: the adjoint of dF/dV applied to E (E has F's dimension)."""
    return f"Grad({f},{v},{e})"


def diff(f, v, u):
    """``Diff(F, V, U)``: the differential of F w.r.t. V applied to U (U has V's dimension)."""
    return f"Diff({f},{v},{u})"


def paren(f):
    return f"({f})"


@functools.lru_cache(maxsize=4096)
def derived_spec(
    formula, aliases, reduction, axis, formula2=None, opt_arg=None, dtype_acc="auto", sum_scheme="auto", fast_math=True
):
    """A memoized ``GenredSpec``; ``aliases`` is a tuple. Options that only sums take are dropped otherwise."""
    from kred.common.parse import SUM_LIKE

    if reduction not in SUM_LIKE:
        dtype_acc, sum_scheme = "auto", "auto"
    return GenredSpec(
        formula, list(aliases), reduction, axis, opt_arg, formula2, dtype_acc, False, sum_scheme, fast_math=fast_math
    )


def derived_from(spec, formula, reduction, axis, formula2=None, opt_arg=None):
    """``derived_spec`` of a reduction derived from ``spec`` (same aliases): its dtype_acc, sum_scheme and
    fast_math carry over."""
    return derived_spec(
        formula, tuple(spec.aliases), reduction, axis, formula2, opt_arg, spec.dtype_acc, spec.sum_scheme,
        spec.fast_math,
    )


# A variable reference inside a formula: Var(pos,dim,cat), Vi/Vj/Vx/Vy/Pm(pos,dim).
_REF_RE = re.compile(r"(?<![A-Za-z0-9_])(Var|Vi|Vj|Vx|Vy|Pm)\s*\(\s*(\d+)\s*,\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)")
_KEYWORD_CAT = {"Vi": 0, "Vx": 0, "Vj": 1, "Vy": 1, "Pm": 2}


def _recat_formula(formula, src, dst):
    def sub(m):
        kind, pos, dim, cat = m.groups()
        if kind == "Var":
            if cat is None:
                return m.group(0)  # malformed: let the parser report it
            c = int(cat)
        else:
            if cat is not None:
                return m.group(0)
            c = _KEYWORD_CAT[kind]
        return var(pos, dim, dst if c == src else c)

    return _REF_RE.sub(sub, formula) if formula else formula


@functools.lru_cache(maxsize=1024)
def recategorize(formula, aliases, src, dst):
    """(formula, aliases) with every variable of category ``src`` turned into category ``dst``.

    ``aliases`` is a tuple of alias strings; the result's aliases are written
    ``name = Var(pos,dim,cat)`` (positions made explicit), so that the names
    used by the formula keep meaning the same arguments.
    """
    new_aliases = []
    for k, a in enumerate(aliases):
        name, cat, dim, pos = parse_alias(a, position_in_list=k)
        if cat == src:
            cat = dst
        ref = var(pos, dim, cat)
        new_aliases.append(f"{name} = {ref}" if name else ref)
    return _recat_formula(formula, src, dst), tuple(new_aliases)
