"""kred.distributed: kred reductions over variables sharded across processes (torch.distributed).

Every kred reduction is a monoid (init, accumulate, merge, finalize: see
dialect/ReductionKinds.cpp), so a reduction split over processes is exact:
each rank reduces its part to *unfinalized states* (``launch_states`` of the
runtime, API version 5), the states are exchanged, and the kernel's own
generated merge folds them in rank order and finalizes (``merge_states``):
no Python arithmetic on the states, and the tie rule of one device (the
lowest global index wins) holds across ranks.

Layouts (``shard=``): which index's variables are split across the ranks of
the process group, each rank holding a contiguous slice, in rank order
(rank 0 the first rows); the other index's variables are replicated (the
same full tensor on every rank). Parameters are always replicated.

- ``"j"``: j-variables sharded, i-variables replicated. A reduction over j
  (``axis=1``) runs on the local slice, all-gathers the states (O(M * state)
  bytes, independent of N) and returns the full result on every rank; a
  reduction over i (``axis=0``) returns this rank's rows (no communication).
- ``"i"``: the mirror image (i sharded, j replicated).
- ``"ij"``: both sharded (each rank owns a slice of the queries and a slice
  of the database): the reduced variables are *ring-passed* (each rank sends
  its slice to the next one while it reduces the slice it holds), so no rank
  ever holds the whole database; each rank gets its own output rows.

Indices returned by Arg/KMin reductions are global (positions in the
concatenation of the shards). Autograd goes through: gradients are
reductions again (kred/torch/autograd.py) and run in the same layout, so a
rank gets the gradient of its own shard of a sharded variable and the full
gradient of a replicated one. The objective being differentiated is the
(identical) loss every rank computes when the output is replicated, and the
sum of the ranks' losses when the output is sharded (then the gradients of
replicated inputs are all-reduced).

Errors: inputs are checked on every rank before anything is exchanged, and a
rank whose call fails makes every rank raise (with that rank's message)
instead of leaving the others waiting in a collective. A rank that dies
mid-call leaves the others waiting until the process group's ``timeout``
(``torch.distributed.init_process_group(..., timeout=...)``).

Not supported here: batch dimensions of the sharded reductions, ``ranges=``
and ``out=`` (each raises), and torch.compile.

Example (``torchrun --nproc_per_node=2 examples/distributed/gaussian_sum.py``)::

    import torch, torch.distributed as dist, kred.distributed as kd
    dist.init_process_group("gloo")
    x = torch.randn(1000, 3)                       # every rank: all queries
    y = kd.shard_rows(torch.randn(10**6, 3))       # every rank: its slice of the database
    g = kd.Genred("Exp(-SqDist(x,y))", ["x=Vi(3)", "y=Vj(3)"], axis=1, shard="j")
    s = g(x, y)                                    # the full (1000, 1) sum, on every rank
"""

import contextlib
import zlib

import torch
import torch.distributed as dist

from kred.common import dlpack
from kred.common import genred as _core
from kred.common.backends import resolve_backend
from kred.common.frontend import GenredBase, KernelSolveBase
from kred.common.parse import FLOAT_DTYPES, INDEX_REDUCTIONS, TUPLE_REDUCTIONS, DtypeError
from kred.torch import _sharding
from kred.torch._tools import TorchTools
from kred.torch.autograd import Call, _Pairs, run_raw, sum_to, tracked

__all__ = ["Genred", "KernelSolve", "comm_stats", "shard_bounds", "shard_rows", "sharded"]

#: shard= -> the categories (0: i, 1: j) whose variables are split across the ranks.
SHARDS = {"j": frozenset({1}), "i": frozenset({0}), "ij": frozenset({0, 1})}
_TORCH_DTYPES = {
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "float32": torch.float32,
    "float64": torch.float64,
}
_LABEL = {0: "i", 1: "j"}

_stats = {"bytes": 0, "collectives": 0}


def comm_stats(reset=False):
    """Bytes this process sent (payload, as counted by kred) and collectives it entered, since the last reset."""
    out = dict(_stats)
    if reset:
        _stats.update(bytes=0, collectives=0)
    return out


