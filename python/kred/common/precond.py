"""Low-rank preconditioners of KernelSolve's conjugate gradient (numpy and torch).

KernelSolve solves ``A a = b`` with ``A = alpha Id + K`` and ``K(a) = Sum_j F(x_i, y_j, a_j)`` linear in the
unknown ``a`` and symmetric positive (semi-)definite. Plain CG needs about sqrt(cond(A)) iterations, and
kernel matrices have fast decaying spectra: cond(A) is about lambda_max(K) / alpha. As GP libraries do
(gpytorch: pivoted Cholesky; Falkon: Nystrom), the preconditioner is ``P = alpha Id + L L^T`` with
``L L^T`` a rank-r approximation of K; ``P^-1 A`` has its eigenvalues in [1, 1 + lambda_max(K - L L^T) / alpha].

- ``"pivchol"``: greedy pivoted Cholesky. Each step takes the largest entry of the diagonal of the residual
  ``K - L L^T`` as pivot and needs one column of K: one kred reduction of the same formula whose reduced
  range has size 1 (the reduced-index variables sliced to the pivot's row, the unknown a unit vector).
  The diagonal of K is one reduction too: the formula with the reduced-index variables recategorized as
  output-index variables (as kred/torch/autograd.py's pair kernels do), over a reduced range of size 1,
  pairs (i, i). The rank grows until the captured mass of a pivot (|l|^2, a lower bound of the largest
  eigenvalue left in the residual) or the trace of the residual drops below alpha (then cond(P^-1 A)
  is small), or the rank reaches its cap (default_rank), or K turns out nearly diagonal (plain CG is
  fast then).
- ``"nystrom"``: uniform landmarks (Falkon): r columns at random pivots, ``L = C W^-1/2`` with W the
  landmarks' block.

K is never stored: memory O(n r), setup r kernel columns (r / n of one product with K) and O(n r^2)
flops. K is the Kronecker product of a scalar kernel with the identity of the unknown's dimension E
for formulas such as ``k(x, y) * a`` (checked exactly on two columns): then L is n x r and applies to
the E columns at once; otherwise the factorization runs over the n E unknowns.

Applied by Woodbury as ``z = r - L (alpha Id + L^T L)^-1 L^T r`` (that is alpha P^-1; CG does not see the
constant), in float64: O(n r) per iteration, one O(n r^2) product and an r x r inverse to set up.
"""

import math
import time

from kred.common import autodiff as ad
from kred.common import genred
from kred.common.parse import as_integer, parse_alias

#: precond= values (None, False and "none" switch it off).
KINDS = ("auto", "pivchol", "nystrom")

# Unit roundoff of the input dtypes: columns of K are evaluated in the inputs' dtype.
_EPS = {"float16": 4.9e-4, "bfloat16": 3.9e-3, "float32": 6.0e-8, "float64": 1.1e-16}


def check_options(precond, rank):
    """(kind, rank) of precond= and precond_rank=: kind one of KINDS or None; rank an int >= 1 or None."""
    if precond is None or precond is False or (isinstance(precond, str) and precond.lower() == "none"):
        kind = None
    elif isinstance(precond, str) and precond in KINDS:
        kind = precond
    else:
        raise ValueError(f"KernelSolve: precond must be 'auto', 'pivchol', 'nystrom' or None, got {precond!r}")
    if rank is None or (isinstance(rank, str) and rank == "auto"):
        rank = None
    else:
        rank = as_integer(rank, "KernelSolve: precond_rank", minimum=1)
    return kind, rank


def default_rank(n):
    """The cap of the automatic rank for n unknowns (per batch element and column of the unknown)."""
    return min(n, max(100, min(500, int(4 * math.sqrt(n)))))


# ---------------------------------------------------------------------------
# numpy and torch, for the few dense operations the preconditioner needs (float64)


