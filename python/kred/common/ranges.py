"""Block-sparse reductions: KeOps' ``ranges=`` argument, checked and converted.

``ranges = (ranges_i, slices_i, redranges_j, ranges_j, slices_j, redranges_i)``
(numpy arrays or torch tensors of any integer dtype):

- axis=1 (reduce over j) uses the first three: output rows
  ``ranges_i[k,0] <= i < ranges_i[k,1]`` are reduced over the j's of
  ``redranges_j[l]`` for ``slices_i[k-1] <= l < slices_i[k]`` (``slices_i[-1]``
  is 0);
- axis=0 (reduce over i) uses the last three, the same way with i and j
  swapped.

Rows in no block (and blocks without reduction ranges) get the reduction
over an empty set (0 for Sum, -inf for LogSumExp, +inf and index -1 for
Min/ArgMin, ...). Only the triple of the reduction's axis is checked for
bounds; the other one is used by the gradients of kred.torch, which reduce
over the other axis.
"""

import numpy as np

NAMES = ("ranges_i", "slices_i", "redranges_j", "ranges_j", "slices_j", "redranges_i")


def swap_axes(ranges):
    """The ranges of the transposed reduction (i and j swapped); None stays None."""
    if ranges is None:
        return None
    return (*ranges[3:6], *ranges[0:3])


def _to_numpy(a, name, caller):
    """An integer array (numpy or torch, any device) as an int64 numpy array."""
    if isinstance(a, np.ndarray):
        arr = a
    elif hasattr(a, "detach") and hasattr(a, "cpu") and hasattr(a, "numpy"):  # torch.Tensor
        arr = a.detach().cpu().numpy()
    else:
        raise TypeError(
            f"{caller}: ranges= entry {name} must be an integer numpy array or torch tensor, "
            f"got {type(a).__name__}"
        )
    if arr.dtype == np.bool_ or arr.dtype.kind not in "iu":
        raise TypeError(f"{caller}: ranges= entry {name} must have an integer dtype (int32 or int64), got {arr.dtype}")
    return np.ascontiguousarray(arr, dtype=np.int64)


def same_ranges(a, b):
    """True when two ranges 6-tuples hold the same values (LazyTensor.join's compatibility check)."""
    if a is b:
        return True
    if a is None or b is None or len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if x is y:
            continue
        try:
            xa, ya = _to_numpy(x, "", ""), _to_numpy(y, "", "")
        except TypeError:
            return False
        if xa.shape != ya.shape or not np.array_equal(xa, ya):
            return False
    return True


def check_ranges(ranges, axis, M, N, caller="Genred"):
    """Checks a ranges 6-tuple; returns (blocks, slices, redranges) of `axis` as int64 numpy arrays.

    blocks: (nblocks, 2) output-row ranges; slices: (nblocks,); redranges:
    (nred, 2) ranges of the reduced index. Raises ValueError/TypeError naming
    the faulty entry.
    """
    if not isinstance(ranges, (tuple, list)) or len(ranges) != 6:
        n = len(ranges) if isinstance(ranges, (tuple, list)) else None
        raise ValueError(
            f"{caller}: ranges= must be a 6-tuple (ranges_i, slices_i, redranges_j, ranges_j, slices_j, "
            f"redranges_i), got "
            + (f"a sequence of {n} entries" if n is not None else f"a {type(ranges).__name__}")
        )
    arrs = [_to_numpy(a, name, caller) for a, name in zip(ranges, NAMES)]
    for k in (0, 3):
        r, s, red = arrs[k], arrs[k + 1], arrs[k + 2]
        nr, ns, nred = NAMES[k], NAMES[k + 1], NAMES[k + 2]
        for a, name in ((r, nr), (red, nred)):
            if a.ndim != 2 or a.shape[1] != 2:
                raise ValueError(
                    f"{caller}: ranges= entry {name} must have shape (n, 2) ([start, end) pairs), got {a.shape}"
                )
        if s.ndim != 1 or s.shape[0] != r.shape[0]:
            raise ValueError(
                f"{caller}: ranges= entry {ns} must have shape ({r.shape[0]},) (one slice end per block of "
                f"{nr}), got {s.shape}"
            )
    k = 0 if axis == 1 else 3
    blocks, slices, red = arrs[k], arrs[k + 1], arrs[k + 2]
    nb, ns, nred = NAMES[k], NAMES[k + 1], NAMES[k + 2]
    rows, reduced = (M, N) if axis == 1 else (N, M)
    rl, rdl = ("M", "N") if axis == 1 else ("N", "M")
    _check_pairs(blocks, nb, rows, rl, caller)
    _check_pairs(red, nred, reduced, rdl, caller)
    if slices.size:
        prev = np.concatenate(([0], slices[:-1]))
        bad = np.nonzero((slices < prev) | (slices > red.shape[0]))[0]
        if bad.size:
            b = int(bad[0])
            raise ValueError(
                f"{caller}: ranges= entry {ns}[{b}] = {int(slices[b])}: slice ends must be non-decreasing, "
                f"between 0 and len({nred}) = {red.shape[0]}"
            )
    if blocks.shape[0] > 1:
        nonempty = blocks[blocks[:, 0] < blocks[:, 1]]
        order = np.argsort(nonempty[:, 0], kind="stable")
        srt = nonempty[order]
        over = np.nonzero(srt[1:, 0] < srt[:-1, 1])[0]
        if over.size:
            a, b = srt[over[0]], srt[over[0] + 1]
            raise ValueError(
                f"{caller}: ranges= entry {nb} has overlapping blocks [{a[0]}, {a[1]}) and [{b[0]}, {b[1]}); "
                "blocks of output rows must be disjoint"
            )
    return blocks, slices, red


def _check_pairs(a, name, size, label, caller):
    if not a.size:
        return
    bad = np.nonzero((a[:, 0] < 0) | (a[:, 1] < a[:, 0]) | (a[:, 1] > size))[0]
    if bad.size:
        k = int(bad[0])
        raise ValueError(
            f"{caller}: ranges= entry {name}[{k}] = [{a[k, 0]}, {a[k, 1]}) is not a range within "
            f"[0, {label}] = [0, {size}]"
        )


def empty_rows(ranges, axis, rows):
    """Boolean numpy mask of the output rows that have nothing to reduce under `ranges` (for `axis`)."""
    k = 0 if axis == 1 else 3
    blocks, slices, red = (_to_numpy(ranges[k + t], NAMES[k + t], "ranges") for t in range(3))
    cum = np.concatenate(([0], np.cumsum(red[:, 1] - red[:, 0])))  # reduced indices before interval l
    first = np.concatenate(([0], slices[:-1]))
    empty = np.ones(rows, dtype=bool)
    for b in np.nonzero(cum[slices] - cum[first] > 0)[0]:
        empty[blocks[b, 0] : blocks[b, 1]] = False
    return empty
