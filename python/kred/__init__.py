"""kernelred (kred): symbolic kernel reductions compiled with MLIR.

A drop-in replacement for pykeops: ``from kred.numpy import Genred, LazyTensor``
or ``from kred.torch import ...``. numpy is required; torch only for kred.torch.
The compiled extension ``kred._C`` is loaded on first use.
"""

__version__ = "0.1.0"


def set_num_threads(n):
    """Number of CPU threads used by reductions (n <= 0: all hardware threads)."""
    from kred.common._cext import extension

    extension().set_num_threads(int(n))


def get_num_threads():
    """Number of CPU threads used by reductions."""
    from kred.common._cext import extension

    return extension().get_num_threads()


def clear_cache():
    """Forgets the kernels compiled in this process (the on-disk cache is kept)."""
    from kred.common import cache

    cache.clear()


__all__ = ["set_num_threads", "get_num_threads", "clear_cache", "__version__"]