class _NumpyOps:
    def __init__(self, like):
        import numpy

        self.np = numpy

    def f64(self, x):
        return self.np.asarray(x, dtype=self.np.float64)

    def cast(self, x, like):
        return x.astype(like.dtype, copy=False)

    def zeros(self, shape):
        return self.np.zeros(shape)

    def unit_rows(self, rows, dim, e, like):
        u = self.np.zeros((rows, dim), dtype=like.dtype)
        u[:, e] = 1
        return u

    def argmax(self, v):
        return int(self.np.argmax(v))

    def clamp0_(self, v):
        self.np.maximum(v, 0.0, out=v)

    # numpy's own loops (einsum) where a threaded BLAS call would cost more than its work: OpenBLAS wakes
    # its threads for each call (about 0.1 s on a busy host) and leaves them spinning against kred's.

    def combine(self, rows, coef):
        """sum_q coef[q] rows[q] (the pivoted Cholesky's Schur update, r calls)."""
        return self.np.einsum("qn,q->n", rows, coef)

    def gram(self, Lt):
        """Lt Lt^T of (nb, r, n)."""
        nb, r, n = Lt.shape
        if r * r * n <= 5e7:
            return self.np.einsum("brn,bsn->brs", Lt, Lt)
        return Lt @ self.mT(Lt)  # BLAS: blocked, worth its threads

    def woodbury(self, Lt, Cinv, x):
        """x - Lt^T Cinv Lt x for x (nb, n, c): four einsums over contiguous rows (once per CG step)."""
        np = self.np
        xt = self.mT(x).copy()  # (nb, c, n), C-contiguous; never a view of x (CG's residual)
        t = np.einsum("brn,bcn->brc", Lt, xt)
        y = np.einsum("brs,bsc->brc", Cinv, t)
        xt -= np.einsum("brc,brn->bcn", y, Lt)
        return self.mT(xt)

    def copy(self, v):
        return v.copy()

    def all_equal(self, a, b):
        return bool((a == b).all())

    def all_zero(self, a):
        return not a.any()

    def mT(self, a):
        return self.np.swapaxes(a, -1, -2)

    def eigh(self, a):
        return self.np.linalg.eigh(a)

    def inv(self, a):
        return self.np.linalg.inv(a)

    def eye(self, n):
        return self.np.eye(n)

    def trace(self, a):
        return self.np.trace(a)

    def stack_columns(self, cols):
        return self.np.stack(cols, axis=1)

    def take(self, a, idx):
        return a[self.np.asarray(idx)]


class _TorchOps:
    def __init__(self, like):
        import torch

        self.torch = torch
        self.device = like.device

    def f64(self, x):
        return x.to(self.torch.float64)

    def cast(self, x, like):
        return x.to(like.dtype)

    def zeros(self, shape):
        return self.torch.zeros(shape, dtype=self.torch.float64, device=self.device)

    def unit_rows(self, rows, dim, e, like):
        u = self.torch.zeros((rows, dim), dtype=like.dtype, device=like.device)
        u[:, e] = 1
        return u

    def argmax(self, v):
        return int(self.torch.argmax(v))

    def clamp0_(self, v):
        v.clamp_(min=0.0)

    def combine(self, rows, coef):
        return coef @ rows

    def gram(self, Lt):
        return Lt @ self.mT(Lt)

    def woodbury(self, Lt, Cinv, x):
        return x - self.mT(Lt) @ (Cinv @ (Lt @ x))

    def copy(self, v):
        return v.clone()

    def all_equal(self, a, b):
        return bool(self.torch.equal(a, b))

    def all_zero(self, a):
        return not bool(a.any())

    def mT(self, a):
        return a.transpose(-1, -2)

    def eigh(self, a):
        return self.torch.linalg.eigh(a)

    def inv(self, a):
        return self.torch.linalg.inv(a)

    def eye(self, n):
        return self.torch.eye(n, dtype=self.torch.float64, device=self.device)

    def trace(self, a):
        return self.torch.trace(a)

    def stack_columns(self, cols):
        return self.torch.stack(cols, dim=1)

    def take(self, a, idx):
        return a[self.torch.as_tensor(idx, device=a.device)]


class _TorchCpuOps(_NumpyOps):
    """CPU tensors: the dense work in numpy (less overhead per operation), the reductions on tensors."""

    def __init__(self, like):
        import torch

        super().__init__(like)
        self.torch = torch

    def f64(self, x):
        if x.dtype == self.torch.bfloat16:  # no numpy dtype
            return x.to(self.torch.float64).numpy()
        return self.np.asarray(x.numpy(), dtype=self.np.float64)  # numpy's copy: one thread, no barrier

    def cast(self, x, like):
        if like.dtype == self.torch.bfloat16:
            return self.torch.from_numpy(x).to(like.dtype)
        return self.torch.from_numpy(self.np.asarray(x, dtype=str(like.dtype).split(".")[-1]))

    def unit_rows(self, rows, dim, e, like):
        return _TorchOps.unit_rows(self, rows, dim, e, like)



