"""kred.torch.Genred: generic reductions on torch tensors (pykeops.torch.Genred's API).

Outputs are produced by ``kred.torch.autograd.GenredAutograd`` (a
``torch.autograd.Function``) whenever an input needs autograd (requires_grad,
torch.func transforms, forward-mode duals): backward, double backward, jvp
and vmap are reductions too (see ``kred/torch/autograd.py``). Otherwise the
kernel runs directly.
"""

import torch

from kred.common import dlpack
from kred.common import genred as _core
from kred.common.frontend import GenredBase, genred_doc
from kred.common.parse import INDEX_REDUCTIONS, K_REDUCTIONS, TUPLE_REDUCTIONS
from kred.torch import _library, _sharding
from kred.torch._tools import TorchTools
from kred.torch.autograd import Call, GenredAutograd, run_raw, tracked

__all__ = ["Genred", "GenredAutograd", "genred_backward", "genred_call", "needs_autograd"]


def genred_backward(ctx, *grad_outputs):
    """Gradients of a Genred output w.r.t. its inputs (what GenredAutograd.backward returns)."""
    return GenredAutograd.backward(ctx, *grad_outputs)


def needs_autograd(args):
    """True when the call must go through GenredAutograd (some input needs autograd)."""
    return tracked(args)


def _postprocess(spec, values, indices):
    """Raw outputs -> what pykeops returns, from the tensors' own shapes (works on vmapped tensors)."""
    red = spec.reduction
    if red in K_REDUCTIONS:
        K = spec.opt_arg

        def fold(t):
            if t is None:
                return None
            D = t.shape[-1] // K
            return t.reshape(tuple(t.shape[:-1]) + ((K,) if D == 1 else (K, D)))

        values, indices = fold(values), fold(indices)
    if red in TUPLE_REDUCTIONS:
        return values, indices
    if red in INDEX_REDUCTIONS:
        return indices
    return values


def genred_call(spec, args, backend="auto", device_id=-1, ranges=None, out=None, caller="Genred"):
    layout = _sharding.current.get()
    if layout is not None:  # inside kred.distributed.sharded(): variables are this rank's shards
        values, indices = layout.call(spec, args, backend, device_id, ranges, out, caller)
        return _postprocess(spec, values, indices)
    if _library.active():  # torch.compile is tracing (or use_custom_op): the torch.library op
        return _postprocess(spec, *_library.raw_outputs(spec, args, backend, device_id, ranges, out, caller))
    args = dlpack.convert(args, TorchTools.is_array, torch.from_dlpack)  # numpy, jax, cupy... arrays
    if out is not None and torch.is_grad_enabled() and needs_autograd(args):
        # as torch's own out= functions: the in-place result would silently have no gradient
        raise ValueError(
            f"{caller}: out= cannot be used when an input requires grad (the result written in place would "
            "not be differentiable); call without out=, or under torch.no_grad()"
        )
    if out is None and needs_autograd(args):
        call = Call(spec, backend, device_id, ranges, caller)
        outs = run_raw(call, args)
        values = outs[0] if call.has_values else None
        indices = outs[-1] if call.has_indices else None
        if spec.reduction not in TUPLE_REDUCTIONS and spec.reduction not in INDEX_REDUCTIONS:
            indices = None  # Min/Max/KMin: the indices were only kept for the gradient
        return _postprocess(spec, values, indices)
    return _core.call(spec, TorchTools, args, backend, device_id, ranges, out, caller=caller)


class Genred(GenredBase):
    __doc__ = genred_doc("torch", "torch tensors", "tensor", "float16, bfloat16, float32 or float64")

    def __call__(self, *args, backend="auto", device_id=-1, ranges=None, out=None):
        """Runs the reduction; returns an (M, D) or (N, D) tensor (or a tuple for *_Arg* reductions)."""
        return genred_call(self.spec, args, backend, device_id, ranges, out)
