"""DLPack in: the front-ends take arrays of other frameworks (any ``__dlpack__`` producer) without a copy.

kred.torch converts them with ``torch.from_dlpack`` (numpy arrays, jax / cupy arrays on their device),
kred.numpy with ``numpy.from_dlpack`` (CPU producers: torch CPU tensors that do not require grad, ...).
Outputs are the front-end's own arrays, which are ``__dlpack__`` producers themselves (DLPack out).
"""


def convert(args, is_array, from_dlpack):
    """`args` with every argument that is not already the front-end's array but has ``__dlpack__``
    converted by `from_dlpack` (zero copy); anything else is left for the argument checks to report."""
    if all(is_array(a) or not hasattr(a, "__dlpack__") for a in args):
        return args
    return tuple(a if is_array(a) or not hasattr(a, "__dlpack__") else from_dlpack(a) for a in args)