def shard_bounds(n, group=None):
    """(start, stop) of this rank's contiguous slice of n rows: the first n % size ranks get one more row."""
    size, rank = dist.get_world_size(group), dist.get_rank(group)
    q, r = divmod(int(n), size)
    start = rank * q + min(rank, r)
    return start, start + q + (1 if rank < r else 0)


def shard_rows(t, group=None):
    """This rank's slice of the rows (dimension -2) of `t` (see shard_bounds), as a contiguous tensor."""
    start, stop = shard_bounds(t.shape[-2], group)
    return t[..., start:stop, :].contiguous()


# ---------------------------------------------------------------------------
# The layout (what sharded() installs) and its collectives


class Layout:
    """Which categories are sharded over which process group; runs the reductions called under it."""

    def __init__(self, shard="j", group=None):
        if shard not in SHARDS:
            raise ValueError(f"kred.distributed: shard must be one of {', '.join(map(repr, SHARDS))}, got {shard!r}")
        if not dist.is_available() or not dist.is_initialized():
            raise RuntimeError(
                "kred.distributed: torch.distributed is not initialized; call "
                "torch.distributed.init_process_group(...) first (gloo for CPU tensors, nccl for CUDA tensors)"
            )
        self.shard = shard
        self.sharded = SHARDS[shard]
        self.group = group
        self.size = dist.get_world_size(group)
        self.rank = dist.get_rank(group)
        self.nccl = dist.get_backend(group) == "nccl"

    def __repr__(self):
        return f"kred.distributed.Layout(shard={self.shard!r}, rank={self.rank}, size={self.size})"

    # --- collectives -------------------------------------------------------

    def comm_device(self, like=None):
        if self.nccl:
            return like.device if like is not None and like.is_cuda else torch.device("cuda", torch.cuda.current_device())
        return torch.device("cpu")

    def global_rank(self, r):
        return r if self.group is None else dist.get_global_rank(self.group, r)

    def all_gather(self, t):
        """[t of rank 0, t of rank 1, ...] (t has the same shape on every rank)."""
        dev = t.device
        c = t.to(self.comm_device(t)).contiguous()
        parts = [torch.empty_like(c) for _ in range(self.size)]
        dist.all_gather(parts, c, group=self.group)
        _stats["bytes"] += c.numel() * c.element_size() * (self.size - 1)
        _stats["collectives"] += 1
        return [p.to(dev) for p in parts]

    def all_ints(self, values):
        """The lists of int64 `values` of every rank."""
        t = torch.tensor(list(values), dtype=torch.int64)
        return [p.tolist() for p in self.all_gather(t)]

    def total(self, t, cat):
        """`t` summed over the ranks when category `cat` is sharded (differentiable), else `t`."""
        if cat not in self.sharded or self.size == 1:
            return t
        return _AllReduce.apply(t, self)

    def ring_step(self, tensors):
        """Sends `tensors` to the next rank and receives the previous rank's: returns (wait(), received)."""
        nxt = self.global_rank((self.rank + 1) % self.size)
        prv = self.global_rank((self.rank - 1) % self.size)
        received = [torch.empty_like(t) for t in tensors]
        ops = []
        for t, r in zip(tensors, received):
            ops.append(dist.P2POp(dist.isend, _bytes(t), nxt, self.group))
            ops.append(dist.P2POp(dist.irecv, _bytes(r), prv, self.group))
            _stats["bytes"] += t.numel() * t.element_size()
        _stats["collectives"] += 1
        reqs = dist.batch_isend_irecv(ops)

        def wait():
            for q in reqs:
                q.wait()
            return received

        return wait

    def ring(self, blocks, sizes):
        """Passes this rank's `blocks` (tensors of sizes[rank] rows) around the ring of ranks: yields
        (src, [the blocks of rank src]) for every rank, the next slices travelling while the caller works."""
        nmax = max(max(sizes), 1)
        held = []
        for t in blocks:
            buf = torch.zeros((nmax, t.shape[-1]), dtype=t.dtype, device=self.comm_device(t))
            buf[: sizes[self.rank]] = t
            held.append(buf)
        for step in range(self.size):
            wait = self.ring_step(held) if step < self.size - 1 else None
            src = (self.rank - step) % self.size
            yield src, [b[: sizes[src]] for b in held]
            if wait is not None:
                held = wait()

    def sum_(self, t):
        """All-reduce (sum) of `t` over the ranks, in place on a copy on the communication device."""
        c = t.to(self.comm_device(t)).clone(memory_format=torch.contiguous_format)
        dist.all_reduce(c, group=self.group)
        _stats["bytes"] += c.numel() * c.element_size()
        _stats["collectives"] += 1
        return c.to(t.device)

    def agree(self, failure, meta, caller):
        """Exchanges (failed?, meta...) with every rank; raises on every rank if one failed; returns the metas."""
        rows = self.all_ints([1 if failure is not None else 0] + list(meta))
        failed = [r for r, m in enumerate(rows) if m[0]]
        if failed:
            messages = [None] * self.size
            dist.all_gather_object(messages, None if failure is None else f"{type(failure).__name__}: {failure}",
                                   group=self.group)
            if failure is not None:
                raise failure
            r = failed[0]
            raise RuntimeError(f"kred.distributed: {caller} failed on rank {r}: {messages[r]}")
        return [m[1:] for m in rows]

    # --- entry points --------------------------------------------------------

    def call(self, spec, args, backend, device_id, ranges, out, caller):
        """What kred.torch's genred_call does under sharded(): raw (values, indices) of the reduction."""
        if ranges is not None:
            raise NotImplementedError(f"{caller}: ranges= (block-sparse reductions) is not supported by kred.distributed")
        if out is not None:
            raise ValueError(f"{caller}: out= is not supported by kred.distributed (the result is a new tensor)")
        args = dlpack.convert(args, TorchTools.is_array, torch.from_dlpack)
        call = DistCall(spec, backend, device_id, caller, self, track=tracked(args))
        outs = run_raw(call, args)
        values = outs[0] if call.has_values else None
        indices = outs[-1] if call.has_indices else None
        if spec.reduction not in TUPLE_REDUCTIONS and spec.reduction not in INDEX_REDUCTIONS:
            indices = None  # Min/Max/KMin: the indices were only kept for the gradient
        return values, indices

    def run(self, call, args):
        """The raw outputs of one reduction on this rank's shards (see the module's docstring)."""
        plan, failure = None, None
        try:
            plan = _Plan(self, call, args)
            meta = plan.prepare()
        except Exception as e:  # noqa: BLE001 - re-raised on this rank, reported on the others
            failure, meta = e, [0, 0, 0]
        metas = self.agree(failure, meta, call.caller)
        return plan.finish(metas)


