"""kred.torch.Genred: generic reductions on torch tensors (pykeops.torch.Genred's API).

Outputs are produced by a ``torch.autograd.Function`` whenever an input
requires grad, so that they sit in the autograd graph; its backward
(``genred_backward``) is where issue 6 plugs in the gradient reductions
(pykeops builds them as new Genred calls on ``Grad(F, v, e)`` formulas).
"""

import torch

from kred.common import genred as _core
from kred.common.parse import INDEX_REDUCTIONS
from kred.torch._tools import TorchTools

AUTOGRAD_MESSAGE = (
    "kred: backpropagation through Genred / LazyTensor reductions is not implemented yet "
    "(kernelred issue 6: autodiff). Detach the inputs (tensor.detach()) or run the forward "
    "pass under torch.no_grad() until then."
)


class _Call:
    """One call's options, passed through autograd.Function.apply."""

    def __init__(self, spec, backend, device_id, ranges):
        self.spec = spec
        self.backend = backend
        self.device_id = device_id
        self.ranges = ranges
        self.final_shape = None
        self.has_values = self.has_indices = False


def genred_backward(ctx, *grad_outputs):
    """Gradients of a Genred output w.r.t. its inputs (issue 6)."""
    raise NotImplementedError(AUTOGRAD_MESSAGE)


class GenredAutograd(torch.autograd.Function):
    @staticmethod
    def forward(ctx, call, *args):
        values, indices, fin = _core.run(
            call.spec, TorchTools, args, call.backend, call.device_id, call.ranges, None, caller="Genred"
        )
        call.final_shape = fin
        call.has_values = values is not None
        call.has_indices = indices is not None
        ctx.call = call
        outs = tuple(t for t in (values, indices) if t is not None)
        if indices is not None:
            ctx.mark_non_differentiable(indices)
        ctx.save_for_backward(*args, *outs)
        return outs

    @staticmethod
    def backward(ctx, *grad_outputs):
        return genred_backward(ctx, *grad_outputs)


def needs_autograd(args):
    return torch.is_grad_enabled() and any(isinstance(a, torch.Tensor) and a.requires_grad for a in args)


def genred_call(spec, args, backend="auto", device_id=-1, ranges=None, out=None, caller="Genred"):
    if out is None and spec.reduction not in INDEX_REDUCTIONS and needs_autograd(args):
        call = _Call(spec, backend, device_id, ranges)
        outs = GenredAutograd.apply(call, *args)
        values = outs[0] if call.has_values else None
        indices = outs[-1] if call.has_indices else None
        return _core.postprocess(spec, TorchTools, values, indices, call.final_shape)
    return _core.call(spec, TorchTools, args, backend, device_id, ranges, out, caller=caller)


class Genred:
    r"""Creates a reduction ``out = Red_{i or j} F(x_i, y_j, p)`` on torch tensors.

    Same arguments as ``pykeops.torch.Genred``::

        Genred(formula, aliases, reduction_op="Sum", axis=0, opt_arg=None, formula2=None,
               dtype_acc="auto", use_double_acc=False, sum_scheme="auto")

    ``dtype``, ``cuda_type``, ``enable_chunks``, ``rec_multVar_highdim`` and
    ``use_fast_math`` are accepted and ignored (the dtype comes from the inputs).
    Inputs: float16, bfloat16, float32 or float64 CPU tensors, ``(M, D)`` for
    ``Vi(D)``, ``(N, D)`` for ``Vj(D)``, ``(D,)`` for ``Pm(D)``, optionally with
    leading batch dimensions.
    """

    def __init__(
        self,
        formula,
        aliases,
        reduction_op="Sum",
        axis=0,
        dtype=None,
        opt_arg=None,
        formula2=None,
        cuda_type=None,
        dtype_acc="auto",
        use_double_acc=False,
        sum_scheme="auto",
        enable_chunks=True,
        rec_multVar_highdim=False,
        use_fast_math=True,
    ):
        self.spec = _core.GenredSpec(
            formula, aliases, reduction_op, axis, opt_arg, formula2, dtype_acc, use_double_acc, sum_scheme
        )
        self.formula = formula
        self.aliases = self.spec.aliases
        self.reduction_op = reduction_op
        self.axis = self.spec.axis
        self.opt_arg = self.spec.opt_arg
        self.formula2 = self.spec.formula2 or None

    def __call__(self, *args, backend="auto", device_id=-1, ranges=None, out=None):
        """Runs the reduction; returns an (M, D) or (N, D) tensor (or a tuple for *_Arg* reductions)."""
        return genred_call(self.spec, args, backend, device_id, ranges, out)

    def __repr__(self):
        return "kred.torch." + repr(self.spec)
