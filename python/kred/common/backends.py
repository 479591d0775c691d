"""Where a reduction runs.

``resolve_backend`` turns Genred's ``backend=`` string (KeOps' names), the
devices of the arguments and ``device_id`` into a backend object:

* ``CPUBackend``: CPU arrays (numpy, CPU tensors) with "auto" or "CPU".
* ``CUDABackend``: torch CUDA tensors (all on one device) with "auto",
  "GPU", "GPU_1D", "GPU_2D" or their "_device" forms; or host inputs
  (numpy, CPU tensors) with "GPU", "GPU_1D", "GPU_2D" or their "_host"
  forms, which are copied to the GPU and the results back (``host=True``,
  see ``genred.run``), as KeOps does. "GPU_1D" never splits the reduced
  index, "GPU_2D" always does, "GPU" and "auto" leave it to the runtime.
* ``EmulatedGPUBackend`` (a testing aid, docs/gpu.md "The emulator"): host
  inputs with "GPU_EMU", "GPU_EMU_1D" or "GPU_EMU_2D", or with any backend
  but "CPU" ("auto" included) when $KRED_GPU_EMULATOR=1: the GPU kernels
  (the same gpu.module, lowered for the host) run through the GPU runtime's
  real launch logic on the host GPU emulator, on host memory.

A backend has ``signature(spec, dtype)`` (the compiled kernel and its
signature), ``launch(kernel, arg_ptrs, M, N, out_ptr, idx_ptr, sizes, batch,
batch_offsets)`` (``batched = True``: a batch of reductions in one launch,
kred_cpu_launch_batched_sized or kred_gpu_launch_batched_sized),
``launch_ranges(..., ranges)`` (block-sparse ``ranges=``; on the GPU
backends, kred_gpu_launch_ranges_sized), and ``launch_states`` /
``merge_states`` (the unfinalized accumulators of every row, then their
in-order merge and finalization: kred_*_launch_states_sized and
kred_*_merge_states_sized, runtime API version 5).
"""

from kred.common.parse import as_integer

KNOWN_BACKENDS = (
    "auto",
    "CPU",
    "GPU",
    "GPU_1D",
    "GPU_1D_device",
    "GPU_1D_host",
    "GPU_2D",
    "GPU_2D_device",
    "GPU_2D_host",
    "GPU_EMU",
    "GPU_EMU_1D",
    "GPU_EMU_2D",
)


def emulator_requested():
    """Whether $KRED_GPU_EMULATOR=1 sends the GPU backends to the host GPU emulator."""
    import os

    return os.environ.get("KRED_GPU_EMULATOR", "") not in ("", "0")


class GPUUnavailableError(RuntimeError):
    """A GPU backend was asked for, but kred cannot use a CUDA GPU here."""


# Older name (before the GPU backend existed); still raised for "no GPU".
GPUNotBuiltError = GPUUnavailableError


def _size_keywords(sizes, names=("arg_sizes", "out_size", "out_idx_size")):
    """launch()'s `sizes` (None, or (arg_sizes, out_size, idx_size); or a tuple in the order of `names`) as the
    extension's keywords (None entries left out: those buffers are unchecked)."""
    if sizes is None:
        return {}
    return {k: v for k, v in zip(names, sizes) if v is not None}


_LAUNCH_STATES_SIZES = ("arg_sizes", "values_size", "indices_size")
_MERGE_STATES_SIZES = ("values_size", "indices_size", "out_size", "out_idx_size")