class _AllReduce(torch.autograd.Function):
    """Sum over the ranks; its adjoint (the gradient of a sum of the ranks' losses) is the same sum."""

    @staticmethod
    def forward(ctx, t, layout):
        ctx.layout = layout
        return layout.sum_(t)

    @staticmethod
    def backward(ctx, grad):
        return _AllReduce.apply(grad, ctx.layout), None


def _bytes(t):
    """`t` (contiguous) as uint8, so that every dtype travels through every process-group backend."""
    return t.reshape(-1).view(torch.uint8)


class _Plan:
    """One reduction call on one rank: checks, the local part, then the exchange."""

    def __init__(self, layout, call, args):
        self.layout, self.call, self.args = layout, call, tuple(args)
        self.spec = call.run

    def prepare(self):
        """Checks and runs what needs no other rank; returns this rank's metadata (key, rows, reduced count)."""
        spec, args, caller = self.spec, self.args, self.call.caller
        describe = spec.describe
        for pos, a in enumerate(args):
            if not isinstance(a, torch.Tensor):
                raise TypeError(f"{caller}: {describe(pos)} must be a torch.Tensor, got {type(a).__name__}")
        backend = resolve_backend(self.call.backend, [(p, TorchTools.device(a)) for p, a in enumerate(args)],
                                  describe, self.call.device_id)
        if backend.host:
            raise ValueError(
                f"{caller}: kred.distributed runs GPU backends on CUDA tensors only (backend={self.call.backend!r} "
                "got CPU tensors); move them with .cuda()"
            )
        self.backend = backend
        dtype = next((TorchTools.dtype_name(a) for a in args if TorchTools.dtype_name(a) in FLOAT_DTYPES), None)
        if dtype is None:
            raise DtypeError(f"{caller}: kred needs floating point inputs (float16, bfloat16, float32 or float64)")
        self.dtype = dtype
        sig = backend.signature(spec, dtype)
        self.sig = sig
        cats = sig.cats
        rc, oc = spec.axis, 1 - spec.axis
        self.rc, self.oc = rc, oc
        key = zlib.crc32(repr((spec.formula, spec.formula2, spec.reduction, spec.axis, spec.opt_arg, dtype)).encode())
        sharded = self.layout.sharded
        if rc not in sharded or not any(c == rc for c in cats):
            # The reduced variables are whole on this rank: an ordinary call (batch dimensions allowed).
            self.mode = "local"
            self.result = Call.execute(self.call, args)
            return [key, 0, 0]
        self.mode = "ring" if oc in sharded and any(c == oc for c in cats) else "gather"
        self._check(args)
        if self.mode == "gather":
            self.states = self._states(args, self.red_n)
        return [key, self.rows, self.red_n]

    def _check(self, args):
        spec, sig, caller = self.spec, self.sig, self.call.caller
        describe = spec.describe
        if len(args) != sig.nargs:
            listed = ", ".join(describe(p).replace("argument ", "", 1) for p in range(sig.nargs))
            raise ValueError(f"{caller}: expected {sig.nargs} arguments ({listed}), got {len(args)}")
        count = {0: None, 1: None}
        owner = {0: None, 1: None}
        self.device = None
        for p, a in enumerate(args):
            c, d = sig.cats[p], sig.dims[p]
            if c < 0:
                continue
            if TorchTools.dtype_name(a) != self.dtype:
                raise DtypeError(f"{caller}: {describe(p)} has dtype {TorchTools.dtype_name(a)}, but the inputs are "
                                 f"{self.dtype}; all inputs must have the same dtype")
            self.device = self.device or a.device
            s = tuple(a.shape)
            if c == 2:
                if not (s == (d,) or (s == () and d == 1)):
                    raise ValueError(f"{caller}: {describe(p)} is a Pm({d}) parameter: expected shape ({d},) "
                                     f"(kred.distributed takes no batch dimensions), got {s}")
                continue
            what = "this rank's slice" if c in self.layout.sharded else "the whole array"
            if len(s) != 2 or s[1] != d:
                raise ValueError(f"{caller}: {describe(p)} is a V{_LABEL[c]}({d}) variable: expected {what} of shape "
                                 f"(n, {d}) (kred.distributed takes no batch dimensions), got {s}")
            if count[c] is None:
                count[c], owner[c] = s[0], p
            elif count[c] != s[0]:
                raise ValueError(f"{caller}: {describe(p)} has {s[0]} rows but {describe(owner[c])} has {count[c]}: "
                                 f"all {_LABEL[c]}-variables must have the same rows")
        self.M = count[0] if count[0] is not None else 1
        self.N = count[1] if count[1] is not None else 1
        self.rows, self.red_n = (self.M, self.N) if self.spec.axis == 1 else (self.N, self.M)
        self.red_pos = [p for p in range(sig.nargs) if sig.cats[p] == self.rc]

    def _states(self, args, red_n):
        """(values, indices) states of every local output row over `red_n` reduced indices (indices local)."""
        info = self.sig.kernel.info
        S, SI = int(info["state_values"]), int(info["state_indices"])
        acc = _TORCH_DTYPES[info["acc_dtype"]]
        dev = self.device
        sv = torch.empty((self.rows, S), dtype=acc, device=dev)
        si = torch.empty((self.rows, SI), dtype=torch.int64, device=dev)
        if self.rows == 0:
            return sv, si
        M, N = (self.rows, red_n) if self.spec.axis == 1 else (red_n, self.rows)
        keep, ptrs, sizes = [], [], []
        for p, a in enumerate(args):
            if self.sig.cats[p] < 0:
                ptrs.append(0)
                sizes.append(None)
                continue
            a = a.contiguous()
            keep.append(a)
            ptrs.append(a.data_ptr())
            sizes.append(a.numel())
        self.backend.launch_states(self.sig.kernel, ptrs, M, N, sv.data_ptr(), si.data_ptr() if SI else 0,
                                   sizes=(sizes, sv.numel(), si.numel() if SI else None))
        return sv, si

    @staticmethod
    def _shift(si, offset):
        if offset and si.numel():
            si = torch.where(si >= 0, si + offset, si)
        return si

    def finish(self, metas):
        """After agree(): the exchange, the merge and the finalization (or the local result)."""
        caller = self.call.caller
        keys = [m[0] for m in metas]
        if any(k != keys[0] for k in keys):
            r = next(r for r, k in enumerate(keys) if k != keys[0])
            raise RuntimeError(f"kred.distributed: {caller}: rank {r} called a different reduction (formula, "
                               "reduction, axis, options or dtype) than rank 0")
        if self.mode == "local":
            return self.result
        rows = [m[1] for m in metas]
        red = [m[2] for m in metas]
        offsets = [sum(red[:r]) for r in range(len(red))]
        me = self.layout.rank
        if self.mode == "gather":
            if any(r != rows[0] for r in rows):
                r = next(r for r, n in enumerate(rows) if n != rows[0])
                oc = _LABEL[self.oc]
                raise ValueError(
                    f"kred.distributed: {caller}: the {oc}-variables are replicated (shard={self.layout.shard!r}) "
                    f"but rank {r} has {rows[r]} of them and rank 0 {rows[0]}"
                )
            sv, si = self.states
            si = self._shift(si, offsets[me])
            all_v = self.layout.all_gather(sv)
            all_i = self.layout.all_gather(si) if si.shape[-1] else [si] * len(all_v)
            return self._merge(all_v, all_i)
        # ring: the reduced variables travel from rank to rank
        parts = [None] * self.layout.size
        for src, blocks in self.layout.ring([self.args[p] for p in self.red_pos], red):
            args = list(self.args)
            for p, block in zip(self.red_pos, blocks):
                args[p] = block.to(self.device)
            sv, si = self._states(args, red[src])
            parts[src] = (sv, self._shift(si, offsets[src]))
        return self._merge([v for v, _ in parts], [i for _, i in parts])

    def _merge(self, values, indices):
        """Stacks the parts' states in rank order and runs the kernel's merge + finalize."""
        sv = torch.stack(values).contiguous()
        si = torch.stack(indices).contiguous()
        vd, idd = self.sig.vd, self.sig.idd
        tdt = _TORCH_DTYPES[self.dtype]
        out_v = torch.empty((self.rows, vd), dtype=tdt, device=self.device) if vd else None
        out_i = torch.empty((self.rows, idd), dtype=torch.int64, device=self.device) if idd else None
        if self.rows:
            self.backend.merge_states(
                self.sig.kernel, sv.data_ptr(), si.data_ptr() if si.shape[-1] else 0, self.rows, len(values),
                out_v.data_ptr() if out_v is not None else 0, out_i.data_ptr() if out_i is not None else 0,
                sizes=(sv.numel(), si.numel() if si.shape[-1] else None,
                       out_v.numel() if out_v is not None else None, out_i.numel() if out_i is not None else None),
            )
        return tuple(t for t in (out_v, out_i) if t is not None)


