"""Array helpers of the numpy binding (what kred.common needs from a framework)."""

import numpy as np

from kred.common.tools import ArrayTools

_NP_DTYPES = {"float16": np.float16, "float32": np.float32, "float64": np.float64, "int64": np.int64}
# dtype -> name, without numpy's slow dtype.name (hot path of every call)
_NAMES = {np.dtype(t): n for n, t in _NP_DTYPES.items()}

# Reinterpretations between complex (..., D) and interleaved real/imag (..., 2D) data.
_REAL_OF_COMPLEX = {np.dtype(np.complex64): np.float32, np.dtype(np.complex128): np.float64}
_COMPLEX_OF_REAL = {np.dtype(np.float32): np.complex64, np.dtype(np.float64): np.complex128}


def _reinterpret(x, views, need):
    """x made contiguous and viewed as views[x.dtype]; TypeError "<need>, got <dtype>" otherwise."""
    x = np.ascontiguousarray(x)
    view = views.get(x.dtype)
    if view is None:
        raise TypeError(f"{need}, got {x.dtype}")
    return x.view(view)


class NumpyTools(ArrayTools):
    name = "numpy"
    array_name = "numpy.ndarray"
    arraytype = np.ndarray
    float_types = (float, np.floating)

    @staticmethod
    def is_array(x):
        return isinstance(x, np.ndarray)

    @staticmethod
    def is_complex_array(x):
        return np.iscomplexobj(x)

    @staticmethod
    def dtype_name(x):
        d = x.dtype
        n = _NAMES.get(d)
        return n if n is not None else d.name

    @staticmethod
    def device(x):
        return "cpu"

    @staticmethod
    def shape(x):
        return x.shape

    @staticmethod
    def numel(x):
        return x.size

    @staticmethod
    def itemsize(x):
        return x.dtype.itemsize

    @staticmethod
    def is_contiguous(x):
        return x.flags.c_contiguous and x.flags.aligned and x.dtype.isnative

    @staticmethod
    def layout_problem(x):
        """Why the kernel cannot write `x` in place ('' when it can): read-only, strided, misaligned, byte order."""
        if not x.flags.writeable:
            return "is read-only (flags.writeable is False)"
        if not x.flags.c_contiguous:
            return f"must be C-contiguous (got strides {x.strides})"
        if not x.flags.aligned:
            return f"is misaligned (address {x.ctypes.data:#x} is not a multiple of {x.dtype.alignment})"
        if not x.dtype.isnative:
            return f"has non-native byte order (dtype {x.dtype.str})"
        return ""

    @staticmethod
    def shares_memory(a, b):
        """Whether the memory of arrays `a` and `b` may overlap."""
        return isinstance(b, np.ndarray) and bool(np.may_share_memory(a, b))

    @staticmethod
    def contiguous(x):
        """C-contiguous, aligned, native byte order: the array itself when it already is."""
        if x.flags.c_contiguous and x.flags.aligned and x.dtype.isnative:
            return x
        if not x.dtype.isnative:
            x = x.astype(x.dtype.newbyteorder("="))
        return np.ascontiguousarray(x)

    @staticmethod
    def data_ptr(x):
        return x.ctypes.data

    @staticmethod
    def empty(shape, dtype, like=None):
        return np.empty(shape, dtype=_NP_DTYPES[dtype])

    @staticmethod
    def fill(x, value):
        x.fill(value)

    @staticmethod
    def fill_columns(x, values):
        x[...] = np.asarray(values, dtype=x.dtype)

    @staticmethod
    def reshape(x, shape):
        return x.reshape(shape)

    # --- used by LazyTensor and the solver -------------------------------
    @staticmethod
    def array(values, dtype, device=None):
        if dtype not in _NP_DTYPES:
            raise TypeError(f"numpy has no dtype {dtype}")
        return np.array(values, dtype=_NP_DTYPES[dtype])

    @staticmethod
    def view_as_real(x):
        """complex (..., D) -> float (..., 2D), interleaved real/imag."""
        return _reinterpret(x, _REAL_OF_COMPLEX, "complex LazyTensors need complex64 or complex128 arrays")

    @staticmethod
    def view_as_complex(x):
        """float (..., 2D) -> complex (..., D)."""
        return _reinterpret(x, _COMPLEX_OF_REAL, "complex results need float32 or float64 data")