class CPUBackend:
    name = "CPU"
    host = False

    def signature(self, spec, dtype):
        return spec.signature(dtype)

    batched = True  # launch() takes batch= / batch_offsets= (the batch's tasks share the thread pool)

    def launch(self, kernel, arg_ptrs, M, N, out_ptr, idx_ptr, sizes=None, batch=1, batch_offsets=None):
        """sizes: None, or (arg_sizes, out_size, idx_size), the elements each buffer holds (None entries:
        unchecked); the runtime rejects a short buffer (kred_cpu_launch_sized). batch, batch_offsets: `batch`
        reductions in one launch, argument p of element z at batch_offsets[z, p] elements from arg_ptrs[p] (an
        int64 numpy array of batch x num_args), outputs one after the other (kred_cpu_launch_batched_sized)."""
        kernel.launch(arg_ptrs, M, N, out_ptr, idx_ptr, 0, batch=batch, batch_offsets=batch_offsets,
                      **_size_keywords(sizes))

    def launch_ranges(self, kernel, arg_ptrs, M, N, out_ptr, idx_ptr, ranges, sizes=None):
        """Block-sparse launch; ranges = (blocks, slices, redranges), int64 C-contiguous numpy arrays
        (their sizes are checked by the runtime); sizes as in launch()."""
        blocks, slices, red = ranges
        kernel.launch_ranges(
            arg_ptrs, M, N, out_ptr, idx_ptr,
            blocks.ctypes.data, blocks.shape[0], slices.ctypes.data, red.ctypes.data, red.shape[0], 0,
            blocks_size=blocks.size, slices_size=slices.size, redranges_size=red.size,
            **_size_keywords(sizes),
        )

    def launch_states(self, kernel, arg_ptrs, M, N, values_ptr, indices_ptr, sizes=None):
        """Every row's unfinalized accumulator (kred_cpu_launch_states_sized); sizes: None, or (arg_sizes,
        values_size, indices_size)."""
        kernel.launch_states(arg_ptrs, M, N, values_ptr, indices_ptr, 0,
                             **_size_keywords(sizes, _LAUNCH_STATES_SIZES))

    def merge_states(self, kernel, values_ptr, indices_ptr, rows, parts, out_ptr, idx_ptr, sizes=None):
        """Merges [parts][rows] accumulators in part order and finalizes them (kred_cpu_merge_states_sized);
        sizes: None, or (values_size, indices_size, out_size, idx_size)."""
        kernel.merge_states(values_ptr, indices_ptr, rows, parts, out_ptr, idx_ptr, 0,
                            **_size_keywords(sizes, _MERGE_STATES_SIZES))


_CPU = CPUBackend()


def _runtime():
    from kred.common._cext import extension

    return getattr(extension(), "runtime", None)


def gpu_available():
    """Number of CUDA devices kred's runtime can use (0 without a driver or GPU)."""
    rt = _runtime()
    if rt is None or not hasattr(rt, "gpu_available"):
        return 0
    return int(rt.gpu_available())


def gpu_error():
    """Why gpu_available() is 0 ('' when a GPU is usable)."""
    rt = _runtime()
    if rt is None or not hasattr(rt, "gpu_error"):
        return "this build of kred._C has no GPU runtime"
    return rt.gpu_error()


def _torch_cuda(backend):
    """torch, checked to have CUDA (the GPU backend allocates with torch)."""
    try:
        import torch
    except ImportError as e:
        raise GPUUnavailableError(
            f"backend={backend!r} needs PyTorch with CUDA to move data to and from the GPU "
            f"({e}); install torch or use backend='CPU'"
        ) from e
    if not torch.cuda.is_available():
        raise GPUUnavailableError(
            f"backend={backend!r}: no CUDA GPU is available to PyTorch (torch.cuda.is_available() is False); "
            "use backend='CPU'"
        )
    return torch


