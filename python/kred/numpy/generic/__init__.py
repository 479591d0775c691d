"""kred.numpy.generic: where pykeops.numpy.generic's modules live (generic_red, generic_ops)."""
