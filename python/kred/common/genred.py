"""The framework-independent part of Genred: checks, batching, launch, output shapes.

``kred.numpy.Genred`` and ``kred.torch.Genred`` hold a :class:`GenredSpec` and
call :func:`run` with their array "tools" (see ``kred/numpy/_tools.py`` and
``kred/torch/_tools.py``): every argument is checked against the compiled
kernel's signature (``Kernel.info``) before anything is launched, and errors
name the argument by alias and position.
"""

import math

from kred.common import cache
from kred.common.backends import resolve_backend
from kred.common.ranges import check_ranges
from kred.common.parse import (
    FLOAT_DTYPES,
    INDEX_REDUCTIONS,
    K_REDUCTIONS,
    TUPLE_REDUCTIONS,
    DtypeError,
    argument_names,
    canonical_reduction,
    check_acc_dtype,
    check_axis,
    check_options,
    describe_argument,
    normalize_aliases,
)

_CAT_LABEL = {0: "Vi", 1: "Vj", 2: "Pm"}


class GenredSpec:
    """What a Genred object is: formula, aliases, reduction and options (no dtype yet).

    fast_math (pykeops' ``use_fast_math``, default True): GPU kernels use the hardware approximations of
    the elementary functions (``ex2.approx.f32``, ``lg2.approx.f32``; see docs/gpu.md).
    It reaches ``compile_gpu(fast_math=...)`` and is part of the GPU kernels' memo keys; the CPU path
    ignores it (its kernels are the same either way).
    """

    def __init__(
        self,
        formula,
        aliases,
        reduction_op="Sum",
        axis=0,
        opt_arg=None,
        formula2=None,
        dtype_acc="auto",
        use_double_acc=False,
        sum_scheme="auto",
        fast_math=True,
    ):
        if not isinstance(formula, str):
            raise TypeError(f"formula must be a string, got {type(formula).__name__}")
        axis = check_axis(axis)
        self.formula = formula
        self.reduction_op = reduction_op
        self.reduction = canonical_reduction(reduction_op)
        self.axis = axis
        self.aliases = normalize_aliases(aliases if isinstance(aliases, str) else list(aliases))
        self.formula2, self.opt_arg, self.dtype_acc, self.sum_scheme = check_options(
            self.reduction, formula2, opt_arg, dtype_acc, use_double_acc, sum_scheme
        )
        self.names = argument_names(self.aliases, self.formula, self.formula2)
        self.fast_math = bool(fast_math)
        self._signatures = {}

    def describe(self, pos):
        return describe_argument(self.names, pos)

    def kernel(self, dtype):
        """The compiled kernel for inputs of `dtype` (memoized)."""
        return self.signature(dtype).kernel

    def signature(self, dtype):
        """The kernel for `dtype` and what the checks need from its info (memoized here too)."""
        return self._memo_signature(dtype, dtype, cache.get_kernel)

    def gpu_signature(self, dtype, sm):
        """The GPU kernel for `dtype` on devices of compute capability `sm` (major * 10 + minor), memoized."""
        return self._memo_signature(
            (dtype, "gpu", sm, self.fast_math), dtype, cache.get_gpu_kernel, sm=sm, fast_math=self.fast_math
        )

    def emulator_signature(self, dtype):
        """The GPU kernel for `dtype` compiled for the host GPU emulator (a testing aid), memoized."""
        return self._memo_signature(
            (dtype, "gpu-emulator", self.fast_math), dtype, cache.get_gpu_kernel, sm=90, emulate=True,
            fast_math=self.fast_math,
        )

    def _memo_signature(self, key, dtype, get_kernel, **target):
        """The _Signature memoized under `key`, of the kernel get_kernel(<this reduction>, dtype, **target)."""
        sig = self._signatures.get(key)
        if sig is None:
            check_acc_dtype(self.dtype_acc, dtype)
            kernel = get_kernel(
                self.formula,
                self.aliases,
                self.reduction,
                self.axis,
                dtype,
                self.opt_arg,
                self.formula2,
                self.dtype_acc,
                self.sum_scheme,
                **target,
            )
            sig = _Signature(kernel)
            self._signatures[key] = sig
        return sig

    def __repr__(self):
        return (
            f"Genred(formula={self.formula!r}, aliases={self.aliases!r}, reduction_op={self.reduction_op!r}, "
            f"axis={self.axis})"
        )


