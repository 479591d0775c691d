"""KernelSolve (issue 15): kred's preconditioned conjugate gradient vs its plain one vs pykeops'
KernelSolve vs a dense torch.linalg.solve, in one process on the same inputs.

The Gaussian test system: ``(alpha Id + K) a = b`` with ``K_ij = exp(-|x_i - x_j|^2)``, x uniform in the
unit cube (D=3), 4 right-hand sides uniform in [0, 1], alpha = 1e-3, eps = 1e-6 (pykeops' default; both
CGs stop when |b - A a|^2 < size(b) eps^2), float32. M=5000 with every contender; M=1e5 kred alone (the
dense matrix would take 40 GB, and the plain CG as many products with K as at M=5000 or more, each 400
times longer).
"""

import dataclasses
import time

from .common import Skipped, Stats, fmt_ms, fmt_ratio, ratio, say, table

FORMULA = "Exp(-SqDist(x,y))*b"
ALIASES = ["x = Vi(3)", "y = Vj(3)", "b = Vj(4)"]
ALPHA = 1e-3
EPS = 1e-6
E = 4
DENSE_MAX_M = 20000  # the float64 reference and the dense solve (M^2 doubles)


@dataclasses.dataclass
class SolveCase:
    name: str
    M: int
    contenders: tuple  # of "kred", "kred_plain", "pykeops", "torch"
    quick_M: int


CASES = [
    SolveCase("solve_5e3", 5000, ("kred", "kred_plain", "pykeops", "torch"), 500),
    SolveCase("solve_1e5", 10**5, ("kred",), 2000),
]


def _inputs(torch, M, seed=0):
    gen = torch.Generator().manual_seed(seed)
    x = torch.rand(M, 3, generator=gen)
    b = torch.rand(M, E, generator=gen)
    return x, b


def _dense_solve(torch, x, b, dtype):
    x, b = x.to(dtype), b.to(dtype)
    sq = (x * x).sum(1)
    K = torch.exp(-(sq[:, None] + sq[None, :] - 2 * (x @ x.T)).clamp_min(0))
    K.diagonal().add_(ALPHA)
    return torch.linalg.solve(K, b)


def _rel_err(a, ref):
    a = a.detach().double()
    return ((a - ref).norm() / ref.norm()).item()


class Row:
    def __init__(self, case, M):
        self.case, self.M = case, M
        self.cells, self.errors, self.info, self.notes = {}, {}, {}, []

    def as_dict(self):
        return {"name": self.case.name, "M": self.M, "cells": {k: v.as_dict() for k, v in self.cells.items()},
                "rel_err_vs_float64_dense": self.errors, "kred_info": self.info, "notes": self.notes}


def _timed(timer, fn, runs=None):
    """Times fn (already warmed up); runs: an exact number of runs instead of the timer's policy."""
    if runs is None:
        return timer.measure(fn)
    from .common import Timer

    return Timer(runs, runs, 0.0).measure(fn)


def run_case(libs, case, opts, pykeops_runs=1):
    torch = libs.torch
    M = case.quick_M if opts.quick else max(1, int(round(case.M * opts.scale)))
    row = Row(case, M)
    x, b = _inputs(torch, M)
    xs, bs = _inputs(torch, min(M, 300), seed=1)
    ref = _dense_solve(torch, x, b, torch.float64) if M <= DENSE_MAX_M else None

    def kred_cell(key, precond):
        ks = libs.kred_torch.KernelSolve(FORMULA, list(ALIASES), "b", axis=1)

        def call():
            return ks(x, x, b, alpha=ALPHA, eps=EPS, backend="CPU", precond=precond)

        ks(xs, xs, bs, alpha=ALPHA, eps=EPS, backend="CPU", precond=precond)  # compiles
        box = {}

        def timed():
            box["a"] = call()

        stats = _timed(opts.timer, timed, runs=1 if M > DENSE_MAX_M else None)
        info = dict(ks.solve_info)
        row.info[key] = info
        if ref is not None:
            row.errors[key] = _rel_err(box["a"], ref)
        return stats

    for key in case.contenders:
        say(f"{key} ...", end=" ")
        try:
            with torch.no_grad():
                if key == "kred":
                    row.cells[key] = kred_cell(key, "auto")
                elif key == "kred_plain":
                    row.cells[key] = kred_cell(key, None)
                elif key == "pykeops":
                    if libs.pykeops is None:
                        row.cells[key] = Skipped(libs.pykeops_reason)
                        continue
                    ks = libs.pykeops.KernelSolve(FORMULA, list(ALIASES), "b", axis=1)
                    ks(xs, xs, bs, alpha=ALPHA, eps=EPS, backend="CPU")  # compiles
                    box = {}

                    def timed():
                        box["a"] = ks(x, x, b, alpha=ALPHA, eps=EPS, backend="CPU")

                    row.cells[key] = _timed(opts.timer, timed, runs=pykeops_runs)
                    if ref is not None:
                        row.errors[key] = _rel_err(box["a"], ref)
                elif key == "torch":
                    if not opts.use_torch:
                        row.cells[key] = Skipped("disabled (--no-torch)")
                        continue
                    _dense_solve(torch, xs, bs, torch.float32)
                    box = {}

                    def timed():
                        box["a"] = _dense_solve(torch, x, b, torch.float32)

                    row.cells[key] = _timed(opts.timer, timed)
                    row.errors[key] = _rel_err(box["a"], ref)
        except Exception as exc:  # noqa: BLE001 - reported in the table
            msg = f"{type(exc).__name__}: {exc}".strip().splitlines()[0][:300]
            row.notes.append(f"{key}: {msg}")
            row.cells[key] = Skipped(f"error: {msg}")
        cell = row.cells.get(key)
        say(f"{fmt_ms(cell)} ms", end="; ")
    say("")
    return row


