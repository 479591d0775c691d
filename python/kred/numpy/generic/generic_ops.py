"""kred.numpy.generic.generic_ops: generic_sum & co. (pykeops.numpy.generic.generic_ops)."""

from kred.numpy import generic_argkmin, generic_argmin, generic_logsumexp, generic_sum

__all__ = ["generic_sum", "generic_logsumexp", "generic_argmin", "generic_argkmin"]