# ---------------------------------------------------------------------------
# The call and the selected pairs (derivatives of Min, Max, KMin)


class DistCall(Call):
    """A kred.torch Call whose variables are sharded as `layout` says (derived reductions too)."""

    __slots__ = ("layout",)

    def __init__(self, spec, backend, device_id, caller, layout, track=True):
        super().__init__(spec, backend, device_id, None, caller, track)
        self.layout = layout

    def derived(self, spec, ranges=True):
        return DistCall(spec, self.backend, self.device_id, "Genred (derivative)", self.layout)

    def execute(self, args):
        return self.layout.run(self, args)

    def pairs(self, lay, idx, D):
        return ShardedPairs(self.layout, lay, idx, D)

    def row_total(self, g, cat):
        return self.layout.total(g.sum(-2), cat)


class ShardedPairs(_Pairs):
    """Selected pairs whose reduced indices are global: gathering and scattering reach the owning ranks."""

    def __init__(self, layout, lay, idx, D):
        super().__init__(lay, idx, D)
        self.layout = layout
        self.raw = idx
        self.rows_sharded = lay.oc in layout.sharded
        self.red_sharded = lay.rc in layout.sharded

    def _mode(self):
        if self.batch:
            raise NotImplementedError("kred.distributed: batch dimensions are not supported")
        return "ring" if self.rows_sharded else "gather"

    def gather(self, a, cat):
        if cat != self.lay.rc or not self.red_sharded:
            return super().gather(a, cat)
        return _Exchange.apply(a, self.raw.reshape(-1), a.shape[-2], self.layout, self._mode(), True)

    def scatter(self, g, a, cat):
        lay = self.lay
        if cat == lay.rc and self.red_sharded:
            if not self.all_valid:
                g = torch.where(self.valid.reshape(self.batch + (self.P, 1)), g, 0.0)
            gl = _Exchange.apply(g.reshape(self.P, g.shape[-1]), self.raw.reshape(-1), a.shape[-2], self.layout,
                                 self._mode(), False)
            return sum_to(gl, a.shape)
        g = super().scatter(g, a, cat)
        if cat == lay.rc and self.rows_sharded:  # a replicated reduced variable: every rank's rows contribute
            g = self.layout.total(g, lay.oc)
        return g

    def row_total(self, g):
        return self.layout.total(g.sum(-2), self.lay.oc)


