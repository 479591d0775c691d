"""What kred.numpy.cluster and kred.torch.cluster share (pykeops' cluster helpers).

The array arithmetic differs between numpy and torch (and so do a few
dtypes, as in pykeops); the public names, the cell-key packing of
grid_cluster and the reordering of sort_clusters are the same.
"""

from kred.common.ranges import swap_axes

__all__ = ["NAMES", "key_weights", "permute", "swap_axes"]

# The public names of both cluster modules.
NAMES = sorted(
    [
        "grid_cluster",
        "from_matrix",
        "sort_clusters",
        "cluster_ranges",
        "cluster_centroids",
        "cluster_ranges_centroids",
        "swap_axes",
    ]
)

# Quantized coordinates are packed into one integer key, 10 bits apart.
_KEY_WEIGHTS = {1: (1,), 2: (1 << 10, 1), 3: (1 << 20, 1 << 10, 1)}


def key_weights(D):
    """The weights packing D (1 to 3) integer cell coordinates into one key."""
    if D not in _KEY_WEIGHTS:
        raise NotImplementedError(f"grid_cluster: points of dimension 1, 2 or 3 only, got {D}")
    return _KEY_WEIGHTS[D]


def permute(x, order):
    """x (an array, or a tuple/list of arrays) reordered by `order` along its first axis."""
    if isinstance(x, tuple):
        return tuple(a[order] for a in x)
    if isinstance(x, list):
        return [a[order] for a in x]
    return x[order]
