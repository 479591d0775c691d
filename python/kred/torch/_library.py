"""kred reductions as a ``torch.library`` custom op: what torch.compile and torch.func see.

One op, ``torch.ops.kred.genred(spec: str, args: Tensor[]) -> (Tensor, Tensor)``,
runs every kred.torch reduction (Genred and LazyTensor reductions alike):

- ``spec`` is the reduction written as a string (:func:`spec_key`: formula,
  aliases, reduction, axis, K, formula2, accumulator, sum scheme, fast math,
  backend, device id). The op finds its kernel through a registry keyed by
  that string (:func:`call_for`), which rebuilds the ``GenredSpec`` from the
  string the first time, so the string alone is enough (a graph traced in
  one process holds everything the op needs).
- ``args`` are the reduction's tensors; the outputs are the raw kernel
  outputs ``(values, indices)``, ``values`` of shape batch + (rows,
  out_value_dim) and ``indices`` int64 of shape batch + (rows,
  out_index_dim); a reduction without one of them returns an empty
  placeholder of shape (0,) there.
- The fake (meta) implementation computes the output shapes from the
  kernel's signature (``Kernel.info``; the kernel is compiled while tracing)
  and ``kred.common.genred.output_shapes``, so torch.compile traces the op
  without running it.
- The autograd formula is kred's own (``kred.torch.autograd.genred_vjp``):
  the backward runs derived reductions whose calls are :class:`NativeCall`,
  hence this same op again, so backward, double backward and gradients of
  any order are traced without a graph break.
- The vmap rule is kred's (``genred_vmap``): the vmapped dimension becomes a
  leading batch dimension of the reduction.

When the op is used: whenever torch.compile (Dynamo) traces a kred.torch
reduction, and in eager mode inside :func:`use_custom_op` (or with
``KRED_TORCH_CUSTOM_OP=1``) outside torch.func transforms. Otherwise eager
reductions run through ``GenredAutograd`` (``kred/torch/autograd.py``): torch
2.x's torch.func refuses the autograd formula of any custom op (the
autograd.Function that ``register_autograd`` generates has no
``setup_context``), while GenredAutograd supports grad, vjp, jacrev, vmap,
jvp and jacfwd. The op's vmap rule serves ``torch.func.vmap`` of the op
itself and batched calls in traced backward graphs. Block-sparse
``ranges=`` and ``out=`` are eager-only.
"""

import contextlib
import os
import threading

import torch

from kred.common import genred as _core
from kred.common.genred import GenredSpec
from kred.common.parse import FLOAT_DTYPES, INDEX_REDUCTIONS, TUPLE_REDUCTIONS
from kred.torch import autograd as _ag
from kred.torch._tools import TorchTools

__all__ = ["NativeCall", "active", "call_for", "genred", "raw_outputs", "spec_key", "use_custom_op"]

# Field and alias separators of a spec string (characters no formula or alias holds).
_FIELD_SEP = "\x1f"
_ALIAS_SEP = "\x1e"

_state = threading.local()
_forced_by_env = os.environ.get("KRED_TORCH_CUSTOM_OP", "0") not in ("", "0")


def active():
    """Whether kred.torch reductions go through the custom op now: torch.compile tracing, or forced.

    Forced eager calls under torch.func transforms (grad, vmap, jacrev, jvp...) keep GenredAutograd:
    torch.func refuses the autograd formulas of custom ops (their generated autograd.Function has no
    setup_context), while GenredAutograd supports every transform.
    """
    if torch.compiler.is_compiling():
        return True
    return getattr(_state, "forced", _forced_by_env) and not torch._C._are_functorch_transforms_active()


@contextlib.contextmanager
def use_custom_op(enabled=True):
    """Runs the kred.torch reductions of the block through ``torch.ops.kred.genred`` (True) or not (False).

    Eager calls then behave as compiled ones: autograd (backward, double backward, gradcheck) goes
    through the op's autograd formula. Under torch.func transforms the reductions still take
    GenredAutograd (see active()); ``torch.func.vmap`` of the op itself uses its vmap rule.
    """
    old = getattr(_state, "forced", _forced_by_env)
    _state.forced = bool(enabled)
    try:
        yield
    finally:
        _state.forced = old