class _Signature:
    """A compiled kernel and its signature, read once from Kernel.info."""

    __slots__ = ("kernel", "nargs", "cats", "dims", "used", "ij", "vd", "idd")

    def __init__(self, kernel):
        info = kernel.info
        self.kernel = kernel
        self.nargs = int(info["num_args"])
        self.cats = [int(c) for c in info["arg_category"]]
        self.dims = [int(d) for d in info["arg_dim"]]
        self.used = [p for p in range(self.nargs) if self.cats[p] >= 0]
        self.ij = [p for p in self.used if self.cats[p] in (0, 1)]
        self.vd = int(info["out_value_dim"])
        self.idd = int(info["out_index_dim"])


def _identity(reduction, vd, idd):
    """Output of a reduction over an empty index set: (values per column, index)."""
    inf = math.inf
    if reduction == "Sum":
        return [0.0] * vd, None
    if reduction in ("LogSumExp", "LogSumExpWeight"):
        return [-inf] * vd, None
    if reduction == "SumSoftMaxWeight":
        return [math.nan] * vd, None
    if reduction in ("Max_SumShiftExp", "Max_SumShiftExpWeight"):
        return [-inf] + [0.0] * (vd - 1), None
    if reduction in ("Min", "Min_ArgMin", "KMin", "KMin_ArgKMin", "ArgMin", "ArgKMin"):
        return [inf] * vd, -1
    return [-inf] * vd, -1  # Max, ArgMax, Max_ArgMax


def output_shapes(spec, batch, rows, vd, idd):
    """(raw value shape, raw index shape, final shape(s)) of one call."""
    raw_v = tuple(batch) + (rows, vd) if vd else None
    raw_i = tuple(batch) + (rows, idd) if idd else None
    red = spec.reduction
    if red in K_REDUCTIONS:
        K = spec.opt_arg
        D = (vd or idd) // K
        tail = (K,) if D == 1 else (K, D)
        fin = tuple(batch) + (rows,) + tail
        return raw_v, raw_i, fin
    if red in INDEX_REDUCTIONS:
        return raw_v, raw_i, raw_i
    if red in TUPLE_REDUCTIONS:
        return raw_v, raw_i, raw_v
    return raw_v, raw_i, raw_v


def _prepare_out(spec, tools, out, fin_shape, dtype, device_like, raw_v, raw_i, args=()):
    """Checks a user `out=` array before anything runs; returns (values_raw, indices_raw).

    Rejected, with an error naming `out`: a non-array (TypeError), a wrong dtype
    (TypeError), another device, a wrong shape (too small or too large), memory
    the kernel cannot write in place (read-only, not C-contiguous, misaligned,
    byte-swapped; torch: requires_grad, not strided), and memory shared with an
    input (the kernel would read what it writes); all ValueError.
    """
    red = spec.reduction
    if red in TUPLE_REDUCTIONS:
        raise ValueError(f"out= is not supported for the {red} reduction, which returns two arrays")
    if not tools.is_array(out):
        raise TypeError(f"out must be a {tools.array_name}, got {type(out).__name__}")
    want_dtype = "int64" if red in INDEX_REDUCTIONS else dtype
    if tools.dtype_name(out) != want_dtype:
        raise TypeError(f"out has dtype {tools.dtype_name(out)}, expected {want_dtype}")
    if tools.device(out) != tools.device(device_like):
        raise ValueError(f"out is on device {tools.device(out)}, expected {tools.device(device_like)}")
    if tuple(tools.shape(out)) != tuple(fin_shape):
        raise ValueError(f"out has shape {tuple(tools.shape(out))}, expected {tuple(fin_shape)}")
    problem = tools.layout_problem(out)
    if problem:
        raise ValueError(f"out {problem}; kred writes the result in place")
    for pos, a in enumerate(args):
        if tools.is_array(a) and tools.shares_memory(out, a):
            raise ValueError(
                f"out shares memory with {spec.describe(pos)}; the kernel would overwrite an input while "
                "reading it: pass a separate output array"
            )
    if red in INDEX_REDUCTIONS:
        return None, (tools.reshape(out, raw_i) if raw_i is not None else out)
    return (tools.reshape(out, raw_v) if raw_v is not None else out), None