class _Exchange(torch.autograd.Function):
    """Between a sharded reduced variable (n local rows) and the P selected pairs (global indices `idx`).

    gather=True: the rows idx of the sharded variable -> (P, dim); gather=False: per-pair values ->
    their sums per local row (n, dim). The two are each other's adjoints, in either mode: "gather" (the
    pairs are replicated on every rank) or "ring" (each rank has its own pairs).
    """

    @staticmethod
    def forward(ctx, t, idx, n, layout, mode, gather):
        ctx.save_for_backward(idx)
        ctx.n, ctx.layout, ctx.mode, ctx.gather = n, layout, mode, gather
        sizes = [s[0] for s in layout.all_ints([n])]
        offsets = [sum(sizes[:r]) for r in range(len(sizes))]
        if gather:
            return _gather(layout, mode, t, idx, sizes, offsets)
        return _scatter(layout, mode, t, idx, sizes, offsets)

    @staticmethod
    def backward(ctx, grad):
        (idx,) = ctx.saved_tensors
        if ctx.gather:
            g = _Exchange.apply(grad, idx, ctx.n, ctx.layout, ctx.mode, False)
        else:
            g = _Exchange.apply(grad, idx, ctx.n, ctx.layout, ctx.mode, True)
        return g, None, None, None, None, None


