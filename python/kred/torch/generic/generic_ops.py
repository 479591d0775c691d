"""kred.torch.generic.generic_ops: generic_sum & co. (pykeops.torch.generic.generic_ops)."""

from kred.torch import generic_argkmin, generic_argmin, generic_logsumexp, generic_sum

__all__ = ["generic_sum", "generic_logsumexp", "generic_argmin", "generic_argkmin"]
