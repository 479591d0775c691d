"""What the numpy and torch array tools share (``kred/numpy/_tools.py``, ``kred/torch/_tools.py``).

A framework's tools are a class of static methods that kred.common calls on
its arrays (dtype names, devices, pointers, allocation...); the ones whose
logic does not depend on the framework live here.
"""


class ArrayTools:
    """Base of NumpyTools and TorchTools; a subclass defines is_array(x) and is_complex_array(x)."""

    @classmethod
    def detect_complex(cls, x):
        """Whether `x` (a number, an array or a list of numbers) holds complex values."""
        if isinstance(x, complex):
            return True
        if cls.is_array(x):
            return cls.is_complex_array(x)
        if isinstance(x, list):
            return any(isinstance(v, complex) for v in x)
        return False

    @staticmethod
    def view(x, shape):
        return x.reshape(shape)
