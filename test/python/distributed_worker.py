"""One rank of the kred.distributed tests (launched by test_distributed.py, as torchrun would).

Usage: distributed_worker.py SCENARIO OUT_JSON, with RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT in
the environment. Every rank builds the same full data from one seed, takes its shards, runs the sharded
reductions and compares them with kred.torch on the whole data in this process (values up to summation
order, indices exactly, gradients of the shard it owns). It writes {"checks": n, "failures": [...]}.
"""

import datetime
import json
import os
import sys
import traceback

import torch
import torch.distributed as dist

import kred.distributed as kd
import kred.torch as kt

RANK = int(os.environ["RANK"])
WORLD = int(os.environ["WORLD_SIZE"])

failures = []
checks = [0]


def check(ok, what):
    checks[0] += 1
    if not ok:
        failures.append(what)


def close(a, b, what, rtol=1e-9, atol=1e-11):
    a, b = a.detach(), b.detach()
    ok = a.shape == b.shape and bool(torch.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))
    if not ok:
        diff = (a - b).abs().max().item() if a.shape == b.shape and a.numel() else "shape"
        what = f"{what}: {tuple(a.shape)} vs {tuple(b.shape)}, max diff {diff}"
    check(ok, what)


def equal(a, b, what):
    ok = a.shape == b.shape and bool(torch.equal(a, b))
    check(ok, f"{what}: {a.tolist() if not ok else ''} vs {b.tolist() if not ok else ''}")


def split(n, sizes):
    """(start, stop) of this rank for explicit shard sizes (or even shards when sizes is None)."""
    if sizes is None:
        q, r = divmod(n, WORLD)
        sizes = [q + (1 if k < r else 0) for k in range(WORLD)]
    assert sum(sizes) == n and len(sizes) == WORLD, (n, sizes)
    start = sum(sizes[:RANK])
    return start, start + sizes[RANK]


# Uneven shards with an empty one and a rank with a single row, per world size.
J_SIZES = {2: [1, 12], 3: [6, 0, 7]}
I_SIZES = {2: [8, 1], 3: [1, 5, 3]}
M, N, D = 9, 13, 3

# (name, formula, aliases, reduction, opt_arg, formula2, differentiable values)
CASES = [
    ("Sum", "Exp(-p*SqDist(x,y))*b", "Sum", None, None, True),
    ("LogSumExp", "-p*SqDist(x,y)", "LogSumExp", None, None, True),
    ("LogSumExpWeight", "-p*SqDist(x,y)", "LogSumExp", None, "b", True),
    ("SumSoftMaxWeight", "-p*SqDist(x,y)", "SumSoftMaxWeight", None, "b", True),
    ("Max_SumShiftExp", "-p*SqDist(x,y)", "Max_SumShiftExp", None, None, False),
    ("Min", "p*SqDist(x,y)", "Min", None, None, True),
    ("Max", "-p*SqDist(x,y)", "Max", None, None, True),
    ("ArgMin", "SqDist(x,y)", "ArgMin", None, None, False),
    ("ArgMax", "-SqDist(x,y)", "ArgMax", None, None, False),
    ("Min_ArgMin", "SqDist(x,y)", "Min_ArgMin", None, None, False),
    ("Max_ArgMax", "(x|y)", "Max_ArgMax", None, None, False),
    ("KMin", "p*SqDist(x,y)", "KMin", 3, None, True),
    ("ArgKMin", "SqDist(x,y)", "ArgKMin", 3, None, False),
    ("KMin_ArgKMin", "SqDist(x,y)", "KMin_ArgKMin", 3, None, False),
]


def data(dtype=torch.float64):
    g = torch.Generator().manual_seed(1234)
    x = torch.randn(M, D, generator=g, dtype=dtype)
    y = torch.randn(N, D, generator=g, dtype=dtype)
    # ties across shards: equal points far apart in the global order
    y[N - 1] = y[0]
    y[7] = y[2]
    x[M - 1] = x[1]
    b = torch.randn(N, 2, generator=g, dtype=dtype)
    p = torch.rand(1, generator=g, dtype=dtype) + 0.5
    return x, y, b, p


