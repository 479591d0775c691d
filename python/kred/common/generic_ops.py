"""generic_sum / generic_logsumexp / generic_argmin / generic_argkmin, for any binding."""

from kred.common.parse import cat2axis, parse_alias


def _output(output):
    _, cat, dim, _ = parse_alias(output)
    if cat not in (0, 1):
        raise ValueError(f"the output {output!r} must be a Vi or Vj variable")
    return cat2axis(cat), dim


def make_generic_ops(Genred):
    def generic_sum(formula, output, *aliases, **kwargs):
        """Genred with a "Sum" reduction; `output` ("a = Vi(D)") names the output's category."""
        axis, _ = _output(output)
        return Genred(formula, list(aliases), reduction_op="Sum", axis=axis, **kwargs)

    def generic_logsumexp(formula, output, *aliases, **kwargs):
        """Genred with a "LogSumExp" reduction; `output` is "a = Vi(1)" or "a = Vj(1)"."""
        axis, _ = _output(output)
        return Genred(formula, list(aliases), reduction_op="LogSumExp", axis=axis, **kwargs)

    def generic_argmin(formula, output, *aliases, **kwargs):
        """Genred with an "ArgMin" reduction (int64 indices)."""
        axis, _ = _output(output)
        return Genred(formula, list(aliases), reduction_op="ArgMin", axis=axis, **kwargs)

    def generic_argkmin(formula, output, *aliases, **kwargs):
        """Genred with an "ArgKMin" reduction; `output` is "a = Vi(K)": K comes from its dimension."""
        axis, K = _output(output)
        return Genred(formula, list(aliases), reduction_op="ArgKMin", axis=axis, opt_arg=K, **kwargs)

    return generic_sum, generic_logsumexp, generic_argmin, generic_argkmin