def run(libs, opts, cases=None):
    rows = []
    for case in cases if cases is not None else CASES:
        M = case.quick_M if opts.quick else case.M
        say(f"  solve {case.name} (M={M}) ...", end=" ")
        t0 = time.perf_counter()
        rows.append(run_case(libs, case, opts))
        say(f"  ({time.perf_counter() - t0:.0f} s)")
    return rows


def _fmt_info(info):
    if not info:
        return "-"
    s = f"{info['iterations']}"
    if info.get("precond"):
        s += f" ({info['precond']} rank {info['rank']}, setup {1e3 * info['precond_setup_s']:.0f} ms)"
    return s


def _fmt_err(v):
    return "-" if v is None else f"{v:.1e}"


def render(rows, threads):
    T = threads
    headers = ["benchmark", "M", f"kred {T}T ms", "kred CG steps", f"kred plain CG ms", "plain CG steps",
               f"pykeops {T}T ms", f"dense LU {T}T ms", "pykeops/kred", "dense/kred", "plain/kred",
               "err kred", "err plain", "err pykeops", "err dense"]
    body, notes = [], []
    for r in rows:
        c = r.cells
        body.append([
            r.case.name, f"{r.M:g}", fmt_ms(c.get("kred")), _fmt_info(r.info.get("kred")),
            fmt_ms(c.get("kred_plain")), _fmt_info(r.info.get("kred_plain")),
            fmt_ms(c.get("pykeops")), fmt_ms(c.get("torch")),
            fmt_ratio(ratio(c.get("pykeops"), c.get("kred"))), fmt_ratio(ratio(c.get("torch"), c.get("kred"))),
            fmt_ratio(ratio(c.get("kred_plain"), c.get("kred"))),
            _fmt_err(r.errors.get("kred")), _fmt_err(r.errors.get("kred_plain")),
            _fmt_err(r.errors.get("pykeops")), _fmt_err(r.errors.get("torch")),
        ])
        notes.extend(f"{r.case.name}: {n}" for n in r.notes)
    out = [table(headers, body), ""]
    out.append(
        f"KernelSolve `{FORMULA}`, {', '.join(ALIASES)}, alpha={ALPHA:g}, eps={EPS:g}, float32, x uniform in the "
        "unit cube, 4 right-hand sides. kred: `KernelSolve(...)(..., precond=\"auto\")` (the default: pivoted "
        "Cholesky preconditioner, setup included in the time); kred plain: `precond=None` (KeOps' CG); pykeops: "
        "its KernelSolve (plain CG, backend=\"CPU\"); dense LU: the float32 matrix built with torch and "
        "`torch.linalg.solve`. CG steps: products with K. err: ||a - a64|| / ||a64|| against a float64 dense "
        "solve (both CGs stop on |b - A a|^2 < size(b) eps^2, an absolute residual; A's condition number is "
        "about 1e6). Median of the timed runs after a warm-up on a small problem (pykeops: one run; M=1e5: one run).")
    if notes:
        out.append("")
        out.extend(f"- {n}" for n in notes)
    return "\n".join(out)


def targets(rows):
    out = []
    for r in rows:
        c = r.cells
        kinfo, pinfo = r.info.get("kred"), r.info.get("kred_plain")
        if kinfo and pinfo:
            drop = pinfo["iterations"] / max(1, kinfo["iterations"])
            out.append([f"KernelSolve {r.case.name}: CG steps, plain / preconditioned", ">= 10x", f"{drop:.0f}x",
                        "met" if drop >= 10 else "MISSED"])
        d = ratio(c.get("torch"), c.get("kred"))
        if d:
            out.append([f"KernelSolve {r.case.name} vs dense LU", "> 1x (faster)", f"{d:.1f}x",
                        "met" if d > 1 else "MISSED"])
        p = ratio(c.get("pykeops"), c.get("kred"))
        if p:
            out.append([f"KernelSolve {r.case.name} vs pykeops CPU", ">= 10x", f"{p:.0f}x",
                        "met" if p >= 10 else "MISSED"])
        if r.case.name == "solve_1e5" and isinstance(c.get("kred"), Stats):
            out.append(["KernelSolve solve_1e5 (kred alone)", "runs", f"{c['kred'].median:.1f} s", "met"])
    return out
