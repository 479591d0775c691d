"""First-call (JIT compile) latency and cached-call overhead.

Each library runs in a child process (this file as a script) with an empty
compile cache: KRED_CACHE_DIR=<fresh tmp dir> for kred, a fresh
pykeops.set_build_folder(<tmp dir>) for pykeops. Per formula it times, on
M=N=10 inputs:
  first     Genred(...) + the first call (parse, compile, load, run);
  cached    the median of later calls (the per-call overhead);
  reload    a new Genred object for the same formula after the in-process
            memo is dropped (kred.clear_cache(); the on-disk cache answers),
            for kred only;
  backward  for formulas with grad_wrt, the first torch.autograd.grad call
            (compiles the gradient kernels) and the median of later ones.
The parent prints one table. Imports (torch, kred._C, pykeops) are done
before timing starts.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TINY = 10


def _worker(lib, names, with_backward):
    sys.path.insert(0, os.path.dirname(HERE))
    from kredbench import workloads as W  # noqa: E402
    from kredbench.common import REPO, median_call_time  # noqa: E402

    sys.path.insert(0, os.path.join(REPO, "python"))
    import torch  # noqa: E402

    if lib == "kred":
        import kred  # noqa: E402
        import kred.torch as mod  # noqa: E402

        kred.get_num_threads()  # loads kred._C
    else:
        import pykeops  # noqa: E402
        import pykeops.torch as mod  # noqa: E402

        pykeops.set_verbose(False)
        pykeops.set_build_folder(os.environ["KREDBENCH_PYKEOPS_FOLDER"])

    by_name = {w.name: w for w in W.FORWARD}
    results = []
    for name in names:
        wl = by_name[name]
        gen = torch.Generator().manual_seed(0)
        args = wl.make(TINY, TINY, gen)
        rec = {"name": name, "spec": wl.spec()}
        try:
            t0 = time.perf_counter()
            g = mod.Genred(wl.formula, list(wl.aliases), **wl.genred_kwargs())
            g(*args, backend="CPU")
            rec["first_s"] = time.perf_counter() - t0
            rec["cached_s"] = median_call_time(lambda: g(*args, backend="CPU")).median
            if lib == "kred":
                kred.clear_cache()
                t0 = time.perf_counter()
                g2 = mod.Genred(wl.formula, list(wl.aliases), **wl.genred_kwargs())
                g2(*args, backend="CPU")
                rec["reload_s"] = time.perf_counter() - t0
            if with_backward and wl.grad_wrt:
                for i in wl.grad_wrt:
                    args[i].requires_grad_(True)
                out = g(*args, backend="CPU")
                e = torch.ones_like(out)
                wrt = [args[i] for i in wl.grad_wrt]
                t0 = time.perf_counter()
                torch.autograd.grad(out, wrt, e, retain_graph=True)
                rec["backward_first_s"] = time.perf_counter() - t0
                rec["backward_cached_s"] = median_call_time(
                    lambda: torch.autograd.grad(out, wrt, e, retain_graph=True), calls=50).median
        except Exception as exc:  # noqa: BLE001 - reported
            rec["error"] = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
        results.append(rec)
    # Dense torch on the same tiny inputs: the floor of a Python-level call.
    print("KREDBENCH-JSON " + json.dumps(results))


def measure(lib, names, with_backward=True, timeout=900):
    """Runs the worker for lib in a child process with an empty cache."""
    tmp = tempfile.mkdtemp(prefix=f"kredbench-{lib}-cache-")
    env = dict(os.environ)
    if lib == "kred":
        env["KRED_CACHE_DIR"] = tmp
    else:
        env["KREDBENCH_PYKEOPS_FOLDER"] = tmp
    cmd = [sys.executable, os.path.abspath(__file__), lib, ",".join(names), "1" if with_backward else "0"]
    try:
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout} s"}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for line in p.stdout.splitlines():
        if line.startswith("KREDBENCH-JSON "):
            return {"results": json.loads(line[len("KREDBENCH-JSON "):])}
    return {"error": f"worker failed (rc {p.returncode}): {(p.stderr or p.stdout)[-800:]}"}


def dense_overhead(libs, names):
    """Median time of the dense torch computation at M=N=10 (no compile)."""
    from . import workloads as W
    from .common import median_call_time

    torch = libs.torch
    out = {}
    for wl in W.FORWARD:
        if wl.name in names:
            args = wl.make(TINY, TINY, torch.Generator().manual_seed(0))
            with torch.no_grad():
                out[wl.name] = median_call_time(lambda: wl.dense(*args)).median
    return out


def _ms(v, digits=1):
    return "-" if v is None else f"{v * 1e3:.{digits}f}"


def render(kred_res, pyk_res, dense):
    from .common import table

    def by_name(res):
        return {r["name"]: r for r in res.get("results", [])} if res else {}

    k, p = by_name(kred_res), by_name(pyk_res)
    names = list(k) or list(p)
    headers = ["formula", "kred first ms", "kred reload ms", "kred cached ms", "pykeops first ms",
               "pykeops cached ms", "torch dense ms", "kred bwd first ms", "kred bwd cached ms",
               "pykeops bwd first ms", "pykeops bwd cached ms"]
    rows = []
    notes = []
    for n in names:
        kr, pr = k.get(n, {}), p.get(n, {})
        rows.append([
            n, _ms(kr.get("first_s")), _ms(kr.get("reload_s"), 2), _ms(kr.get("cached_s"), 3),
            _ms(pr.get("first_s"), 0), _ms(pr.get("cached_s"), 3), _ms(dense.get(n), 3),
            _ms(kr.get("backward_first_s")), _ms(kr.get("backward_cached_s"), 3),
            _ms(pr.get("backward_first_s"), 0), _ms(pr.get("backward_cached_s"), 3),
        ])
        for who, r in (("kred", kr), ("pykeops", pr)):
            if "error" in r:
                notes.append(f"{n}: {who}: {r['error']}")
    for who, res in (("kred", kred_res), ("pykeops", pyk_res)):
        if res and "error" in res:
            notes.append(f"{who}: {res['error']}")
    out = [table(headers, rows), ""]
    out.append(f"M=N={TINY}, torch tensors, backend=\"CPU\". first: Genred() + first call with an empty compile "
               "cache (kred: KRED_CACHE_DIR=<new dir>; pykeops: a new build folder), one per child process, formulas "
               "in this order. reload: kred.clear_cache() then Genred() + call (on-disk cache hit). cached: median "
               "of later calls. bwd first: first torch.autograd.grad (compiles the gradient kernels).")
    out.extend(f"- {n}" for n in notes)
    return "\n".join(out)


if __name__ == "__main__":
    _worker(sys.argv[1], sys.argv[2].split(","), sys.argv[3] == "1")