def postprocess(spec, tools, values, indices, fin_shape):
    """Raw kernel outputs -> what pykeops returns (tuples, K x D reshapes)."""
    red = spec.reduction
    if red in K_REDUCTIONS:
        if values is not None:
            values = tools.reshape(values, fin_shape)
        if indices is not None:
            indices = tools.reshape(indices, fin_shape)
    if red in TUPLE_REDUCTIONS:
        return values, indices
    if red in INDEX_REDUCTIONS:
        return indices
    return values


def _broadcast(shapes, describe):
    """numpy broadcasting of batch shapes (all of the same length), naming the culprit."""
    if not shapes:
        return ()
    n = len(shapes[0][1])
    out = [1] * n
    owner = [None] * n
    for pos, s in shapes:
        for k, d in enumerate(s):
            if d == 1:
                continue
            if out[k] == 1:
                out[k], owner[k] = d, pos
            elif out[k] != d:
                raise ValueError(
                    f"incompatible batch dimensions: {describe(pos)} has batch shape {tuple(s)}, "
                    f"which does not broadcast with {describe(owner[k])} (size {out[k]} at batch dim {k})"
                )
    return tuple(out)


def _first_float(tools, args):
    """The first floating point argument (the one whose dtype and device the output takes)."""
    for a in args:
        if tools.dtype_name(a) in FLOAT_DTYPES:
            return a
    return None


