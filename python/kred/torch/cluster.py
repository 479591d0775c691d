"""Clustering helpers for block-sparse reductions on torch tensors (pykeops.torch.cluster).

The recipe is kred.numpy.cluster's, on tensors; the ranges go to
``K.ranges = from_matrix(ranges_x, ranges_y, keep)`` or ``Genred(..., ranges=...)``.

Same names, signatures, dtypes and results as pykeops'.
"""

import torch

from kred.common.cluster import NAMES, key_weights, permute, swap_axes

__all__ = list(NAMES)


def grid_cluster(x, size):
    """Labels of the cubic cells of side `size` that hold the points x (M, D), D <= 3.

    Cells are counted from the lowest coordinates of x. Returns an (M,)
    int32 tensor of labels in [0, C), C the number of non-empty cells.
    """
    with torch.no_grad():
        weights = key_weights(x.shape[1])
        cells = ((x - x.min(dim=0, keepdim=True).values) / size).floor().int()
        keys = (cells * torch.tensor(weights, dtype=torch.int32, device=x.device)).sum(1)
        _, labels = torch.unique(keys, sorted=True, return_inverse=True)
        return labels.to(torch.int32)


def from_matrix(ranges_i, ranges_j, keep):
    """The `ranges` 6-tuple of a block-sparse reduction from cluster ranges and a (Ci, Cj) boolean mask.

    Returns (ranges_i, slices_i, redranges_j, ranges_j, slices_j,
    redranges_i); slices are int64, the others keep the dtype of ranges_i
    and ranges_j.
    """
    keep = keep.to(torch.bool)
    cols = keep.nonzero()[:, 1]  # kept (k, l) pairs, by k then l
    rows_t = keep.t().nonzero()[:, 1]  # kept (l, k) pairs, by l then k
    slices_i = keep.sum(1).cumsum(0).to(torch.int64)
    slices_j = keep.sum(0).cumsum(0).to(torch.int64)
    return (ranges_i, slices_i, ranges_j[cols], ranges_j, slices_j, ranges_i[rows_t])


def sort_clusters(x, lab):
    """Sorts points (a tensor, or a tuple/list of tensors) by label; returns (x_sorted, lab_sorted)."""
    lab, order = torch.sort(lab.view(-1))
    return permute(x, order), lab


def cluster_ranges(lab, Nlab=None):
    """(C, 2) int64 [start, end) indices of the clusters of sorted points; Nlab: points per label."""
    if Nlab is None:
        Nlab = torch.bincount(lab)
    ends = Nlab.round().to(torch.int64).cumsum(0) if Nlab.is_floating_point() else Nlab.to(torch.int64).cumsum(0)
    starts = torch.cat((torch.zeros(1, dtype=torch.int64, device=ends.device), ends[:-1]))
    return torch.stack((starts, ends), dim=1)


def cluster_centroids(x, lab, Nlab=None, weights=None, weights_c=None):
    """(C, D) (weighted) barycenters of the clusters given by labels `lab` of the points x (M, D)."""
    if Nlab is None:
        Nlab = torch.bincount(lab).float()
    if weights is not None and weights_c is None:
        weights_c = torch.bincount(lab, weights=weights).view(-1, 1)
    c = torch.zeros((len(Nlab), x.shape[1]), dtype=x.dtype, device=x.device)
    for d in range(x.shape[1]):
        if weights is None:
            c[:, d] = torch.bincount(lab, weights=x[:, d]) / Nlab
        else:
            c[:, d] = torch.bincount(lab, weights=x[:, d] * weights.view(-1)) / weights_c.view(-1)
    return c


def cluster_ranges_centroids(x, lab, weights=None, min_weight=1e-9):
    """(ranges (C, 2), centroids (C, D), total weight per cluster (C,)) of labelled points.

    Weights below `min_weight` count as `min_weight` (no empty barycenters).
    """
    Nlab = torch.bincount(lab).float()
    if weights is None:
        return cluster_ranges(lab, Nlab), cluster_centroids(x, lab, Nlab), Nlab
    weights = weights.clamp(min=min_weight)
    w_c = torch.bincount(lab, weights=weights).view(-1)
    return cluster_ranges(lab, Nlab), cluster_centroids(x, lab, Nlab, weights=weights, weights_c=w_c), w_c
