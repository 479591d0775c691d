"""torch.autograd (and torch.func) through kred reductions.

``GenredAutograd`` is the ``torch.autograd.Function`` behind every kred.torch
reduction that has to be differentiated. Its backward (``genred_vjp``) and
forward-mode rule (``genred_jvp``) run *other* kred reductions whose formulas
hold ``Grad(F, V, E)`` / ``Diff(F, V, U)`` (eliminated by the C++ pass
kred-autodiff), through ``GenredAutograd`` again, so that gradients of
gradients are reductions too (any order).

Notation: the reduction runs over ``axis`` (1: over j, the output is indexed
by i); "output-index" variables have the output's category, "reduced-index"
variables the other one; parameters are reduced over both indices. ``E`` is
the gradient of the output (``grad_output``), ``R`` the saved forward result.

- Sum: ``g_V = Sum Grad(F, V, E)``, over ``axis`` for output-index variables
  and parameters (then summed over the rows), over the other axis for
  reduced-index variables. Variables whose gradients run over the same axis
  share one kernel (``Concat`` of their Grads).
- LogSumExp (weight G optional): ``r = log Sum exp(F) G``; with R = r held
  fixed, ``g_V = Sum Grad(Exp(F - R) * G, V, E)`` (the forward result is
  reused: no max/sum recomputation).
- SumSoftMaxWeight: ``r = Sum w G`` with ``w = exp(F - lse)``:
  ``dr = Sum w ((G - r) dF + dG)``. Output-index variables and parameters: a
  SumSoftMaxWeight reduction of ``F`` with weight
  ``Grad(F, V, <E, G - R>) + Grad(G, V, E)`` (no extra pass). Reduced-index
  variables need ``lse`` (one LogSumExp reduction), then
  ``Sum Grad(Exp(F - LSE) * (G - R), V, E)`` over the other axis.
- Max_SumShiftExp(Weight) (raw ``(m, s)`` columns): the Sum part with ``m``
  fixed, plus ``(E_m - <E_s, s>) dF`` at the argmax (a selection, below),
  computed only when that coefficient is not zero.
- Min, Max, KMin and their *_Arg* forms: the forward runs the *_Arg* kernel
  to know the selected indices j*(i, k, d); the derivative is
  ``Grad(F, V, E_ikd e_d)`` evaluated at the selected pairs only
  (reduced-index variables gathered in torch, a kernel whose reduced range
  has size 1), then summed per i and scattered (``scatter_add``) per j*:
  exact, O(M K D) instead of O(M N), and differentiable again. Ties: the
  kernel's (lowest) index. Padding (K > N, index -1): no gradient.
- Index outputs (ArgMin, ..., the indices of *_Arg*) are not differentiable.

Batch dimensions: the derived reductions run on the broadcast batch; each
gradient is summed back to its input's shape (``sum_to_size``).

``GenredAutograd.vmap`` moves the vmapped dimension to a leading batch
dimension (as pykeops does); ``GenredAutograd.jvp`` is forward mode with
``Diff`` formulas.
"""

import torch

from kred.common import autodiff as ad
from kred.common import genred as _core
from kred.common.parse import FLOAT_DTYPES, INDEX_REDUCTIONS
from kred.torch._tools import TorchTools

#: Reductions whose derivative goes through the selected indices, and the
#: kernel that also returns those indices.
SELECT_VARIANT = {
    "Min": "Min_ArgMin",
    "Max": "Max_ArgMax",
    "KMin": "KMin_ArgKMin",
    "Min_ArgMin": "Min_ArgMin",
    "Max_ArgMax": "Max_ArgMax",
    "KMin_ArgKMin": "KMin_ArgKMin",
}