class CUDABackend:
    """Launches on CUDA device `index` (torch's current stream of it); host=True copies inputs there and back."""

    name = "GPU"

    def __init__(self, backend, index, split, host):
        self.backend = backend
        self.index = index
        self.split = split
        self.host = host

    @property
    def device(self):
        return f"cuda:{self.index}"

    def on_device(self):
        """The same backend for inputs that are already on the device."""
        return CUDABackend(self.backend, self.index, self.split, False)

    def signature(self, spec, dtype):
        import torch

        major, minor = torch.cuda.get_device_capability(self.index)
        return spec.gpu_signature(dtype, major * 10 + minor)

    batched = True  # launch() takes batch= / batch_offsets= (the batch in the launch grid)

    def launch(self, kernel, arg_ptrs, M, N, out_ptr, idx_ptr, sizes=None, batch=1, batch_offsets=None):
        """sizes as in CPUBackend.launch (element counts of the device buffers); batch, batch_offsets as in
        kred._C.runtime.gpu_launch (host int64 array of batch x num_args element offsets)."""
        import torch

        device = torch.device("cuda", self.index)
        stream = torch.cuda.current_stream(device).cuda_stream

        def scratch_memory(nbytes):
            # torch's caching allocator, ordered on the same stream
            t = torch.empty(nbytes, dtype=torch.uint8, device=device)
            return t, t.data_ptr()

        _gpu_launch(kernel, arg_ptrs, M, N, out_ptr, idx_ptr, sizes, batch, batch_offsets, stream, self.index,
                    self.split, scratch_memory)

    def launch_ranges(self, kernel, arg_ptrs, M, N, out_ptr, idx_ptr, ranges, sizes=None):
        """Block-sparse launch (kred_gpu_launch_ranges_sized); ranges = (blocks, slices, redranges) as int64
        numpy arrays (genred's check_ranges), copied to this device with torch; sizes as in launch()."""
        import torch

        rt = _runtime()
        device = torch.device("cuda", self.index)
        stream = torch.cuda.current_stream(device).cuda_stream
        # Ordered on torch's current stream, as the launch is.
        blocks, slices, red = (torch.from_numpy(a).to(device, non_blocking=False) for a in ranges)
        _launch_ranges(rt, kernel, arg_ptrs, M, N, out_ptr, idx_ptr, blocks, slices, red, stream, self.index, sizes)
        del blocks, slices, red

    def launch_states(self, kernel, arg_ptrs, M, N, values_ptr, indices_ptr, sizes=None):
        """kred_gpu_launch_states_sized on torch's current stream of this device; sizes as in CPUBackend."""
        import torch

        stream = torch.cuda.current_stream(torch.device("cuda", self.index)).cuda_stream
        _runtime().gpu_launch_states(kernel, arg_ptrs, M, N, values_ptr, indices_ptr, stream, self.index,
                                     **_size_keywords(sizes, _LAUNCH_STATES_SIZES))

    def merge_states(self, kernel, values_ptr, indices_ptr, rows, parts, out_ptr, idx_ptr, sizes=None):
        """kred_gpu_merge_states_sized on torch's current stream of this device; sizes as in CPUBackend."""
        import torch

        stream = torch.cuda.current_stream(torch.device("cuda", self.index)).cuda_stream
        _runtime().gpu_merge_states(kernel, values_ptr, indices_ptr, rows, parts, out_ptr, idx_ptr, stream,
                                    self.index, **_size_keywords(sizes, _MERGE_STATES_SIZES))

    def to_device(self, tools, args):
        """Host inputs (numpy arrays or CPU tensors) as CUDA tensors on this device."""
        torch = _torch_cuda(self.backend)
        out = []
        for a in args:
            if tools.name == "numpy":
                a = torch.from_numpy(tools.contiguous(a))
            out.append(a.detach().to(self.device))
        return out

    @staticmethod
    def to_host(tools, t):
        """A CUDA tensor back as `tools`' array type (numpy array or CPU tensor)."""
        if t is None:
            return None
        t = t.cpu()
        return t.numpy() if tools.name == "numpy" else t


_SPLIT = {"GPU_1D": 0, "GPU_2D": 1}


