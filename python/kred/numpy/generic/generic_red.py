"""kred.numpy.generic.generic_red: Genred (pykeops.numpy.generic.generic_red)."""

from kred.numpy.genred import Genred

__all__ = ["Genred"]