class Call:
    """What one reduction call is, passed (as a non-tensor) through ``GenredAutograd.apply``.

    ``spec``: the user's reduction; ``run``: the kernel actually run (the
    *_Arg* form of Min/Max/KMin when gradients may be needed).
    """

    __slots__ = ("spec", "run", "backend", "device_id", "ranges", "caller", "has_values", "has_indices")

    def __init__(self, spec, backend="auto", device_id=-1, ranges=None, caller="Genred", track=True):
        self.spec = spec
        run = spec
        if track and spec.reduction in SELECT_VARIANT and SELECT_VARIANT[spec.reduction] != spec.reduction:
            run = ad.derived_from(spec, spec.formula, SELECT_VARIANT[spec.reduction], spec.axis, None, spec.opt_arg)
        self.run = run
        self.backend = backend
        self.device_id = device_id
        self.ranges = ranges
        self.caller = caller
        self.has_values = run.reduction not in INDEX_REDUCTIONS
        self.has_indices = run.reduction in INDEX_REDUCTIONS or run.reduction in SELECT_VARIANT

    def derived(self, spec, ranges=True):
        """A Call for a derived reduction, on the same backend.

        With ranges=True it keeps this call's block-sparse ``ranges``: the
        6-tuple holds both axes' triples, and each derived reduction uses
        the one of its own axis (as pykeops does); ranges=False for the
        kernels over selected pairs, which are dense.
        """
        return Call(spec, self.backend, self.device_id, self.ranges if ranges else None, "Genred (derivative)", track=True)

    # Hooks that kred.distributed's DistCall overrides (sharded variables).

    def execute(self, args):
        """Runs the kernel (no autograd): the raw outputs, (values,), (values, indices) or (indices,)."""
        values, indices, _ = _core.run(self.run, TorchTools, args, self.backend, self.device_id, self.ranges, None,
                                       self.caller)
        return tuple(t for t in (values, indices) if t is not None)

    def pairs(self, lay, idx, D):
        """The selected pairs of a selection reduction (see _Pairs)."""
        return _Pairs(lay, idx, D)

    def row_total(self, g, cat):
        """Sum over the output rows (of category `cat`) of the per-row gradients of a parameter."""
        return g.sum(-2)


# ---------------------------------------------------------------------------
# When a call must go through the autograd.Function


def _is_functorch(t):
    try:
        return torch._C._functorch.is_functorch_wrapped_tensor(t)
    except AttributeError:  # pragma: no cover - older torch
        return False


def _has_tangent(t):
    try:
        from torch.autograd import forward_ad

        if getattr(forward_ad, "_current_level", -1) < 0:
            return False
        return forward_ad.unpack_dual(t).tangent is not None
    except Exception:  # pragma: no cover - defensive
        return False


def tracked(args):
    """True when some tensor needs autograd: requires_grad (grad mode on), torch.func wrappers, forward-AD duals."""
    tensors = [a for a in args if isinstance(a, torch.Tensor)]
    if torch.is_grad_enabled() and any(t.requires_grad for t in tensors):
        return True
    return any(_is_functorch(t) or _has_tangent(t) for t in tensors)


def run_raw(call, args):
    """Raw outputs (values and/or indices, as a tuple) of `call` on `args`, differentiable when needed."""
    native = getattr(call, "native", None)  # kred.torch._library.NativeCall: through the torch.library op
    if native is not None:
        return native(args)
    if tracked(args):
        return GenredAutograd.apply(call, *args)
    return call.execute(args)


def _dtype(args):
    for a in args:
        name = TorchTools.dtype_name(a)
        if name in FLOAT_DTYPES:
            return name
    return "float32"


def _fit(spec, args):
    """The arguments of a derived reduction: positions past the ones its formulas use are dropped.

    Derived reductions are called with their parent's arguments plus extra
    inputs; one that only reads some of them (the LogSumExp of F inside the
    derivative of a reduction that had extra inputs, ...) takes a prefix.
    """
    n = spec.signature(_dtype(args)).nargs
    return tuple(args[:n]) if len(args) > n else tuple(args)


def _values(parent, spec, args, ranges=True):
    """Values of the derived reduction `spec` (a single raw tensor), differentiable when needed."""
    return run_raw(parent.derived(spec, ranges), _fit(spec, args))[0]


def _indices(parent, spec, args):
    """Indices of a derived Arg reduction (never differentiable)."""
    return run_raw(parent.derived(spec), _fit(spec, args))[-1]


# ---------------------------------------------------------------------------
# The Function