def _select(idx, offset, n):
    """(mask of the pairs whose index is in [offset, offset + n), their local indices clamped to [0, n))."""
    own = (idx >= offset) & (idx < offset + n)
    return own, (idx - offset).clamp(0, max(n - 1, 0))


def _gather(layout, mode, t, idx, sizes, offsets):
    me = layout.rank
    out = torch.zeros((idx.shape[0], t.shape[-1]), dtype=t.dtype, device=t.device)
    if mode == "gather":  # pairs replicated: each rank fills the rows it owns, then a sum
        own, loc = _select(idx, offsets[me], sizes[me])
        if sizes[me]:
            out = torch.where(own[:, None], t[loc], out)
        return layout.sum_(out)
    for src, (block,) in layout.ring([t], sizes):
        own, loc = _select(idx, offsets[src], sizes[src])
        if sizes[src]:
            out = torch.where(own[:, None], block[loc].to(t.device), out)
    return out


def _scatter(layout, mode, g, idx, sizes, offsets):
    me = layout.rank
    if mode == "gather":  # pairs replicated: each rank keeps its own rows' share
        own, loc = _select(idx, offsets[me], sizes[me])
        out = torch.zeros((sizes[me], g.shape[-1]), dtype=g.dtype, device=g.device)
        if sizes[me]:
            out.index_add_(0, loc[own], g[own])
        return out
    result = None
    for r in range(layout.size):  # each rank's pairs: a contribution to every owner, summed there
        own, loc = _select(idx, offsets[r], sizes[r])
        part = torch.zeros((sizes[r], g.shape[-1]), dtype=g.dtype, device=g.device)
        if sizes[r]:
            part.index_add_(0, loc[own], g[own])
        c = part.to(layout.comm_device(part))
        if c.numel():
            dist.reduce(c, dst=layout.global_rank(r), group=layout.group)
            _stats["bytes"] += c.numel() * c.element_size()
            _stats["collectives"] += 1
        if r == me:
            result = c.to(g.device)
    return result


