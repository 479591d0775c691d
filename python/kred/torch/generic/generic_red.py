"""kred.torch.generic.generic_red: Genred (pykeops.torch.generic.generic_red)."""

from kred.torch.genred import Genred

__all__ = ["Genred"]