def outputs(res):
    return res if isinstance(res, tuple) else (res,)


def run_reductions():
    x, y, b, p = data()
    for shard in ("j", "i", "ij"):
        isz = I_SIZES[WORLD] if "i" in shard else None
        jsz = J_SIZES[WORLD] if "j" in shard else None
        for axis in (1, 0):
            for name, f, red, K, f2, diff in CASES:
                # axis=0 reduces over i: swap the roles of the data (x stays the i-variable)
                aliases = ["x=Vi(3)", "y=Vj(3)", "p=Pm(1)", "b=Vj(2)" if axis == 1 else "b=Vi(2)"]
                bb = b if axis == 1 else b[:M]
                xs, ys = x, y
                i0, i1 = split(M, isz) if "i" in shard else (0, M)
                j0, j1 = split(N, jsz) if "j" in shard else (0, N)
                b0, b1 = (j0, j1) if axis == 1 else (i0, i1)
                kw = dict(reduction_op=red, axis=axis, opt_arg=K, formula2=f2)
                label = f"[world {WORLD} rank {RANK}] {name} shard={shard} axis={axis}"
                ref_g = kt.Genred(f, aliases, **kw)
                dist_g = kd.Genred(f, aliases, shard=shard, **kw)

                # the leaves: full (reference) and this rank's view of them
                leaves = [t.clone().requires_grad_(diff) for t in (xs, ys, p, bb)]
                local = [
                    leaves[0].detach()[i0:i1].clone().requires_grad_(diff),
                    leaves[1].detach()[j0:j1].clone().requires_grad_(diff),
                    leaves[2].detach().clone().requires_grad_(diff),
                    leaves[3].detach()[b0:b1].clone().requires_grad_(diff),
                ]
                try:
                    ref = outputs(ref_g(*leaves))
                    got = outputs(dist_g(*local))
                except Exception:
                    check(False, f"{label}: raised {traceback.format_exc()}")
                    continue
                r0, r1 = (i0, i1) if axis == 1 else (j0, j1)
                rows_sharded = (axis == 1 and "i" in shard) or (axis == 0 and "j" in shard)
                for k, (g_, r_) in enumerate(zip(got, ref)):
                    r_ = r_[r0:r1] if rows_sharded else r_
                    if r_.dtype == torch.int64:
                        equal(g_, r_, f"{label} indices")
                    else:
                        close(g_, r_, f"{label} values {k}")
                if not diff:
                    continue
                gen = torch.Generator().manual_seed(99)
                w_full = torch.randn(ref[0].shape, generator=gen, dtype=ref[0].dtype)
                w = w_full[r0:r1] if rows_sharded else w_full
                (ref[0] * w_full).sum().backward()
                (got[0] * w).sum().backward()
                slices = [(i0, i1), (j0, j1), None, (b0, b1)]
                for v, (lf, lc, sl) in enumerate(zip(leaves, local, slices)):
                    want = lf.grad if sl is None else lf.grad[sl[0] : sl[1]]
                    if lc.grad is None:
                        check(False, f"{label}: no gradient for input {v}")
                    else:
                        close(lc.grad, want, f"{label} gradient of input {v}", rtol=1e-7, atol=1e-9)


