"""CPU forward (issue 4) and backward (issue 6) benchmarks: kred vs pykeops
(backend="CPU") vs dense torch, one table each."""

import dataclasses

from .common import Skipped, Stats, fmt_ms, fmt_ratio, ratio, say, table

# Workloads with more pairs than this are warmed up (compile, first touch) on
# a reduced problem only: a full-size warm-up call of pykeops at M=N=1e5
# would take minutes.
FULL_WARMUP_MAX_PAIRS = 2e9
SMALL = 1000


@dataclasses.dataclass
class Options:
    timer: object
    quick: bool = False
    scale: float = 1.0
    kred_1t: bool = True
    dense_limit_bytes: float = 8e9
    use_torch: bool = True
    max_pairs: float = None


def _error(exc, notes, who):
    msg = f"{type(exc).__name__}: {exc}".strip().splitlines()[0][:300]
    notes.append(f"{who}: {msg}")
    return Skipped(f"error: {msg}")


def _measure(timer, fn, warm_small, pairs):
    """Warm up (compile on a small problem, then one full call unless huge)
    and time fn; the Stats carries fn's last result as .result."""
    warm_small()
    if pairs <= FULL_WARMUP_MAX_PAIRS:
        fn()
    box = {}

    def call():
        box["r"] = fn()

    stats = timer.measure(call)
    stats.result = box.get("r")
    return stats


def rel_err(a, b):
    """Relative error ||a - b|| / ||b|| of two tensors or tuples of tensors."""
    import torch

    if isinstance(a, (tuple, list)):
        a = torch.cat([t.reshape(-1) for t in a])
        b = torch.cat([t.reshape(-1) for t in b])
    a = a.detach().double().reshape(-1)
    b = b.detach().double().reshape(-1)
    return ((a - b).norm() / b.norm().clamp_min(1e-300)).item()


def same_indices(a, b):
    a = a.detach().reshape(-1).long()
    b = b.detach().reshape(-1).long()
    return (a == b).double().mean().item()


def _compare(wl, a, b):
    if a is None or b is None:
        return None
    try:
        if wl.kind == "index":
            return same_indices(a, b)
        return rel_err(a, b)
    except Exception:  # noqa: BLE001 - a shape mismatch is shown as "?"
        return float("nan")


def _fmt_check(wl, v):
    if v is None:
        return "-"
    if wl.kind == "index":
        return f"{100 * v:.2f}% eq"
    return f"{v:.1e}"


class Row:
    def __init__(self, wl, M, N, direction):
        self.wl = wl
        self.M = M
        self.N = N
        self.direction = direction
        self.cells = {}
        self.checks = {}
        self.notes = []

    def as_dict(self):
        return {
            "name": self.wl.name,
            "title": self.wl.title,
            "direction": self.direction,
            "spec": self.wl.spec(),
            "M": self.M,
            "N": self.N,
            "cells": {k: v.as_dict() for k, v in self.cells.items()},
            "checks": self.checks,
            "notes": self.notes,
        }


# --------------------------------------------------------------------------


def _inputs(libs, wl, M, N, requires_grad=False, seed=0):
    torch = libs.torch
    gen = torch.Generator().manual_seed(seed)
    args = wl.make(M, N, gen)
    if requires_grad:
        for i in wl.grad_wrt:
            args[i].requires_grad_(True)
    return args