class GenredAutograd(torch.autograd.Function):
    """out = Red_{axis} F(args); outputs are the raw kernel outputs: (values,), (values, indices) or (indices,)."""

    @staticmethod
    def forward(call, *args):
        return call.execute(args)

    @staticmethod
    def setup_context(ctx, inputs, outputs):
        call, *args = inputs
        ctx.call = call
        ctx.nargs = len(args)
        if call.has_indices:
            ctx.mark_non_differentiable(outputs[-1])
        ctx.save_for_backward(*args, *outputs)
        ctx.save_for_forward(*args, *outputs)

    @staticmethod
    def backward(ctx, *grad_outputs):
        call, n = ctx.call, ctx.nargs
        needs = ctx.needs_input_grad[1:]
        if not call.has_values or not any(needs):
            return (None,) * (n + 1)
        saved = ctx.saved_tensors
        args, outs = saved[:n], saved[n:]
        eta = grad_outputs[0]
        if eta is None:
            eta = torch.zeros_like(outs[0])
        return (None, *genred_vjp(call, args, outs, eta, needs))

    @staticmethod
    def jvp(ctx, *grad_inputs):
        call, n = ctx.call, ctx.nargs
        saved = ctx.saved_tensors
        args, outs = saved[:n], saved[n:]
        tangents = grad_inputs[1:]
        res = []
        if call.has_values:
            res.append(genred_jvp(call, args, outs, tangents))
        if call.has_indices:
            res.append(None)
        return tuple(res) if len(res) > 1 else res[0]

    @staticmethod
    def vmap(info, in_dims, call, *args):
        return genred_vmap(info, in_dims[1:], call, args)


# ---------------------------------------------------------------------------
# Shapes


def sum_to(g, shape):
    """Sums a gradient computed on the broadcast batch back to an input's `shape`."""
    shape = tuple(shape)
    if tuple(g.shape) == shape:
        return g
    tgt = shape if shape else (1,)
    while len(tgt) > g.dim() and tgt[0] == 1:
        tgt = tgt[1:]
    g = g.sum_to_size(*tgt)
    return g.reshape(shape)


class _Layout:
    """Categories and dimensions of a reduction's arguments, for one dtype."""

    def __init__(self, spec, args):
        sig = spec.signature(_dtype(args))
        self.n = sig.nargs
        self.cats = sig.cats
        self.dims = sig.dims
        self.vd = sig.vd
        self.axis = spec.axis
        self.oc = 1 - spec.axis  # category of the output index
        self.rc = spec.axis  # category of the reduced index

    def ref(self, p, cat=None):
        return ad.var(p, self.dims[p], self.cats[p] if cat is None else cat)

    def used(self, flags):
        return [p for p in range(self.n) if flags[p] and self.cats[p] >= 0]


def _split(g, positions, dims):
    out, off = {}, 0
    for p in positions:
        out[p] = g[..., off : off + dims[p]]
        off += dims[p]
    return out


