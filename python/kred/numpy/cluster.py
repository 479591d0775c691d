"""Clustering helpers for block-sparse reductions on numpy arrays (pykeops.numpy.cluster).

The usual recipe (see docs/python.md, "Block-sparse reductions")::

    lab_x = grid_cluster(x, eps)                               # labels in [0, C)
    ranges_x, centroids_x, _ = cluster_ranges_centroids(x, lab_x)
    x, lab_x = sort_clusters(x, lab_x)                         # clusters contiguous
    ...  (the same for y)
    keep = ((centroids_x[:, None] - centroids_y[None]) ** 2).sum(2) < threshold ** 2
    ranges = from_matrix(ranges_x, ranges_y, keep)
    out = my_genred(x, y, ..., ranges=ranges)

Same names, signatures, dtypes and results as pykeops'.
"""

import numpy as np

from kred.common.cluster import NAMES, key_weights, permute, swap_axes

__all__ = list(NAMES)


def grid_cluster(x, size):
    """Labels of the cubic cells ("voxels") of side `size` that hold the points x (M, D), D <= 3.

    size: a float or a (D,) array. Returns an (M,) integer array of labels
    in [0, C), C the number of non-empty cells, numbered in the order of
    their packed cell coordinates.
    """
    weights = key_weights(x.shape[1])
    cells = np.floor(x / size).astype(int)
    keys = cells @ np.asarray(weights, dtype=int)
    _, labels = np.unique(keys, return_inverse=True)
    return labels.reshape(-1).astype(int)


def from_matrix(ranges_i, ranges_j, keep):
    """The `ranges` 6-tuple of a block-sparse reduction from cluster ranges and a (Ci, Cj) boolean mask.

    ranges_i (Ci, 2), ranges_j (Cj, 2): [start, end) of each cluster of the
    (sorted) i and j points; keep[k, l]: whether cluster k of i interacts
    with cluster l of j. Returns (ranges_i, slices_i, redranges_j,
    ranges_j, slices_j, redranges_i) as int64 arrays.
    """
    keep = np.asarray(keep, dtype=bool)
    _, cols = np.nonzero(keep)  # kept (k, l) pairs, by k then l
    _, rows_t = np.nonzero(keep.T)  # kept (l, k) pairs, by l then k
    return (
        ranges_i.astype("int64"),
        np.cumsum(keep.sum(axis=1)).astype("int64"),
        ranges_j[cols].astype("int64"),
        ranges_j.astype("int64"),
        np.cumsum(keep.sum(axis=0)).astype("int64"),
        ranges_i[rows_t].astype("int64"),
    )


def sort_clusters(x, lab):
    """Sorts points (an array, or a tuple/list of arrays) by label; returns (x_sorted, lab_sorted)."""
    order = np.argsort(lab.ravel())
    lab = lab[order]
    return permute(x, order), lab


def cluster_ranges(lab, Nlab=None):
    """(C, 2) [start, end) indices of the clusters of sorted points; Nlab: points per label (optional)."""
    if Nlab is None:
        Nlab = np.bincount(lab)
    ends = np.cumsum(Nlab, axis=0)
    starts = np.concatenate(([0], ends[:-1]))
    return np.stack((starts, ends), axis=1).astype(int)


def cluster_centroids(x, lab, Nlab=None, weights=None, weights_c=None):
    """(C, D) (weighted) barycenters of the clusters given by labels `lab` of the points x (M, D)."""
    if Nlab is None:
        Nlab = np.bincount(lab).astype(float)
    if weights is not None and weights_c is None:
        weights_c = np.bincount(lab, weights=weights)[:, None]
    c = np.zeros((len(Nlab), x.shape[1]), dtype=x.dtype)
    for d in range(x.shape[1]):
        if weights is None:
            c[:, d] = np.bincount(lab, weights=x[:, d]) / Nlab
        else:
            c[:, d] = np.bincount(lab, weights=x[:, d] * weights.ravel()) / np.ravel(weights_c)
    return c


def cluster_ranges_centroids(x, lab, weights=None):
    """(ranges (C, 2), centroids (C, D), total weight per cluster (C,)) of labelled points."""
    Nlab = np.bincount(lab).astype(float)
    if weights is None:
        return cluster_ranges(lab, Nlab), cluster_centroids(x, lab, Nlab), Nlab
    w_c = np.bincount(lab, weights=weights).ravel()
    return cluster_ranges(lab, Nlab), cluster_centroids(x, lab, Nlab, weights=weights, weights_c=w_c), w_c