def run_lazytensor():
    """LazyTensor reductions under kd.sharded(), and a float32 run on the GPU emulator's kernels."""
    x, y, b, p = data(torch.float32)
    j0, j1 = split(N, J_SIZES[WORLD])
    X, Y = kt.LazyTensor(x[:, None, :]), kt.LazyTensor(y[None, :, :])
    ref = ((-(X - Y).sqnorm2()).exp() * kt.LazyTensor(b[None, :, :])).sum(dim=1)
    refk = (X - Y).sqnorm2().argKmin(4, dim=1)
    Yl = kt.LazyTensor(y[None, j0:j1, :])
    with kd.sharded("j"):
        got = ((-(X - Yl).sqnorm2()).exp() * kt.LazyTensor(b[None, j0:j1, :])).sum(dim=1)
        gotk = (X - Yl).sqnorm2().argKmin(4, dim=1)
    close(got, ref, f"[world {WORLD}] LazyTensor sum", rtol=1e-5, atol=1e-6)
    equal(gotk, refk, f"[world {WORLD}] LazyTensor argKmin")
    for backend in ("GPU_EMU_1D", "GPU_EMU_2D"):
        for red, f in (("LogSumExp", "-SqDist(x,y)"), ("Min_ArgMin", "SqDist(x,y)")):
            al = ["x=Vi(3)", "y=Vj(3)"]
            r = outputs(kt.Genred(f, al, reduction_op=red, axis=1)(x, y))
            g = outputs(kd.Genred(f, al, reduction_op=red, axis=1, shard="j")(x, y[j0:j1], backend=backend))
            close(g[0], r[0], f"[world {WORLD}] {backend} {red} values", rtol=1e-5, atol=1e-6)
            if len(r) > 1:
                equal(g[1], r[1], f"[world {WORLD}] {backend} {red} indices")


def run_solve():
    g = torch.Generator().manual_seed(7)
    n = 41
    x = torch.rand(n, 2, generator=g, dtype=torch.float64)
    bvec = torch.randn(n, 3, generator=g, dtype=torch.float64)
    f = "Exp(-SqDist(x,y)/s)*a"
    al = ["x=Vi(2)", "y=Vj(2)", "a=Vj(3)", "s=Pm(1)"]
    s = torch.tensor([0.05], dtype=torch.float64)
    K = torch.exp(-((x[:, None] - x[None]) ** 2).sum(-1) / s)
    want = torch.linalg.solve(K + 0.5 * torch.eye(n, dtype=torch.float64), bvec)
    i0, i1 = split(n, [10, 31] if WORLD == 2 else [20, 1, 20])
    got = kd.KernelSolve(f, al, "a", axis=1)(x[i0:i1], x[i0:i1], bvec[i0:i1], s, alpha=0.5, eps=1e-10)
    close(got, want[i0:i1], f"[world {WORLD}] KernelSolve", rtol=1e-6, atol=1e-8)


def run_failure():
    """Rank 1 passes a bad shard: every rank must raise (not hang) with rank 1's message."""
    x, y, b, p = data()
    g = kd.Genred("SqDist(x,y)", ["x=Vi(3)", "y=Vj(3)"], reduction_op="Min", axis=1, shard="j")
    yl = y[:4] if RANK != 1 else y[:4, :2]
    try:
        g(x, yl)
        check(False, f"rank {RANK}: no error")
    except Exception as e:  # noqa: BLE001
        msg = str(e)
        check("y" in msg and "(n, 3)" in msg if RANK == 1 else "rank 1" in msg and "(n, 3)" in msg,
              f"rank {RANK}: unexpected message {msg!r}")
    # the group is still usable afterwards
    got = g(x, y[split(N, None)[0] : split(N, None)[1]])
    ref = kt.Genred("SqDist(x,y)", ["x=Vi(3)", "y=Vj(3)"], reduction_op="Min", axis=1)(x, y)
    close(got, ref, f"rank {RANK}: after the failure")


def main():
    scenario, out = sys.argv[1], sys.argv[2]
    dist.init_process_group("gloo", timeout=datetime.timedelta(seconds=120))
    try:
        {"reductions": run_reductions, "lazytensor": run_lazytensor, "solve": run_solve,
         "failure": run_failure}[scenario]()
    except Exception:
        failures.append(f"rank {RANK}: {traceback.format_exc()}")
    with open(out, "w") as fh:
        json.dump({"checks": checks[0], "failures": failures}, fh)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
