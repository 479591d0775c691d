"""Where a reduction runs.

``resolve_backend`` turns Genred's ``backend=`` string (KeOps' names) and the
devices of the arguments into a backend object with one method, ``launch``.
Only the CPU backend exists today; the GPU backend (issue 7) plugs in here:
a ``CUDABackend`` with the same ``launch`` signature, chosen for "auto" when
the tensors live on a CUDA device and for "GPU", "GPU_1D", "GPU_2D".
"""

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
)


class GPUNotBuiltError(NotImplementedError):
    """Raised for backend="GPU" or CUDA tensors until the GPU backend exists."""


class CPUBackend:
    name = "CPU"

    def launch(self, kernel, arg_ptrs, M, N, out_ptr, idx_ptr):
        kernel.launch(arg_ptrs, M, N, out_ptr, idx_ptr, 0)

    def launch_ranges(self, kernel, arg_ptrs, M, N, out_ptr, idx_ptr, ranges):
        """Block-sparse launch; ranges = (blocks, slices, redranges), int64 C-contiguous numpy arrays."""
        blocks, slices, red = ranges
        kernel.launch_ranges(
            arg_ptrs, M, N, out_ptr, idx_ptr,
            blocks.ctypes.data, blocks.shape[0], slices.ctypes.data, red.ctypes.data, red.shape[0], 0,
        )


_CPU = CPUBackend()


def resolve_backend(backend, devices, describe):
    """Picks the backend for one call.

    backend: Genred's string; devices: list of (position, device string such
    as "cpu" or "cuda:0"); describe(pos): how errors name an argument.
    """
    if backend is None:
        backend = "auto"
    if not isinstance(backend, str) or backend not in KNOWN_BACKENDS:
        raise ValueError(f"invalid backend {backend!r}; expected one of {', '.join(KNOWN_BACKENDS)}")
    if backend.startswith("GPU"):
        raise GPUNotBuiltError(
            f"backend={backend!r}: the GPU backend is not built yet (kernelred issue 7); "
            "use backend='CPU' or 'auto' with CPU arrays"
        )
    for pos, dev in devices:
        if dev != "cpu":
            raise GPUNotBuiltError(
                f"{describe(pos)} is on device '{dev}', but the GPU backend is not built yet "
                "(kernelred issue 7); move the inputs to the CPU (e.g. tensor.cpu())"
            )
    return _CPU