class EmulatedGPUBackend:
    """The GPU path on the host GPU emulator: GPU kernels compiled for the host (compile_gpu(emulate=True)) and
    launched by the GPU runtime (kred_gpu_launch: split decision, scratch, merge) through its emulated driver,
    on host arrays. A testing aid: slow, and it switches the process's GPU runtime to the emulator."""

    name = "GPU (emulated)"
    host = False
    device = "cpu"

    def __init__(self, split):
        self.split = split

    def signature(self, spec, dtype):
        return spec.emulator_signature(dtype)

    batched = True

    def launch(self, kernel, arg_ptrs, M, N, out_ptr, idx_ptr, sizes=None, batch=1, batch_offsets=None):
        import numpy as np

        rt = _runtime()
        if rt is None or not hasattr(rt, "gpu_set_emulator"):
            raise GPUUnavailableError("this build of kred._C has no GPU emulator")

        def scratch_memory(nbytes):
            a = np.empty(nbytes + 256, dtype=np.uint8)  # host memory is the emulated device's; aligned by the runtime
            return a, a.ctypes.data

        # The runtime's driver selection is process-wide: the emulator for this launch only.
        was_emulated = rt.gpu_set_emulator(True)
        try:
            _gpu_launch(kernel, arg_ptrs, M, N, out_ptr, idx_ptr, sizes, batch, batch_offsets, 0, 0, self.split,
                        scratch_memory, scratch_pad=256)
        finally:
            rt.gpu_set_emulator(was_emulated)

    def launch_ranges(self, kernel, arg_ptrs, M, N, out_ptr, idx_ptr, ranges, sizes=None):
        """Block-sparse launch (kred_gpu_launch_ranges_sized) on the emulator; ranges = (blocks, slices, redranges),
        int64 numpy arrays: host memory is the emulated device's."""
        import numpy as np

        rt = _runtime()
        if rt is None or not hasattr(rt, "gpu_launch_ranges"):
            raise GPUUnavailableError("this build of kred._C has no GPU emulator")
        blocks, slices, red = (np.ascontiguousarray(a, dtype=np.int64) for a in ranges)
        was_emulated = rt.gpu_set_emulator(True)
        try:
            _launch_ranges(rt, kernel, arg_ptrs, M, N, out_ptr, idx_ptr, blocks, slices, red, 0, 0, sizes)
        finally:
            rt.gpu_set_emulator(was_emulated)

    def launch_states(self, kernel, arg_ptrs, M, N, values_ptr, indices_ptr, sizes=None):
        """kred_gpu_launch_states_sized on the emulator (host arrays); sizes as in CPUBackend."""
        rt = _runtime()
        if rt is None or not hasattr(rt, "gpu_launch_states"):
            raise GPUUnavailableError("this build of kred._C has no GPU emulator with launch_states")
        was_emulated = rt.gpu_set_emulator(True)
        try:
            rt.gpu_launch_states(kernel, arg_ptrs, M, N, values_ptr, indices_ptr, 0, 0,
                                 **_size_keywords(sizes, _LAUNCH_STATES_SIZES))
        finally:
            rt.gpu_set_emulator(was_emulated)

    def merge_states(self, kernel, values_ptr, indices_ptr, rows, parts, out_ptr, idx_ptr, sizes=None):
        """kred_gpu_merge_states_sized on the emulator (host arrays); sizes as in CPUBackend."""
        rt = _runtime()
        if rt is None or not hasattr(rt, "gpu_merge_states"):
            raise GPUUnavailableError("this build of kred._C has no GPU emulator with merge_states")
        was_emulated = rt.gpu_set_emulator(True)
        try:
            rt.gpu_merge_states(kernel, values_ptr, indices_ptr, rows, parts, out_ptr, idx_ptr, 0, 0,
                                **_size_keywords(sizes, _MERGE_STATES_SIZES))
        finally:
            rt.gpu_set_emulator(was_emulated)


def _gpu_launch(kernel, arg_ptrs, M, N, out_ptr, idx_ptr, sizes, batch, batch_offsets, stream, device, split,
                scratch_memory, scratch_pad=0):
    """rt.gpu_launch with the scratch of the partial accumulators from scratch_memory(nbytes) -> (owner, address)
    (the caller's allocator; scratch_pad: extra bytes it adds)."""
    rt = _runtime()
    owner, address, nbytes = None, 0, 0
    if split != 0:
        nbytes = int(rt.gpu_scratch_bytes(kernel, M, N, device, batch=batch))
        if nbytes:
            owner, address = scratch_memory(nbytes)
            nbytes += scratch_pad
    rt.gpu_launch(
        kernel, arg_ptrs, M, N, out_ptr, idx_ptr, stream=stream, device=device, split=split,
        scratch=address, scratch_bytes=nbytes, batch=batch, batch_offsets=batch_offsets, **_size_keywords(sizes),
    )
    del owner


def _launch_ranges(rt, kernel, arg_ptrs, M, N, out_ptr, idx_ptr, blocks, slices, red, stream, device, sizes):
    """rt.gpu_launch_ranges on (blocks, slices, red): torch tensors (data_ptr) or numpy arrays (host memory, the
    emulator's device memory)."""

    def ptr(a):
        return a.data_ptr() if hasattr(a, "data_ptr") else a.ctypes.data

    def numel(a):
        return int(a.numel()) if hasattr(a, "numel") else int(a.size)

    rt.gpu_launch_ranges(
        kernel, arg_ptrs, M, N, out_ptr, idx_ptr,
        ptr(blocks), blocks.shape[0], ptr(slices), ptr(red), red.shape[0],
        stream=stream, device=device,
        blocks_size=numel(blocks), slices_size=numel(slices), redranges_size=numel(red),
        **_size_keywords(sizes),
    )