def _ops(tools, like):
    if tools.name != "torch":
        return _NumpyOps(like)
    return _TorchCpuOps(like) if like.device.type == "cpu" else _TorchOps(like)


# ---------------------------------------------------------------------------
# Entries of K through kred reductions


def _categories(spec):
    """{position: category} of the arguments, from the aliases and the Var(...) references of the formula."""
    cats = {}
    for k, a in enumerate(spec.aliases):
        try:
            _, cat, _, pos = parse_alias(a, position_in_list=k)
        except (TypeError, ValueError):
            continue
        if pos is not None:
            cats.setdefault(pos, cat)
    for m in ad._REF_RE.finditer(spec.formula):
        kind, pos, _, cat = m.groups()
        c = int(cat) if kind == "Var" and cat is not None else ad._KEYWORD_CAT.get(kind)
        if c is not None:
            cats.setdefault(int(pos), c)
    return cats


class _Unsupported(Exception):
    """The operator is not one the preconditioner can factor (KernelSolve's own checks report why)."""


class _Entries:
    """The diagonal and the columns of K for one batch element (2-D arrays, parameters 1-D), by reductions
    of the KernelSolve's formula; float64 vectors of length n = rows (scalar kernels) or rows * E."""

    def __init__(self, ks, args, backend, device_id, ops, cats):
        self.ks, self.args, self.backend, self.device_id, self.ops = ks, args, backend, device_id, ops
        self.pos = ks.varinvpos
        self.rc = ks.spec.axis  # the reduced category: j (1) for axis=1, i (0) for axis=0
        self.cats = cats
        b = args[self.pos]
        self.rows, self.E = b.shape[-2], b.shape[-1]
        self.like = b
        self.scalar = True
        self.calls = 0

    def _call(self, spec, args):
        self.calls += 1
        tools = self.ks._tools
        return genred.call(spec, tools, args, self.backend, self.device_id, None, None,
                           caller="KernelSolve (preconditioner)")

    def raw_column(self, j, e):
        """K applied to the unit vector (j, e): the (rows, E) output of the reduction over row j only, in float64."""
        args = list(self.args)
        for p, a in enumerate(args):
            if self.cats.get(p) == self.rc and p != self.pos:
                args[p] = a[j : j + 1]
        args[self.pos] = self.ops.unit_rows(1, self.E, e, self.like)
        out = self._call(self.ks.spec, args)
        if tuple(out.shape) != (self.rows, self.E):
            raise _Unsupported()
        return self.ops.f64(out)

    def raw_diagonal(self, e):
        """(rows, E), float64: row i is K applied to the unit vector (i, e), at the pair (i, i) only."""
        spec = self.ks.spec
        f, aliases = ad.recategorize(spec.formula, tuple(spec.aliases), self.rc, 1 - self.rc)
        dspec = ad.derived_spec(f, aliases, "Sum", spec.axis, None, None, spec.dtype_acc, spec.sum_scheme,
                                spec.fast_math)
        args = list(self.args)
        args[self.pos] = self.ops.unit_rows(self.rows, self.E, e, self.like)
        return self.ops.f64(self._call(dspec, args))

    def detect_scalar(self):
        """Whether K = k (x) Id_E: on two columns, unit vector e maps to component e only, the same for all e."""
        if self.E == 1:
            return True
        for j in sorted({0, self.rows // 2}):
            first = None
            for e in range(self.E):
                out = self.raw_column(j, e)
                ref = out[:, e]
                if first is None:
                    first = ref
                elif not self.ops.all_equal(ref, first):
                    return False
                others = [c for c in range(self.E) if c != e]
                if others and not self.ops.all_zero(out[:, others]):
                    return False
        return True

    @property
    def n(self):
        return self.rows if self.scalar else self.rows * self.E

    def diagonal(self):
        if self.scalar:
            return self.raw_diagonal(0)[:, 0]
        out = self.ops.zeros((self.rows, self.E))
        for e in range(self.E):
            out[:, e] = self.raw_diagonal(e)[:, e]
        return out.reshape(-1)

    def column(self, p):
        if self.scalar:
            return self.raw_column(p, 0)[:, 0]
        j, e = divmod(p, self.E)
        return self.raw_column(j, e).reshape(-1)


# ---------------------------------------------------------------------------
# Factorizations: the rows of L^T (r, n), float64


def pivoted_cholesky(ops, diag, column, rmax, alpha, floor, adaptive, min_rank=16):
    """Greedy pivoted Cholesky: (L^T (k, n), pivots).

    Stops at rank rmax, or when the largest residual diagonal entry falls to `floor` (K is numerically
    exhausted). If adaptive, also once a pivot captures at most alpha (|l|^2 <= alpha: what is left has
    eigenvalues near alpha, or below), once the residual's trace is at most alpha, or after min_rank pivots
    whose columns were mostly their own diagonal entry (sum of |l|^2 - l_p^2 below the sum of l_p^2: K is
    nearly diagonal, CG converges fast without a preconditioner and more pivots would only cost time).
    """
    n = diag.shape[0]
    d = ops.copy(diag)
    Lt = ops.zeros((rmax, n))
    pivots = []
    k = 0
    own = off = 0.0
    while k < rmax:
        p = ops.argmax(d)
        if not float(d[p]) > floor:
            break
        row = Lt[k]
        row[...] = column(p)
        if k:
            row -= ops.combine(Lt[:k], Lt[:k, p])  # the Schur complement's column
        piv = float(row[p])
        if not piv > floor:
            row[...] = 0
            break
        row *= 1 / math.sqrt(piv)
        ll = row * row
        d -= ll
        d[p] = 0.0
        ops.clamp0_(d)
        pivots.append(p)
        k += 1
        if adaptive:
            mass = float(ll.sum())
            own += piv
            off += mass - piv
            if mass <= alpha or float(d.sum()) <= alpha or (k >= min_rank and off < own):
                break
    return Lt[:k], pivots


def nystrom(ops, n, column, rank, floor_rel, seed=0):
    """Nystrom approximation on `rank` uniform random landmarks: (L^T (k, n), landmarks)."""
    import numpy as np

    r = min(rank, n)
    S = np.sort(np.random.default_rng(seed).choice(n, size=r, replace=False))
    C = ops.stack_columns([column(int(p)) for p in S])  # (n, r)
    W = ops.take(C, S)
    W = (W + ops.mT(W)) / 2
    lam, V = ops.eigh(W)
    top = float(lam[-1]) if r else 0.0
    if not top > 0:
        return ops.zeros((0, n)), []
    keep = [k for k in range(r) if float(lam[k]) > floor_rel * top]
    V, lam = V[:, keep], lam[keep]
    L = C @ (V / lam**0.5)
    return ops.mT(L), [int(p) for p in S]


# ---------------------------------------------------------------------------


class LowRankPreconditioner:
    """``z = alpha P^-1 v`` for ``P = alpha Id + L L^T`` (one L per batch element), by Woodbury:
    ``z = v - L (alpha Id + L^T L)^-1 L^T v`` with the r x r inverse computed once.

    Accurate (and positive definite) when alpha is well above the rounding of L^T L, eps * lambda_max: the
    shift is raised to 1e3 eps trace(L^T L) where alpha is smaller (P is a valid preconditioner still). kind, ranks (per batch element), scalar (L acts on each column of the unknown), setup_s,
    kernel_calls.
    """

    def __init__(self, ops, Lts, alpha, scalar, batch, rows, E, kind):
        self.ops, self.scalar, self.kind = ops, scalar, kind
        self.batch, self.rows, self.E = tuple(batch), rows, E
        self.ranks = [int(Lt.shape[0]) for Lt in Lts]
        nb, r = len(Lts), max(self.ranks)
        n = rows if scalar else rows * E
        Lt = ops.zeros((nb, r, n))
        for k, f in enumerate(Lts):
            Lt[k, : f.shape[0]] = f
        G = ops.gram(Lt)  # (nb, r, r)
        # trace(G) >= lambda_max(G): the shift keeps alpha Id + G's inverse accurate to about 1e-13 / (1 + x)
        # in the directions where its exact value is x (the smallest, alpha / (alpha + lambda_max)).
        top = max(float(ops.trace(G[k])) for k in range(nb))
        self.shift = max(alpha, 1e3 * 2.2e-16 * top)
        C = G + self.shift * ops.eye(r)
        Cinv = ops.inv(C)
        self.Cinv = (Cinv + ops.mT(Cinv)) / 2  # exactly symmetric: CG needs a symmetric P
        self.Lt = Lt
        self.nb, self.n = nb, n
        self.setup_s = 0.0
        self.kernel_calls = 0

    @property
    def rank(self):
        return max(self.ranks)

    def __call__(self, v):
        ops = self.ops
        x = ops.f64(v).reshape((self.nb, self.n, self.E if self.scalar else 1))
        z = ops.woodbury(self.Lt, self.Cinv, x)
        return ops.cast(z.reshape(tuple(v.shape)), v)


def _batch_item(a, cat, idx, nbatch):
    """Argument `a` (category cat) for the batch element of multi-index idx (its batch dims right-aligned,
    broadcast where they are 1); None when its batch dims do not broadcast to the unknown's."""
    trailing = 1 if cat == 2 else 2
    s = tuple(a.shape)
    bb = s[: max(len(s) - trailing, 0)]
    if not bb:
        return a
    sel = []
    off = nbatch - len(bb)
    for k, d in enumerate(bb):
        if off + k < 0:
            if d != 1:
                return None
            sel.append(0)
        else:
            sel.append(0 if d == 1 else idx[off + k])
    return a[tuple(sel)]


def build(ks, args, alpha, backend, device_id, kind, rank):
    """The preconditioner of the KernelSolve `ks` on `args` (kind "auto", "pivchol" or "nystrom"; rank None:
    automatic), or None when it cannot help: auto with alpha <= 0 or a non-scalar alpha, arguments whose shapes
    KernelSolve's operator rejects (it reports them), nothing captured (K = 0)."""
    t0 = time.perf_counter()
    tools = ks._tools
    pos = ks.varinvpos
    b = args[pos]
    try:
        alpha = float(alpha)
    except (TypeError, ValueError, RuntimeError):
        if kind == "auto":
            return None
        raise TypeError(f"KernelSolve: precond= needs a scalar alpha, got {type(alpha).__name__}") from None
    if not alpha > 0:
        if kind == "auto":
            return None
        raise ValueError(f"KernelSolve: precond={kind!r} needs alpha > 0 (P = alpha Id + L L^T), got {alpha}")
    if kind == "auto":
        kind = "pivchol"
    if not tools.is_array(b) or len(tuple(b.shape)) < 2:
        return None
    dtype = tools.dtype_name(b)
    eps = _EPS.get(dtype)
    if eps is None:
        return None
    cats = _categories(ks.spec)
    rc = ks.spec.axis
    rows, E = b.shape[-2], b.shape[-1]
    # The operator maps (rows, E) to itself: every variable of either index has `rows` rows (else the
    # operator's own check reports it).
    for p, a in enumerate(args):
        c = cats.get(p)
        if c in (0, 1) and (not tools.is_array(a) or len(tuple(a.shape)) < 2 or a.shape[-2] != rows):
            return None
    if cats.get(pos) != rc or rows == 0 or E == 0:
        return None
    batch = tuple(b.shape[:-2])
    ops = _ops(tools, b)
    try:
        Lts, scalar, calls = _factor_batch(ks, tools, args, cats, batch, ops, backend, device_id, kind, rank, alpha,
                                           eps)
    except _Unsupported:
        return None
    if not Lts or max(int(Lt.shape[0]) for Lt in Lts) == 0:
        return None
    P = LowRankPreconditioner(ops, Lts, alpha, scalar, batch, rows, E, kind)
    P.setup_s = time.perf_counter() - t0
    P.kernel_calls = calls
    return P


def _factor_batch(ks, tools, args, cats, batch, ops, backend, device_id, kind, rank, alpha, eps):
    """(L^T factors, one per batch element; scalar; kernel calls)."""
    import itertools

    nbatch = len(batch)
    Lts, scalar, calls = [], None, 0
    for idx in itertools.product(*[range(d) for d in batch]):
        items = []
        for p, a in enumerate(args):
            c = cats.get(p)
            item = a if c is None or not tools.is_array(a) else _batch_item(a, c, idx, nbatch)
            if item is None:
                raise _Unsupported()
            items.append(item)
        ent = _Entries(ks, items, backend, device_id, ops, cats)
        if scalar is None:
            scalar = ent.detect_scalar()
        ent.scalar = scalar
        n = ent.n
        rmax = min(rank, n) if rank is not None else default_rank(n)
        diag = ent.diagonal()
        dmax = float(diag.max()) if n else 0.0
        if not dmax > 0 or not math.isfinite(dmax):
            Lt = ops.zeros((0, n))
        elif kind == "pivchol":
            Lt, _ = pivoted_cholesky(ops, diag, ent.column, rmax, alpha, 10 * eps * dmax, adaptive=rank is None)
        else:
            Lt, _ = nystrom(ops, n, ent.column, rmax, 10 * eps)
        calls += ent.calls
        Lts.append(Lt)
    return Lts, scalar, calls
