"""Tensor helpers of the torch binding (what kred.common needs from a framework)."""

import torch

from kred.common.tools import ArrayTools

_TORCH_DTYPES = {
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "float32": torch.float32,
    "float64": torch.float64,
    "int64": torch.int64,
}
_NAMES = {t: n for n, t in _TORCH_DTYPES.items()}


class TorchTools(ArrayTools):
    name = "torch"
    array_name = "torch.Tensor"
    arraytype = torch.Tensor
    float_types = (float,)

    @staticmethod
    def is_array(x):
        return isinstance(x, torch.Tensor)

    @staticmethod
    def is_complex_array(x):
        return x.is_complex()

    @staticmethod
    def dtype_name(x):
        n = _NAMES.get(x.dtype)
        return n if n is not None else str(x.dtype).split(".")[-1]

    @staticmethod
    def device(x):
        if x is None:
            return "cpu"
        if not x.is_cuda and x.device.type == "cpu":
            return "cpu"
        return str(x.device)

    @staticmethod
    def shape(x):
        return tuple(x.shape)

    @staticmethod
    def numel(x):
        return x.numel()

    @staticmethod
    def itemsize(x):
        return x.element_size()

    @staticmethod
    def is_contiguous(x):
        return x.is_contiguous()

    @staticmethod
    def layout_problem(x):
        """Why the kernel cannot write `x` in place ('' when it can)."""
        if x.layout != torch.strided:
            return f"must be a dense (strided) tensor (got layout {x.layout})"
        if x.requires_grad:
            return "requires grad (autograd cannot track it: call without out=, or pass a tensor that does not)"
        if not x.is_contiguous():
            return f"must be C-contiguous (got strides {tuple(x.stride())})"
        if x.is_conj() or x.is_neg():
            return "is a lazily conjugated or negated view (call .resolve_conj()/.resolve_neg() first)"
        return ""

    @staticmethod
    def shares_memory(a, b):
        """Whether the memory of tensors `a` and `b` may overlap (same storage and overlapping byte ranges)."""
        if not isinstance(b, torch.Tensor) or a.device != b.device or a.numel() == 0 or b.numel() == 0:
            return False
        if a.layout != torch.strided or b.layout != torch.strided:
            return False
        if a.untyped_storage().data_ptr() != b.untyped_storage().data_ptr():
            return False

        def extent(t):
            start = t.data_ptr()
            span = sum((n - 1) * abs(st) for n, st in zip(t.shape, t.stride())) + 1
            return start, start + span * t.element_size()

        a0, a1 = extent(a)
        b0, b1 = extent(b)
        return a0 < b1 and b0 < a1

    @staticmethod
    def contiguous(x):
        # .detach(): the kernel reads raw memory, autograd is handled around it.
        if x.is_contiguous() and not x.requires_grad and not x.is_conj() and not x.is_neg():
            return x
        x = x.detach()
        if x.is_conj():
            x = x.resolve_conj()
        if x.is_neg():
            x = x.resolve_neg()
        return x.contiguous()

    @staticmethod
    def data_ptr(x):
        return x.data_ptr()

    @staticmethod
    def empty(shape, dtype, like=None):
        device = like.device if like is not None else "cpu"
        return torch.empty(shape, dtype=_TORCH_DTYPES[dtype], device=device)

    @staticmethod
    def fill(x, value):
        x.fill_(value)

    @staticmethod
    def fill_columns(x, values):
        x[...] = torch.tensor(values, dtype=x.dtype, device=x.device)

    @staticmethod
    def reshape(x, shape):
        return x.view(shape)

    # --- used by LazyTensor and the solver -------------------------------
    @staticmethod
    def array(values, dtype, device=None):
        return torch.tensor(values, dtype=_TORCH_DTYPES[dtype], device=device or "cpu")

    @staticmethod
    def view_as_real(x):
        """complex (..., D) -> float (..., 2D), interleaved real/imag (differentiable)."""
        return torch.view_as_real(x.resolve_conj()).reshape(tuple(x.shape[:-1]) + (2 * x.shape[-1],))

    @staticmethod
    def view_as_complex(x):
        """float (..., 2D) -> complex (..., D)."""
        return torch.view_as_complex(x.reshape(tuple(x.shape[:-1]) + (x.shape[-1] // 2, 2)).contiguous())
