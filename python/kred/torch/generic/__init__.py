"""kred.torch.generic: where pykeops.torch.generic's modules live (generic_red, generic_ops)."""