def forward_row(libs, wl, opts):
    torch = libs.torch
    M, N = wl.sized(opts.quick, opts.scale)
    row = Row(wl, M, N, "forward")
    pairs = M * N
    args = _inputs(libs, wl, M, N)
    small = _inputs(libs, wl, min(M, SMALL), min(N, SMALL), seed=1)
    T = libs.threads

    def lib_cell(lib, threads=None):
        try:
            g = libs.genred(lib, wl)
            if threads is not None:
                libs.set_kred_threads(threads)
            with torch.no_grad():
                return _measure(opts.timer, lambda: g(*args, backend="CPU"),
                                lambda: g(*small, backend="CPU"), pairs)
        except Exception as exc:  # noqa: BLE001 - reported in the table
            return _error(exc, row.notes, lib)
        finally:
            if threads is not None:
                libs.set_kred_threads(T)

    row.cells["kred"] = lib_cell("kred", T)
    if opts.kred_1t and T != 1:
        row.cells["kred_1t"] = lib_cell("kred", 1)
    if libs.pykeops is not None:
        row.cells["pykeops"] = lib_cell("pykeops")
    else:
        row.cells["pykeops"] = Skipped(libs.pykeops_reason)
    row.cells["torch"] = _dense_forward(libs, wl, args, small, opts, row)

    _check_agreement(wl, row)
    return row


def _result(cell):
    return getattr(cell, "result", None) if isinstance(cell, Stats) else None


def _check_agreement(wl, row):
    """row.checks: kred, pykeops and dense torch compared pairwise (where each ran)."""
    kred, pykeops, torch = (_result(row.cells.get(name)) for name in ("kred", "pykeops", "torch"))
    row.checks["kred_vs_pykeops"] = _compare(wl, kred, pykeops)
    row.checks["kred_vs_torch"] = _compare(wl, kred, torch)
    row.checks["pykeops_vs_torch"] = _compare(wl, pykeops, torch)


def _dense_forward(libs, wl, args, small, opts, row):
    if not opts.use_torch:
        return Skipped("disabled (--no-torch)")
    need = wl.dense_bytes(row.M, row.N)
    if need > opts.dense_limit_bytes:
        row.notes.append(f"torch: skipped, the dense (M, N) computation needs ~{need / 1e9:.0f} GB "
                         f"(limit {opts.dense_limit_bytes / 1e9:.0f} GB)")
        return Skipped("memory")
    torch = libs.torch
    try:
        with torch.no_grad():
            return _measure(opts.timer, lambda: wl.dense(*args), lambda: wl.dense(*small), row.M * row.N)
    except Exception as exc:  # noqa: BLE001
        return _error(exc, row.notes, "torch")


# --------------------------------------------------------------------------


def backward_row(libs, wl, opts):
    torch = libs.torch
    M, N = wl.sized(opts.quick, opts.scale)
    row = Row(wl, M, N, "backward")
    pairs = M * N
    T = libs.threads
    gen = torch.Generator().manual_seed(2)
    cotangent = {}

    def setup(make_out, M_, N_, seed):
        args = _inputs(libs, wl, M_, N_, requires_grad=True, seed=seed)
        out = make_out(args)
        key = (M_, N_)
        if key not in cotangent:
            cotangent[key] = torch.randn(out.shape, generator=gen, dtype=out.dtype)
        e = cotangent[key]
        wrt = [args[i] for i in wl.grad_wrt]
        return lambda: torch.autograd.grad(out, wrt, e, retain_graph=True)

    def cell(lib, make_out, threads=None):
        try:
            if threads is not None:
                libs.set_kred_threads(threads)
            full = setup(make_out, M, N, 0)
            small = setup(make_out, min(M, SMALL), min(N, SMALL), 1)
            return _measure(opts.timer, full, small, pairs)
        except Exception as exc:  # noqa: BLE001
            return _error(exc, row.notes, lib)
        finally:
            if threads is not None:
                libs.set_kred_threads(T)

    def genred_out(lib):
        g = libs.genred(lib, wl)
        return lambda args: g(*args, backend="CPU")

    try:
        kred_out = genred_out("kred")
        row.cells["kred"] = cell("kred", kred_out, T)
        if opts.kred_1t and T != 1:
            row.cells["kred_1t"] = cell("kred", kred_out, 1)
    except Exception as exc:  # noqa: BLE001
        row.cells["kred"] = _error(exc, row.notes, "kred")
    if libs.pykeops is not None:
        try:
            row.cells["pykeops"] = cell("pykeops", genred_out("pykeops"))
        except Exception as exc:  # noqa: BLE001
            row.cells["pykeops"] = _error(exc, row.notes, "pykeops")
    else:
        row.cells["pykeops"] = Skipped(libs.pykeops_reason)

    if not opts.use_torch:
        row.cells["torch"] = Skipped("disabled (--no-torch)")
    else:
        need = wl.dense_bytes(M, N, backward=True)
        if need > opts.dense_limit_bytes:
            row.notes.append(f"torch: skipped, the dense (M, N) forward + backward needs ~{need / 1e9:.0f} GB "
                             f"(limit {opts.dense_limit_bytes / 1e9:.0f} GB)")
            row.cells["torch"] = Skipped("memory")
        else:
            row.cells["torch"] = cell("torch", lambda args: wl.dense(*args))

    _check_agreement(wl, row)
    return row