def spec_key(spec, backend="auto", device_id=-1):
    """The string that names the reduction `spec` (a GenredSpec) on `backend` / `device_id`.

    Plain string operations only, so Dynamo traces it. f-strings, not str(): under
    torch.compile(dynamic=True) Dynamo may hold the spec's integers as symbolic values, which it formats
    (specializing them) but cannot str().
    """
    opt_arg = "" if spec.opt_arg is None else f"{spec.opt_arg}"
    fast = "1" if getattr(spec, "fast_math", True) else "0"
    fields = [
        spec.formula,
        _ALIAS_SEP.join(spec.aliases),
        spec.reduction,
        f"{spec.axis}",
        opt_arg,
        spec.formula2 or "",
        spec.dtype_acc,
        spec.sum_scheme,
        fast,
        f"{backend}",
        f"{device_id}",
    ]
    return _FIELD_SEP.join(fields)


def _spec_from_key(key):
    """(GenredSpec, backend, device_id) of a spec string."""
    parts = key.split(_FIELD_SEP)
    if len(parts) != 11:
        raise ValueError(f"kred::genred: malformed reduction spec string {key!r}")
    formula, aliases, reduction, axis, opt_arg, formula2, dtype_acc, sum_scheme, fast, backend, device_id = parts
    spec = GenredSpec(
        formula,
        aliases.split(_ALIAS_SEP) if aliases else [],
        reduction,
        int(axis),
        int(opt_arg) if opt_arg else None,
        formula2 or None,
        dtype_acc,
        False,
        sum_scheme,
        fast_math=fast == "1",
    )
    return spec, backend, int(device_id)


class NativeCall(_ag.Call):
    """A ``kred.torch.autograd.Call`` that runs through the custom op (its derived reductions too)."""

    __slots__ = ("key",)

    def __init__(self, spec, backend="auto", device_id=-1, key=None):
        super().__init__(spec, backend, device_id, None, "Genred", track=True)
        self.key = key if key is not None else spec_key(spec, backend, device_id)

    def derived(self, spec, ranges=True):
        return call_for(spec_key(spec, self.backend, self.device_id), spec)

    def native(self, args):
        """The raw outputs, as ``run_raw`` returns them: (values,), (values, indices) or (indices,)."""
        values, indices = genred(self.key, list(args))
        return tuple(t for t, has in ((values, self.has_values), (indices, self.has_indices)) if has)


_calls = {}
_calls_lock = threading.Lock()


def call_for(key, spec=None):
    """The NativeCall of a spec string (registered on first use; `spec`: its GenredSpec when known)."""
    call = _calls.get(key)
    if call is None:
        if spec is None:
            spec, backend, device_id = _spec_from_key(key)
        else:
            backend, device_id = key.split(_FIELD_SEP)[-2], int(key.split(_FIELD_SEP)[-1])
        call = NativeCall(spec, backend, device_id, key)
        with _calls_lock:
            call = _calls.setdefault(key, call)
    return call


def raw_outputs(spec, args, backend="auto", device_id=-1, ranges=None, out=None, caller="Genred"):
    """(values, indices) of a kred.torch call through the op, as ``kred.torch.genred`` post-processes them.

    indices is None unless the reduction returns indices (ArgMin, Min_ArgMin, ...).
    """
    if ranges is not None or out is not None:
        what = "ranges=" if ranges is not None else "out="
        raise NotImplementedError(
            f"{caller}: {what} is not supported under torch.compile (kred's custom op); call the reduction "
            "outside the compiled function"
        )
    for pos, a in enumerate(args):
        if not isinstance(a, torch.Tensor):
            raise TypeError(f"{caller}: {spec.describe(pos)} must be a torch.Tensor, got {type(a).__name__}")
    values, indices = genred(spec_key(spec, backend, device_id), list(args))
    red = spec.reduction
    if red in INDEX_REDUCTIONS:
        return None, indices
    return values, (indices if red in TUPLE_REDUCTIONS else None)


# ---------------------------------------------------------------------------
# The op


