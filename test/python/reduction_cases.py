"""Genred calls of every reduction kind, shared by the GPU and ranges tests.

cases() maps a name to (formula, aliases, reduction, opt_arg, formula2)."""

XYBP = ["x = Vi(3)", "y = Vj(3)", "b = Vj(2)", "p = Pm(1)"]
GAUSS = ("Exp(-p*SqDist(x,y))*b", XYBP)
SCORE = ("p*(x|y) - SqDist(x,y)", XYBP)
VEC_FORMULA = "Square(x-y) + x*y"


def _case(base, reduction, opt_arg=None, formula2=None):
    return (*base, reduction, opt_arg, formula2)


def cases(vec_aliases, k):
    """Every reduction kind: sums on GAUSS, the max-shifted sums on SCORE, the Min/Max/KMin family on
    VEC_FORMULA with vec_aliases, K = k."""
    vec = (VEC_FORMULA, vec_aliases)
    return {
        "Sum": _case(GAUSS, "Sum"),
        "LogSumExp": _case(SCORE, "LogSumExp"),
        "LogSumExpWeight": _case(SCORE, "LogSumExp", formula2="Exp(b)"),
        "Max_SumShiftExp": _case(SCORE, "Max_SumShiftExp"),
        "Max_SumShiftExpWeight": _case(SCORE, "Max_SumShiftExpWeight", formula2="b"),
        "SumSoftMaxWeight": _case(SCORE, "SumSoftMaxWeight", formula2="b"),
        **{name: _case(vec, name) for name in ("Min", "Max", "ArgMin", "ArgMax", "Min_ArgMin", "Max_ArgMax")},
        **{name: _case(vec, name, k) for name in ("KMin", "ArgKMin", "KMin_ArgKMin")},
    }