# ---------------------------------------------------------------------------
# Public API


@contextlib.contextmanager
def sharded(shard="j", group=None):
    """Within this block, every kred.torch reduction (Genred, LazyTensor reductions, their gradients) takes
    its `shard` variables ("i", "j" or "ij") as this rank's slices over `group` (default: the world)."""
    token = _sharding.current.set(Layout(shard, group))
    try:
        yield
    finally:
        _sharding.current.reset(token)


class Genred(GenredBase):
    """kred.torch.Genred over sharded variables: ``Genred(formula, aliases, ..., shard="j", group=None)``.

    The constructor takes kred.torch.Genred's arguments (pykeops' signature) plus ``shard`` and ``group``;
    a call runs as kred.torch.Genred's inside ``sharded(shard, group)``.
    """

    def __init__(self, *args, shard="j", group=None, **kwargs):
        super().__init__(*args, **kwargs)
        if shard not in SHARDS:
            raise ValueError(f"kred.distributed: shard must be one of {', '.join(map(repr, SHARDS))}, got {shard!r}")
        self.shard, self.group = shard, group

    def __call__(self, *args, backend="auto", device_id=-1):
        from kred.torch.genred import genred_call

        with sharded(self.shard, self.group):
            return genred_call(self.spec, args, backend, device_id)


class KernelSolve(KernelSolveBase):
    """Solves ``(alpha Id + K) a = b`` where the points are sharded over the ranks (both indices: each rank
    holds its slice of the i- and j-variables, b and the solution alike).

    A conjugate gradient whose matrix-vector product is the ring-passed reduction of ``sharded("ij")`` and
    whose inner products are all-reduced: every rank iterates in lockstep and returns its slice of the
    solution. Same constructor as kred.torch.KernelSolve (pykeops' signature) plus ``group``; the call takes
    pykeops' keywords (alpha, eps, backend, device_id, maxiter) but no ``precond=``: the distributed CG is
    not preconditioned (kred.torch.KernelSolve's pivoted Cholesky needs kernel columns from every rank).
    Not differentiable (inputs are detached).
    """

    _tools = TorchTools

    def __init__(self, *args, group=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.group = group

    def __call__(self, *args, backend="auto", device_id=-1, alpha=1e-10, eps=1e-6, maxiter=None):
        from kred.common.parse import as_integer
        from kred.torch.genred import genred_call

        self._check(args)
        args = tuple(a.detach() if isinstance(a, torch.Tensor) else a for a in args)
        pos = self.varinvpos
        b = args[pos]
        if not isinstance(b, torch.Tensor):
            raise TypeError(f"KernelSolve: {self.spec.describe(pos)} must be a torch.Tensor")
        layout = Layout("ij", self.group)

        def dot(u, v):
            return layout.total((u * v).sum().reshape(1), 0)[0]

        with torch.no_grad(), sharded("ij", self.group):

            def linop(v):
                res = genred_call(self.spec, args[:pos] + (v,) + args[pos + 1 :], backend, device_id,
                                  caller="KernelSolve")
                if res.shape != v.shape:
                    raise ValueError(f"KernelSolve: the operator maps arrays of shape {tuple(v.shape)} to "
                                     f"{tuple(res.shape)}; it must be square (same i and j points on every rank)")
                return res + alpha * v if alpha else res

            n = int(layout.total(torch.tensor([b.numel()], dtype=torch.int64), 0)[0])
            maxiter = 10 * n + 100 if maxiter is None else as_integer(maxiter, "maxiter", minimum=1)
            delta = n * eps**2
            a = torch.zeros_like(b)
            r = b.clone()
            nr2 = dot(r, r)
            if nr2 < delta:
                return a
            p = r.clone()
            for _ in range(maxiter):
                Mp = linop(p)
                alp = nr2 / dot(p, Mp)
                a += alp * p
                r -= alp * Mp
                nr2new = dot(r, r)
                if nr2new < delta:
                    return a
                p = r + (nr2new / nr2) * p
                nr2 = nr2new
            import warnings

            warnings.warn(f"KernelSolve: conjugate gradient did not converge in {maxiter} iterations", RuntimeWarning,
                          stacklevel=2)
            return a
