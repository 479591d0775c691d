"""GPU benchmarks (issue 7): kred backend="GPU" vs pykeops backend="GPU" vs
dense torch on CUDA tensors. Runs only where torch sees a CUDA device.

Targets: kred >= 2x pykeops GPU; the Gaussian kernel D=3 at M=N=1e6 at 50%
or more of the H200's exp/FMA roofline, about 4.2e12 pairs/s
(--gpu-roofline to change it for another GPU).
"""

from . import workloads as W
from .common import Skipped, Stats, fmt_ms, fmt_ratio, ratio, say, table
from .cpu import _compare, _fmt_check, _result

H200_ROOFLINE_PAIRS_PER_S = 4.2e12


def available(torch):
    try:
        return torch.cuda.is_available() and torch.cuda.device_count() > 0
    except Exception:  # noqa: BLE001
        return False


def run(libs, opts, dense_limit_bytes=None, workloads=None):
    torch = libs.torch
    dev = torch.device("cuda")
    props = torch.cuda.get_device_properties(dev)
    if dense_limit_bytes is None:
        free, _total = torch.cuda.mem_get_info()
        dense_limit_bytes = 0.5 * free
    sync = torch.cuda.synchronize
    rows = []
    for wl in workloads or W.GPU:
        M, N = wl.sized(opts.quick, opts.scale)
        if opts.max_pairs and M * N > opts.max_pairs:
            continue
        say(f"  gpu {wl.name} (M={M}, N={N}) ...", end=" ")
        gen = torch.Generator().manual_seed(0)
        args = [a.to(dev) for a in wl.make(M, N, gen)]
        small = [a.to(dev) for a in wl.make(min(M, 1000), min(N, 1000), torch.Generator().manual_seed(1))]
        cells, notes = {}, []

        def cell(fn, fn_small, who):
            try:
                with torch.no_grad():
                    fn_small()
                    fn()
                    sync()
                    box = {}

                    def call():
                        box["r"] = fn()

                    st = opts.timer.measure(call, sync=sync)
                    st.result = box["r"]
                    return st
            except Exception as exc:  # noqa: BLE001
                msg = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
                notes.append(f"{who}: {msg}")
                return Skipped(msg)

        for lib in ("kred", "pykeops"):
            if lib == "pykeops" and libs.pykeops is None:
                cells[lib] = Skipped(libs.pykeops_reason)
                continue
            try:
                g = libs.genred(lib, wl)
            except Exception as exc:  # noqa: BLE001
                cells[lib] = Skipped(str(exc))
                notes.append(f"{lib}: {exc}")
                continue
            cells[lib] = cell(lambda g=g: g(*args, backend="GPU"), lambda g=g: g(*small, backend="GPU"), lib)
        need = wl.dense_bytes(M, N)
        if need > dense_limit_bytes:
            cells["torch"] = Skipped("memory")
            notes.append(f"torch: skipped, the dense computation needs ~{need / 1e9:.0f} GB "
                         f"(limit {dense_limit_bytes / 1e9:.0f} GB)")
        else:
            cells["torch"] = cell(lambda: wl.dense(*args), lambda: wl.dense(*small), "torch")
        say(", ".join(f"{k} {fmt_ms(v)} ms" for k, v in cells.items()))
        rows.append({"wl": wl, "M": M, "N": N, "cells": cells, "notes": notes,
                     "check": _compare(wl, _result(cells.get("kred")), _result(cells.get("pykeops")))})
    return {"device": f"{props.name}, {props.total_memory / 2**30:.0f} GiB", "rows": rows}


def render(res, roofline=H200_ROOFLINE_PAIRS_PER_S):
    headers = ["benchmark", "M", "N", "kred ms", "pykeops ms", "torch ms", "vs pykeops", "vs torch",
               "kred-pykeops", "kred pairs/s", "of roofline"]
    body, notes = [], []
    for r in res["rows"]:
        c = r["cells"]
        k = c.get("kred")
        pps = r["M"] * r["N"] / k.median if isinstance(k, Stats) else None
        gauss = r["wl"].formula.startswith("Exp(-SqDist")
        body.append([r["wl"].name, f"{r['M']:g}", f"{r['N']:g}", fmt_ms(k), fmt_ms(c.get("pykeops")),
                     fmt_ms(c.get("torch")), fmt_ratio(ratio(c.get("pykeops"), k)), fmt_ratio(ratio(c.get("torch"), k)),
                     _fmt_check(r["wl"], r["check"]), f"{pps:.3g}" if pps else "-",
                     f"{100 * pps / roofline:.0f}%" if pps and gauss else "-"])
        notes += [f"{r['wl'].name}: {n}" for n in r["notes"]]
    out = [f"Device: {res['device']}", "", table(headers, body), "",
           f"Roofline: {roofline:.3g} pairs/s (Gaussian D=3, exp/FMA limit of the H200)."]
    out += [f"- {n}" for n in notes]
    return "\n".join(out)


def as_dict(res):
    return {"device": res["device"], "rows": [
        {"name": r["wl"].name, "M": r["M"], "N": r["N"], "cells": {k: v.as_dict() for k, v in r["cells"].items()},
         "check": r["check"], "notes": r["notes"]} for r in res["rows"]]}