def _add(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return a + b


# ---------------------------------------------------------------------------
# Backward (vector-Jacobian products)


def genred_vjp(call, args, outs, eta, needs):
    """Gradients of the values of `call` w.r.t. each of `args` (None where not needed)."""
    red = call.spec.reduction
    if red == "Sum":
        return _vjp_sum(call, args, eta, needs)
    if red in ("LogSumExp", "LogSumExpWeight"):
        return _vjp_logsumexp(call, args, outs[0], eta, needs)
    if red == "SumSoftMaxWeight":
        return _vjp_softmax(call, args, outs[0], eta, needs)
    if red in ("Max_SumShiftExp", "Max_SumShiftExpWeight"):
        return _vjp_shift(call, args, outs[0], eta, needs)
    if red in SELECT_VARIANT:
        lay = _Layout(call.run, args)
        K = call.spec.opt_arg or 1
        return _vjp_select(call, lay, call.spec.formula, args, outs[-1], eta, needs, lay.vd // K)
    raise NotImplementedError(f"kred: no gradient for the {red} reduction")  # pragma: no cover


def _grad_reductions(call, lay, args, extra, needs, term, reduction="Sum", formula=None, by_axis=None):
    """Runs Sum reductions of Concat(term(V) ...) grouped by target axis; returns the list of gradients.

    term(ref) -> formula of the gradient w.r.t. the variable `ref`; `extra`
    are the extra inputs (positions n, n+1, ...). Output-index variables and
    parameters are reduced over the forward axis (parameters then summed over
    the rows), reduced-index variables over the other axis.
    """
    spec = call.spec
    grads = [None] * len(args)
    groups = {}
    for p in lay.used(needs):
        tgt = lay.axis if lay.cats[p] in (lay.oc, 2) else 1 - lay.axis
        if by_axis is not None and tgt not in by_axis:
            continue
        groups.setdefault(tgt, []).append(p)
    for tgt, ps in groups.items():
        f = ad.concat(term(lay.ref(p)) for p in ps)
        dspec = ad.derived_from(spec, f, reduction, tgt)
        g = _values(call, dspec, tuple(args) + tuple(extra))
        for p, gp in _split(g, ps, lay.dims).items():
            if lay.cats[p] == 2:
                gp = call.row_total(gp, lay.oc)
            grads[p] = sum_to(gp, args[p].shape)
    return grads


def _vjp_sum(call, args, eta, needs):
    lay = _Layout(call.spec, args)
    F = ad.paren(call.spec.formula)
    E = ad.var(lay.n, lay.vd, lay.oc)
    return _grad_reductions(call, lay, args, (eta,), needs, lambda V: ad.grad(F, V, E))


def _exp_weight(spec, R):
    """Exp(F - R) * G (or Exp(F - R) without weight): the terms of the log-sum-exp family with R fixed."""
    h = f"Exp({ad.paren(spec.formula)} - {R})"
    if spec.formula2:
        h = f"{h}*{ad.paren(spec.formula2)}"
    return h


def _vjp_logsumexp(call, args, r, eta, needs):
    lay = _Layout(call.spec, args)
    E, R = ad.var(lay.n, lay.vd, lay.oc), ad.var(lay.n + 1, lay.vd, lay.oc)
    H = _exp_weight(call.spec, R)
    return _grad_reductions(call, lay, args, (eta, r), needs, lambda V: ad.grad(H, V, E))


def _vjp_softmax(call, args, r, eta, needs):
    spec = call.spec
    lay = _Layout(spec, args)
    F, G = ad.paren(spec.formula), ad.paren(spec.formula2)
    E, R = ad.var(lay.n, lay.vd, lay.oc), ad.var(lay.n + 1, lay.vd, lay.oc)
    grads = [None] * len(args)
    # output-index variables and parameters: a SumSoftMaxWeight reduction over the same axis
    same = [p for p in lay.used(needs) if lay.cats[p] in (lay.oc, 2)]
    if same:
        coef = f"({E}|({G} - {R}))"
        w = ad.concat(f"{ad.grad(F, lay.ref(p), coef)} + {ad.grad(G, lay.ref(p), E)}" for p in same)
        dspec = ad.derived_from(spec, F, "SumSoftMaxWeight", lay.axis, w)
        g = _values(call, dspec, tuple(args) + (eta, r))
        if call.ranges is not None:
            # rows with nothing to reduce: 0/0 in the derived softmax, but no gradient
            from kred.common.ranges import empty_rows

            empty = torch.from_numpy(empty_rows(call.ranges, lay.axis, g.shape[-2])).to(g.device)
            if bool(empty.any()):
                g = torch.where(empty[:, None], 0.0, g)
        for p, gp in _split(g, same, lay.dims).items():
            if lay.cats[p] == 2:
                gp = call.row_total(gp, lay.oc)
            grads[p] = sum_to(gp, args[p].shape)
    # reduced-index variables: the softmax weights need the log-sum-exp of F
    other = [p for p in lay.used(needs) if lay.cats[p] == lay.rc]
    if other:
        lspec = ad.derived_from(spec, spec.formula, "LogSumExp", lay.axis)
        lse = _values(call, lspec, tuple(args))
        L = ad.var(lay.n + 2, 1, lay.oc)
        H = f"Exp({F} - {L})*({G} - {R})"
        flags = [p in other for p in range(len(args))]
        g2 = _grad_reductions(call, lay, args, (eta, r, lse), flags, lambda V: ad.grad(H, V, E))
        grads = [_add(a, b) for a, b in zip(grads, g2)]
    return grads


def _shift_parts(spec, lay):
    """(DG, Exp(F - m) * G with m = Extract(R, 0, 1)) of Max_SumShiftExp(Weight), R at position n+1."""
    dg = lay.vd - 1
    R = ad.var(lay.n + 1, lay.vd, lay.oc)
    h = f"Exp({ad.paren(spec.formula)} - Extract({R},0,1))"
    if spec.formula2:
        h = f"{h}*{ad.paren(spec.formula2)}"
    return dg, h


def _argmax_of_F(call, lay, args):
    spec = call.spec
    aspec = ad.derived_from(spec, spec.formula, "ArgMax", lay.axis)
    return _indices(call, aspec, args)


def _no_data(t):
    """True when `t` has no values to branch on: torch.func wrappers, and the fake or functional tensors
    torch.compile traces with (a data-dependent shortcut would break the graph there)."""
    if _is_functorch(t):
        return True
    from torch._subclasses.fake_tensor import FakeTensor
    from torch._subclasses.functional_tensor import FunctionalTensor

    return isinstance(t, (FakeTensor, FunctionalTensor))


def _needs_graph(t):
    return _is_functorch(t) or (torch.is_grad_enabled() and t.requires_grad)


def _vjp_shift(call, args, ms, eta, needs):
    """Raw (m, s): ds = Sum e^(F-m) (G dF + dG) - s dm, dm = dF at the argmax."""
    spec = call.spec
    lay = _Layout(spec, args)
    dg, H = _shift_parts(spec, lay)
    E = ad.var(lay.n, lay.vd, lay.oc)
    Es = f"Extract({E},1,{dg})"
    grads = _grad_reductions(call, lay, args, (eta, ms), needs, lambda V: ad.grad(H, V, Es))
    c = eta[..., 0:1] - (eta[..., 1:] * ms[..., 1:]).sum(-1, keepdim=True)
    if _needs_graph(c) or _no_data(c) or bool(torch.any(c != 0)):
        idx = _argmax_of_F(call, lay, args)
        g2 = _vjp_select(call, lay, spec.formula, args, idx, c, needs, 1)
        grads = [_add(a, b) for a, b in zip(grads, g2)]
    return grads


# --- selections -------------------------------------------------------------


class _Pairs:
    """The selected (output row, reduced index) pairs of a selection: p = row * KD + c, c = k * D + d."""

    def __init__(self, lay, idx, D):
        self.lay = lay
        self.batch = tuple(idx.shape[:-2])
        self.rows, self.kd = idx.shape[-2], idx.shape[-1]
        self.P = self.rows * self.kd
        self.D = D
        self.valid = idx >= 0
        # (no data-dependent shortcut under torch.func transforms or torch.compile)
        self.all_valid = not _no_data(idx) and bool(self.valid.all())
        self.idx = idx if self.all_valid else idx.clamp(min=0)

    def gather(self, a, cat):
        """The argument of a pair kernel: output-index rows repeated, reduced-index rows gathered."""
        lay = self.lay
        if cat == lay.oc:
            if self.kd == 1:
                return a
            s = tuple(a.shape)
            return a.unsqueeze(-2).expand(s[:-1] + (self.kd, s[-1])).reshape(s[:-2] + (self.P, s[-1]))
        if cat == lay.rc:
            dv = a.shape[-1]
            full = a.expand(self.batch + tuple(a.shape[-2:]))
            index = self.idx.reshape(self.batch + (self.P, 1)).expand(self.batch + (self.P, dv))
            return torch.gather(full, -2, index)
        return a

    def scatter(self, g, a, cat):
        """Gradient of input `a` from the per-pair gradients g (batch + (P, dim))."""
        lay = self.lay
        dv = g.shape[-1]
        if not self.all_valid:
            g = torch.where(self.valid.reshape(self.batch + (self.P, 1)), g, 0.0)
        if cat == lay.oc:
            g = g.reshape(self.batch + (self.rows, self.kd, dv)).sum(-2)
        elif cat == lay.rc:
            index = self.idx.reshape(self.batch + (self.P, 1)).expand(self.batch + (self.P, dv))
            zeros = torch.zeros(self.batch + (a.shape[-2], dv), dtype=g.dtype, device=g.device)
            g = zeros.scatter_add(-2, index, g)
        else:
            g = self.row_total(g)
        return sum_to(g, a.shape)

    def row_total(self, g):
        """A parameter's gradient: the sum over the pairs (all of the output rows)."""
        return g.sum(-2)

    def component(self):
        """d = c % D of every column c of a row (an int64 tensor of size KD)."""
        return torch.arange(self.kd, device=self.idx.device) % self.D


def _pair_spec(call, lay, formula, terms):
    spec = call.spec
    f, aliases = ad.recategorize(formula, tuple(spec.aliases), lay.rc, lay.oc)
    return ad.derived_spec(terms(f), aliases, "Sum", lay.axis, fast_math=spec.fast_math)


def _vjp_select(call, lay, formula, args, idx, eta, needs, D):
    """Gradients through the selected pairs: eta (batch + (rows, K*D)) and idx of the same shape."""
    pairs = call.pairs(lay, idx, D)
    ps = lay.used(needs)
    if not ps:
        return [None] * len(args)
    if not pairs.all_valid:
        eta = torch.where(pairs.valid, eta, 0.0)
    if D == 1:
        e = eta.reshape(pairs.batch + (pairs.P, 1))
    else:
        onehot = torch.eye(D, dtype=eta.dtype, device=eta.device)[pairs.component()]  # (KD, D)
        e = (eta.unsqueeze(-1) * onehot).reshape(pairs.batch + (pairs.P, D))
    gathered = tuple(pairs.gather(a, lay.cats[p]) if lay.cats[p] >= 0 else a for p, a in enumerate(args))
    E = ad.var(lay.n, D, lay.oc)

    def terms(f):
        return ad.concat(ad.grad(ad.paren(f), lay.ref(p, lay.oc if lay.cats[p] == lay.rc else None), E) for p in ps)

    pspec = _pair_spec(call, lay, formula, terms)
    g = _values(call, pspec, gathered + (e,), ranges=False)
    grads = [None] * len(args)
    for p, gp in _split(g, ps, lay.dims).items():
        grads[p] = pairs.scatter(gp, args[p], lay.cats[p])
    return grads


# ---------------------------------------------------------------------------
# Forward mode (Jacobian-vector products)


def genred_jvp(call, args, outs, tangents):
    """Tangent of the values of `call` given the tangents of `args` (None: zero)."""
    red = call.spec.reduction
    lay = _Layout(call.run, args)
    ps = [p for p in range(lay.n) if tangents[p] is not None and lay.cats[p] >= 0]
    if not ps:
        return torch.zeros_like(outs[0])
    tans = tuple(tangents[p] for p in ps)
    spec = call.spec
    if red in SELECT_VARIANT:
        K = spec.opt_arg or 1
        return _jvp_select(call, lay, spec.formula, args, outs[-1], ps, tans, lay.vd // K)
    if red == "Sum":
        return _jvp_reduction(call, lay, args, ps, tans, (), lambda V, U: ad.diff(ad.paren(spec.formula), V, U))
    if red in ("LogSumExp", "LogSumExpWeight"):
        R = ad.var(lay.n, lay.vd, lay.oc)
        H = _exp_weight(spec, R)
        return _jvp_reduction(call, lay, args, ps, tans, (outs[0],), lambda V, U: ad.diff(H, V, U))
    if red == "SumSoftMaxWeight":
        F, G = ad.paren(spec.formula), ad.paren(spec.formula2)
        R = ad.var(lay.n, lay.vd, lay.oc)

        def term(V, U):
            return f"{ad.diff(F, V, U)}*({G} - {R}) + {ad.diff(G, V, U)}"

        return _jvp_reduction(call, lay, args, ps, tans, (outs[0],), term, reduction="SumSoftMaxWeight")
    if red in ("Max_SumShiftExp", "Max_SumShiftExpWeight"):
        ms = outs[0]
        dg = lay.vd - 1
        Rm = ad.var(lay.n, lay.vd, lay.oc)
        h = f"Exp({ad.paren(spec.formula)} - Extract({Rm},0,1))"
        if spec.formula2:
            h = f"{h}*{ad.paren(spec.formula2)}"
        ds = _jvp_reduction(call, lay, args, ps, tans, (ms,), lambda V, U: ad.diff(h, V, U))
        idx = _argmax_of_F(call, lay, args)
        dm = _jvp_select(call, lay, spec.formula, args, idx, ps, tans, 1)
        return torch.cat([dm, ds - ms[..., 1 : 1 + dg] * dm], dim=-1)
    raise NotImplementedError(f"kred: no forward-mode derivative for the {red} reduction")  # pragma: no cover


def _jvp_reduction(call, lay, args, ps, tans, extra, term, reduction="Sum"):
    """One reduction over the forward axis of sum_V term(V, U_V); tangents after `extra`."""
    spec = call.spec
    base = lay.n + len(extra)
    f = " + ".join(term(lay.ref(p), ad.var(base + k, lay.dims[p], lay.cats[p])) for k, p in enumerate(ps))
    if reduction == "SumSoftMaxWeight":
        dspec = ad.derived_from(spec, spec.formula, reduction, lay.axis, f)
    else:
        dspec = ad.derived_from(spec, f, reduction, lay.axis)
    return _values(call, dspec, tuple(args) + tuple(extra) + tuple(tans))


def _jvp_select(call, lay, formula, args, idx, ps, tans, D):
    pairs = call.pairs(lay, idx, D)
    gathered = tuple(pairs.gather(a, lay.cats[p]) if lay.cats[p] >= 0 else a for p, a in enumerate(args))
    gtans = tuple(pairs.gather(t, lay.cats[p]) for p, t in zip(ps, tans))

    def terms(f):
        return " + ".join(
            ad.diff(ad.paren(f), lay.ref(p, lay.oc if lay.cats[p] == lay.rc else None),
                    ad.var(lay.n + k, lay.dims[p], lay.oc if lay.cats[p] == lay.rc else lay.cats[p]))
            for k, p in enumerate(ps)
        )

    pspec = _pair_spec(call, lay, formula, terms)
    t = _values(call, pspec, gathered + gtans, ranges=False)  # batch + (P, D)
    if D > 1:
        t = t.reshape(pairs.batch + (pairs.rows, pairs.kd, D))
        d = pairs.component().reshape((1,) * (len(pairs.batch) + 1) + (pairs.kd, 1))
        t = torch.gather(t, -1, d.expand(pairs.batch + (pairs.rows, pairs.kd, 1))).squeeze(-1)
    else:
        t = t.reshape(pairs.batch + (pairs.rows, pairs.kd))
    if not pairs.all_valid:
        t = torch.where(pairs.valid, t, 0.0)
    return t


# ---------------------------------------------------------------------------
# vmap


def genred_vmap(info, in_dims, call, args):
    """torch.func.vmap rule: the vmapped dimension becomes a leading batch dimension."""
    lay = _Layout(call.run, args)
    per = [tuple(a.shape) if d is None else tuple(a.shape[:d] + a.shape[d + 1 :]) for a, d in zip(args, in_dims)]
    ij = [p for p in range(lay.n) if lay.cats[p] in (0, 1)]
    pm = [p for p in range(lay.n) if lay.cats[p] == 2]
    if ij:
        nb = max(len(per[p]) - 2 for p in ij)
    else:
        nb = max([max(len(per[p]), 1) - 1 for p in pm] + [0])
    new = list(args)
    for p, (a, d) in enumerate(zip(args, in_dims)):
        if lay.cats[p] < 0:
            continue
        a = a.unsqueeze(0) if d is None else a.movedim(d, 0)
        s = per[p]
        if lay.cats[p] == 2:
            s = s if s else (1,)
            b = s[:-1]
            if len(b) > nb:
                b = b[len(b) - nb :]
            a = a.reshape(a.shape[:1] + (1,) * (nb - len(b)) + tuple(b) + s[-1:])
        else:
            a = a.reshape(a.shape[:1] + (1,) * (nb - (len(s) - 2)) + s)
        new[p] = a
    outs = run_raw(call, new)
    return outs, (0,) * len(outs)