def _float_dtype(args):
    for a in args:
        if TorchTools.dtype_name(a) in FLOAT_DTYPES:
            return a.dtype, a.device
    return torch.float32, (args[0].device if args else torch.device("cpu"))


def _pair(values, indices, args):
    """(values, indices) with empty placeholders for a missing one."""
    dtype, device = _float_dtype(args)
    if values is None:
        values = torch.empty((0,), dtype=dtype, device=device)
    if indices is None:
        indices = torch.empty((0,), dtype=torch.int64, device=device)
    return values, indices


@torch.library.custom_op("kred::genred", mutates_args=())
def genred(spec: str, args: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Runs the kred reduction named by `spec` (see spec_key) on `args`: raw (values, indices)."""
    call = call_for(spec)
    values, indices, _ = _core.run(call.run, TorchTools, tuple(args), call.backend, call.device_id, None, None,
                                   call.caller)
    return _pair(values, indices, args)


@genred.register_fake
def _genred_fake(spec, args):
    """Output shapes from the kernel's signature: batch + (rows, out_value_dim), batch + (rows, out_index_dim)."""
    call = call_for(spec)
    run = call.run
    dtype = None
    for a in args:
        if TorchTools.dtype_name(a) in FLOAT_DTYPES:
            dtype = TorchTools.dtype_name(a)
            break
    sig = run.signature(dtype or "float32")
    if len(args) != sig.nargs:
        raise ValueError(f"{call.caller}: expected {sig.nargs} arguments, got {len(args)}")
    shapes = [tuple(a.shape) for a in args]
    cats = sig.cats
    if sig.ij:
        nbatch = max(len(shapes[p]) - 2 for p in sig.ij)
    else:
        nbatch = max([len(shapes[p]) - 1 for p in sig.used] + [0])
    sizes = {0: 1, 1: 1}
    batch_shapes = []
    for p in sig.used:
        s = shapes[p]
        if cats[p] == 2:
            b = (s if s else (1,))[:-1]
            b = b[max(len(b) - nbatch, 0) :]
        else:
            b, sizes[cats[p]] = s[:-2], s[-2]
        batch_shapes.append((p, (1,) * (nbatch - len(b)) + tuple(b)))
    batch = _core._broadcast(batch_shapes, run.describe)
    rows = sizes[0] if run.axis == 1 else sizes[1]
    raw_v, raw_i, _ = _core.output_shapes(run, batch, rows, sig.vd, sig.idd)
    fdtype, device = _float_dtype(args)
    values = torch.empty(raw_v, dtype=fdtype, device=device) if raw_v is not None else None
    indices = torch.empty(raw_i, dtype=torch.int64, device=device) if raw_i is not None else None
    return _pair(values, indices, args)


def _present(call, values, indices):
    """The raw outputs as GenredAutograd has them: (values,), (values, indices) or (indices,)."""
    return tuple(t for t, has in ((values, call.has_values), (indices, call.has_indices)) if has)


def _setup_context(ctx, inputs, output):
    spec, args = inputs
    ctx.spec = spec
    ctx.nargs = len(args)
    ctx.save_for_backward(*args, *output)


def _backward(ctx, grad_values, grad_indices):
    call = call_for(ctx.spec)
    n = ctx.nargs
    needs = ctx.needs_input_grad
    needs = list(needs[1] if len(needs) == 2 and isinstance(needs[1], (list, tuple)) else needs[-n:])
    if not call.has_values or not any(needs):
        return None, [None] * n
    saved = ctx.saved_tensors
    args, outs = saved[:n], _present(call, saved[n], saved[n + 1])
    eta = grad_values if grad_values is not None else torch.zeros_like(outs[0])
    return None, list(_ag.genred_vjp(call, args, outs, eta, needs))


torch.library.register_autograd("kred::genred", _backward, setup_context=_setup_context)


@torch.library.register_vmap("kred::genred")
def _genred_vmap(info, in_dims, spec, args):
    call = call_for(spec)
    outs, _ = _ag.genred_vmap(info, list(in_dims[1]), call, tuple(args))
    values = outs[0] if call.has_values else None
    indices = outs[-1] if call.has_indices else None
    return _pair(values, indices, args), (0 if values is not None else None, 0 if indices is not None else None)