def run(spec, tools, args, backend="auto", device_id=-1, ranges=None, out=None, caller="Genred", host_out=None):
    """Checks `args`, runs the reduction and returns raw (values, indices, final_shape).

    host_out: (host tools, host args, out) when a GPU backend runs host inputs: the user's `out=` is
    checked against the host arrays before the kernel runs (see _run_host).

    values: batch + (rows, out_value_dim) array of the inputs' dtype or None;
    indices: batch + (rows, out_index_dim) int64 array or None.
    """
    describe = spec.describe
    for pos, a in enumerate(args):
        if not tools.is_array(a):
            raise TypeError(f"{caller}: {describe(pos)} must be a {tools.array_name}, got {type(a).__name__}")
    backend_obj = resolve_backend(backend, [(pos, tools.device(a)) for pos, a in enumerate(args)], describe, device_id)
    if backend_obj.host:
        return _run_host(spec, tools, args, backend_obj, ranges, out, caller)

    # The dtype comes from the inputs (the first floating point one).
    dtype, ref = None, None
    for pos, a in enumerate(args):
        dn = tools.dtype_name(a)
        if dn in FLOAT_DTYPES:
            dtype, ref = dn, pos
            break
    if dtype is None:
        if args:
            raise DtypeError(
                f"{caller}: {describe(0)} has dtype {tools.dtype_name(args[0])}; kred needs floating point "
                "inputs (float16, bfloat16, float32 or float64)"
            )
        dtype = "float32"

    sig = backend_obj.signature(spec, dtype)
    kernel = sig.kernel
    nargs, cats, dims = sig.nargs, sig.cats, sig.dims
    if len(args) != nargs:
        listed = ", ".join(describe(p).replace("argument ", "", 1) for p in range(nargs))
        raise ValueError(f"{caller}: expected {nargs} arguments ({listed}), got {len(args)}")

    # Shapes, dtypes and sizes.
    shapes = [tuple(tools.shape(a)) for a in args]
    for pos in range(nargs):
        cat = cats[pos]
        if cat < 0:
            continue
        dn = tools.dtype_name(args[pos])
        if dn != dtype:
            raise DtypeError(
                f"{caller}: {describe(pos)} has dtype {dn}, but {describe(ref)} has dtype {dtype}; "
                "all inputs must have the same dtype"
            )
        s, d = shapes[pos], dims[pos]
        label = f"{_CAT_LABEL[cat]}({d})"
        if cat in (0, 1):
            n = "M" if cat == 0 else "N"
            if len(s) < 2:
                raise ValueError(
                    f"{caller}: {describe(pos)} is a {label} variable: expected an array of shape ({n}, {d}) "
                    f"(or (..., {n}, {d}) with batch dimensions), got shape {s}"
                )
        else:
            if len(s) == 0 and d == 1:
                continue
            if len(s) < 1:
                raise ValueError(
                    f"{caller}: {describe(pos)} is a {label} parameter: expected an array of shape ({d},), got shape {s}"
                )
        if s[-1] != d:
            raise ValueError(
                f"{caller}: {describe(pos)} is a {label} {'parameter' if cat == 2 else 'variable'}: "
                f"its last dimension should be {d}, got shape {s}"
            )

    used, ij = sig.used, sig.ij
    if ij:
        nbatch = max(len(shapes[p]) - 2 for p in ij)
    else:
        nbatch = max([len(shapes[p]) - 1 for p in used] + [0])

    sizes = {0: None, 1: None}
    owner = {0: None, 1: None}
    batch_shapes = []
    for p in used:
        s = shapes[p]
        if cats[p] == 2:
            s = s if len(s) else (1,)
            b = s[:-1]
            if len(b) > nbatch:
                extra = b[: len(b) - nbatch]
                if any(x != 1 for x in extra):
                    raise ValueError(
                        f"{caller}: {describe(p)} has shape {s}, with more batch dimensions than the "
                        f"i- and j-variables ({nbatch})"
                    )
                b = b[len(b) - nbatch :]
        else:
            b = s[:-2]
            n = s[-2]
            c = cats[p]
            if sizes[c] is None:
                sizes[c], owner[c] = n, p
            elif sizes[c] != n:
                which = "M (rows of the i-variables)" if c == 0 else "N (rows of the j-variables)"
                raise ValueError(
                    f"{caller}: {describe(p)} has {n} rows but {describe(owner[c])} has {sizes[c]}: "
                    f"all {_CAT_LABEL[c]} variables must share {which}"
                )
        batch_shapes.append((p, (1,) * (nbatch - len(b)) + tuple(b)))
    batch = _broadcast(batch_shapes, describe)
    M = sizes[0] if sizes[0] is not None else 1
    N = sizes[1] if sizes[1] is not None else 1
    axis = spec.axis
    rows, red_n = (M, N) if axis == 1 else (N, M)
    blocks = None
    if ranges is not None:
        if math.prod(batch) != 1:
            raise ValueError(
                f"{caller}: ranges= (block-sparse reduction) cannot be combined with batch dimensions "
                f"(batch shape {tuple(batch)}) (KeOps does not support it either); call the reduction once per batch"
            )
        blocks = check_ranges(ranges, axis, M, N, caller)
        if not hasattr(backend_obj, "launch_ranges"):
            raise NotImplementedError(f"{caller}: ranges= is not supported by the {backend_obj.name} backend yet")

    vd, idd = sig.vd, sig.idd
    raw_v, raw_i, fin = output_shapes(spec, batch, rows, vd, idd)
    like = args[ref] if ref is not None else None
    if host_out is not None:  # a GPU backend on host inputs: check the user's host out= before running
        host_tools, host_args, host_out_array = host_out
        _prepare_out(spec, host_tools, host_out_array, fin, dtype, _first_float(host_tools, host_args), None, None,
                     host_args)
    if out is not None:
        values, indices = _prepare_out(spec, tools, out, fin, dtype, like, raw_v, raw_i, args)
        if raw_v is not None and values is None:
            values = tools.empty(raw_v, dtype, like)
        if raw_i is not None and indices is None:
            indices = tools.empty(raw_i, "int64", like)
    else:
        values = tools.empty(raw_v, dtype, like) if raw_v is not None else None
        indices = tools.empty(raw_i, "int64", like) if raw_i is not None else None

    nb = math.prod(batch)
    if rows == 0 or nb == 0:
        return values, indices, fin
    if red_n == 0:
        vals, idx = _identity(spec.reduction, vd, idd)
        if values is not None:
            tools.fill_columns(values, vals)
        if indices is not None:
            tools.fill(indices, idx)
        return values, indices, fin

    # Contiguous inputs (copies only where needed) and per-batch pointers.
    keep = []  # keeps the contiguous copies alive during the launch
    bases, strides = [], []
    # Element counts behind each base pointer (None: unused position), for the sized launches: the
    # runtime refuses a launch that would read or write past an array (see docs/abi.md).
    numels, itemsizes = [], []
    for p in range(nargs):
        a = args[p]
        if cats[p] < 0:
            bases.append(tools.data_ptr(a) if tools.numel(a) else 0)
            strides.append(None)
            numels.append(None)
            itemsizes.append(None)
            continue
        a = tools.contiguous(a)
        keep.append(a)
        bases.append(tools.data_ptr(a))
        numels.append(int(tools.numel(a)))
        itemsizes.append(int(tools.itemsize(a)))
        if nbatch == 0:
            strides.append(None)
            continue
        s = shapes[p] if shapes[p] else (1,)
        inner = s[-1] if cats[p] == 2 else s[-2] * s[-1]
        b = dict(batch_shapes)[p]
        st, acc = [], inner * tools.itemsize(a)
        for d in reversed(b):
            st.append(0 if d == 1 else acc)
            acc *= d
        strides.append(tuple(reversed(st)))

    v_ptr0 = tools.data_ptr(values) if values is not None else 0
    i_ptr0 = tools.data_ptr(indices) if indices is not None else 0
    v_step = rows * vd * (tools.itemsize(values) if values is not None else 0)
    i_step = rows * idd * 8
    v_numel = int(tools.numel(values)) if values is not None else None
    i_numel = int(tools.numel(indices)) if indices is not None else None

    def launch_sizes(ptrs, flat):
        """(arg_sizes, out_size, idx_size): the elements from each pointer to the end of its array."""
        arg_sizes = [
            None if n is None else n - (ptr - base) // size
            for n, ptr, base, size in zip(numels, ptrs, bases, itemsizes)
        ]
        out_size = None if v_numel is None else v_numel - flat * rows * vd
        idx_size = None if i_numel is None else i_numel - flat * rows * idd
        return arg_sizes, out_size, idx_size

    if blocks is not None:  # one launch (batch dimensions, if any, are all 1)
        backend_obj.launch_ranges(kernel, bases, M, N, v_ptr0, i_ptr0, blocks, sizes=launch_sizes(bases, 0))
    elif nbatch == 0:
        backend_obj.launch(kernel, bases, M, N, v_ptr0, i_ptr0, sizes=launch_sizes(bases, 0))
    elif getattr(backend_obj, "batched", False):
        # One launch for the whole batch: the batch elements' element offsets of each argument.
        import numpy as np

        grid = np.indices(tuple(batch), dtype=np.int64).reshape(len(batch), -1).T
        offsets = np.zeros((nb, nargs), dtype=np.int64)
        for p in range(nargs):
            if strides[p] is not None:
                offsets[:, p] = grid @ (np.array(strides[p], dtype=np.int64) // itemsizes[p])
        backend_obj.launch(
            kernel, bases, M, N, v_ptr0, i_ptr0, sizes=launch_sizes(bases, 0), batch=nb, batch_offsets=offsets
        )
    else:
        import itertools

        for flat, idx in enumerate(itertools.product(*[range(d) for d in batch])):
            ptrs = []
            for p in range(nargs):
                st = strides[p]
                if st is None:
                    ptrs.append(bases[p])
                else:
                    ptrs.append(bases[p] + sum(i * s for i, s in zip(idx, st)))
            backend_obj.launch(
                kernel,
                ptrs,
                M,
                N,
                v_ptr0 + flat * v_step if values is not None else 0,
                i_ptr0 + flat * i_step if indices is not None else 0,
                sizes=launch_sizes(ptrs, flat),
            )
    del keep
    return values, indices, fin


def _run_host(spec, tools, args, backend_obj, ranges, out, caller):
    """A GPU backend on host inputs (numpy arrays, CPU tensors): copies them to the GPU, runs there and
    copies the results back, as KeOps' "GPU" and "*_host" backends do. Returns what run() returns."""
    from kred.torch._tools import TorchTools

    device_args = backend_obj.to_device(tools, args)
    host_out = (tools, args, out) if out is not None else None
    values, indices, fin = run(
        spec, TorchTools, device_args, backend_obj.on_device(), -1, ranges, None, caller, host_out=host_out
    )
    values = backend_obj.to_host(tools, values)
    indices = backend_obj.to_host(tools, indices)
    if out is not None:  # already checked by run(), before the kernel ran
        ref = _first_float(tools, args)
        dtype = tools.dtype_name(ref)
        raw_v = tuple(values.shape) if values is not None else None
        raw_i = tuple(indices.shape) if indices is not None else None
        out_v, out_i = _prepare_out(spec, tools, out, fin, dtype, ref, raw_v, raw_i, args)
        if out_v is not None:
            out_v[...] = values
            values = out_v
        if out_i is not None:
            out_i[...] = indices
            indices = out_i
    return values, indices, fin


def call(spec, tools, args, backend="auto", device_id=-1, ranges=None, out=None, caller="Genred"):
    """run() followed by postprocess(): what Genred.__call__ returns."""
    values, indices, fin = run(spec, tools, args, backend, device_id, ranges, out, caller)
    if out is not None:
        return out
    return postprocess(spec, tools, values, indices, fin)