def resolve_backend(backend, devices, describe, device_id=-1):
    """Picks the backend for one call.

    backend: Genred's string (or a backend object, returned as is); devices:
    list of (position, device string such as "cpu" or "cuda:0"); describe(pos):
    how errors name an argument; device_id: KeOps' device_id (-1: the inputs'
    device, or torch's current device for host inputs).
    """
    if backend is None:
        backend = "auto"
    device_id = as_integer(device_id, "device_id", allow_none=True)
    if isinstance(backend, (CPUBackend, CUDABackend, EmulatedGPUBackend)):
        return backend
    if not isinstance(backend, str) or backend not in KNOWN_BACKENDS:
        raise ValueError(f"invalid backend {backend!r}; expected one of {', '.join(KNOWN_BACKENDS)}")
    cuda, host = [], []
    for pos, dev in devices:
        if dev == "cpu":
            host.append(pos)
        elif dev.startswith("cuda"):
            cuda.append((pos, dev))
        else:
            raise ValueError(
                f"{describe(pos)} is on device '{dev}'; kred runs on the CPU and on CUDA devices "
                "(move it with .cpu() or .cuda())"
            )
    if cuda and host:
        first = cuda[0]
        raise ValueError(
            f"{describe(host[0])} is on the CPU but {describe(first[0])} is on device '{first[1]}': "
            "all inputs must be on the same device (move them with .to(device))"
        )
    for pos, dev in cuda[1:]:
        if dev != cuda[0][1]:
            raise ValueError(
                f"{describe(pos)} is on device '{dev}' but {describe(cuda[0][0])} is on device "
                f"'{cuda[0][1]}': all inputs must be on the same device"
            )
    if backend == "CPU" or (backend == "auto" and not cuda and not emulator_requested()):
        if cuda:
            pos, dev = cuda[0]
            raise ValueError(
                f"backend='CPU' runs on CPU arrays, but {describe(pos)} is on device '{dev}'; "
                "use backend='auto' or 'GPU' for CUDA tensors, or move the inputs with .cpu()"
            )
        return _CPU

    # A GPU backend: on the emulator ("GPU_EMU*", or any but "CPU" with $KRED_GPU_EMULATOR=1), host inputs only.
    if backend.startswith("GPU_EMU") or emulator_requested():
        if cuda:
            pos, dev = cuda[0]
            raise ValueError(
                f"backend={backend!r} runs on the host GPU emulator, but {describe(pos)} is on device '{dev}'; "
                "move the inputs with .cpu()"
            )
        kind = backend.replace("_EMU", "")
        kind = kind[: len("GPU_1D")] if kind.startswith("GPU_") else "GPU"
        return EmulatedGPUBackend(_SPLIT.get(kind, -1))
    if gpu_available() == 0:
        what = f"backend={backend!r}" if backend != "auto" else f"{describe(cuda[0][0])} is a CUDA tensor, but"
        raise GPUUnavailableError(f"{what}: kred cannot use a CUDA GPU here: {gpu_error()}")
    kind = backend[: len("GPU_1D")] if backend.startswith("GPU_") else "GPU"
    split = _SPLIT.get(kind, -1)
    if backend.endswith("_device") and not cuda and devices:
        raise ValueError(
            f"backend={backend!r} runs on CUDA tensors, but {describe(host[0])} is in host memory; "
            f"use backend={kind + '_host'!r} (or 'GPU') to copy it to the GPU, or move it with .cuda()"
        )
    if backend.endswith("_host") and cuda:
        pos, dev = cuda[0]
        raise ValueError(
            f"backend={backend!r} copies host inputs to the GPU, but {describe(pos)} is already on device "
            f"'{dev}'; use backend={kind + '_device'!r} or 'GPU'"
        )
    if cuda:
        index = int(cuda[0][1].split(":")[1]) if ":" in cuda[0][1] else 0
        if device_id is not None and device_id >= 0 and device_id != index:
            raise ValueError(
                f"device_id={device_id}, but {describe(cuda[0][0])} is on device '{cuda[0][1]}'; "
                "drop device_id or move the inputs to that device"
            )
        return CUDABackend(backend, index, split, host=False)
    torch = _torch_cuda(backend)
    index = device_id if device_id is not None and device_id >= 0 else torch.cuda.current_device()
    if index >= torch.cuda.device_count():
        raise ValueError(f"device_id={device_id}: there are {torch.cuda.device_count()} CUDA devices")
    return CUDABackend(backend, index, split, host=True)