# --------------------------------------------------------------------------


def render(rows, threads, kred_1t, what):
    T = threads
    headers = ["benchmark", "M", "N", f"kred {T}T ms"]
    if kred_1t and T != 1:
        headers.append("kred 1T ms")
    headers += [f"pykeops {T}T ms", f"torch {T}T ms", "vs pykeops", "vs torch",
                "kred-pykeops", "kred-torch", "runs k/p/t", "others"]
    body = []
    notes = []
    for r in rows:
        c = r.cells
        line = [r.wl.name, f"{r.M:g}", f"{r.N:g}", fmt_ms(c.get("kred"))]
        if kred_1t and T != 1:
            line.append(fmt_ms(c.get("kred_1t")))
        line += [
            fmt_ms(c.get("pykeops")),
            fmt_ms(c.get("torch")),
            fmt_ratio(ratio(c.get("pykeops"), c.get("kred"))),
            fmt_ratio(ratio(c.get("torch"), c.get("kred"))),
            _fmt_check(r.wl, r.checks.get("kred_vs_pykeops")),
            _fmt_check(r.wl, r.checks.get("kred_vs_torch")),
            "/".join(str(c[k].runs) if isinstance(c.get(k), Stats) else "-" for k in ("kred", "pykeops", "torch")),
            _fmt_others(c),
        ]
        body.append(line)
        for n in r.notes:
            notes.append(f"{r.wl.name}: {n}")
    out = [table(headers, body)]
    out.append("")
    out.append(f"Median ms of the timed runs after warm-up ({what}). \"vs pykeops\"/\"vs torch\": their median time "
               "divided by kred's (the speedup of kred's multi-threaded column). kred-pykeops, kred-torch: relative "
               "error ||a-b||/||b|| of the outputs (share of equal indices for ArgKMin). others: the most cores "
               "that other processes kept busy during the timed runs of one cell of the row (from /proc/stat).")
    if notes:
        out.append("")
        out.extend(f"- {n}" for n in notes)
    for r in rows:
        out.append(f"- {r.wl.name}: `{r.wl.spec()}`")
    return "\n".join(out)


def _fmt_others(cells):
    vals = [v.other_cores for v in cells.values() if isinstance(v, Stats) and v.other_cores is not None]
    return f"{max(vals):.2f}" if vals else "-"


def run_section(libs, workloads, opts, direction):
    rows = []
    for wl in workloads:
        M, N = wl.sized(opts.quick, opts.scale)
        if opts.max_pairs and M * N > opts.max_pairs:
            say(f"  {wl.name}: skipped ({M}x{N} pairs > --max-pairs)")
            continue
        say(f"  {direction} {wl.name} (M={M}, N={N}) ...", end=" ")
        row = forward_row(libs, wl, opts) if direction == "forward" else backward_row(libs, wl, opts)
        summary = ", ".join(f"{k} {fmt_ms(v)} ms" for k, v in row.cells.items())
        say(summary)
        rows.append(row)
    return rows
