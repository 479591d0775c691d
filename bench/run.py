#!/usr/bin/env python3
"""kred vs pykeops vs dense torch, in one process and one run.

Sections (--sections, default all):
  forward   issue 4: the seed LogSumExp (D=1) and Sum (D=3) formulas, the
            Gaussian kernel sum at M=N=1e4 and 1e5, ArgKMin K=10 at 5e4;
  backward  issue 6: torch.autograd.grad of the seeds (w.r.t. y) and of the
            Gaussian kernel (w.r.t. x and y);
  compile   first-call JIT latency with empty caches, cached-call overhead;
  roofline  the FMA/exp limit of the Gaussian kernel on this CPU and kred's
            fraction of it (uses the forward results);
  gpu       issue 7, only with a CUDA device;
  gpu_static  issue 14, no GPU needed: kred's and KeOps' kernels compiled
            for sm_90, the SASS of their inner loops counted per pair, and
            the issue-slot bound on an H100 (bench/gpu_static.py);
  solve     issue 15: KernelSolve on the Gaussian system (M=5000, 4
            right-hand sides): kred's preconditioned and plain CG, pykeops'
            KernelSolve, a dense LU solve; M=1e5 kred alone.
  distributed  issue 17: kred.distributed on 1 and 2 processes (gloo on
            loopback): a Gaussian sum with j sharded, ArgKMin with queries
            and database sharded; parallel efficiency and bytes sent
            (bench/distributed.py).

Each cell: warm-up (a small call that compiles, then a full-size call unless
the problem has more than 2e9 pairs), then the median of --min-runs to
--max-runs timed calls (stopping after --budget seconds). Prints markdown
tables: milliseconds, the speedups of kred over pykeops and torch, and the
relative differences of the outputs.

  .venv/bin/python bench/run.py                 # everything (~40 min)
  .venv/bin/python bench/run.py --quick         # CI-size smoke run (~1 min)
  .venv/bin/python bench/run.py --sections forward --filter gauss --threads 1
"""

import argparse
import json
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="tiny sizes and few runs: a smoke test for CI")
    p.add_argument("--sections", default="forward,backward,compile,roofline,gpu,gpu_static,solve,distributed",
                   help="comma-separated subset of forward,backward,compile,roofline,gpu,gpu_static,solve")
    p.add_argument("--filter", default=None, help="regex on benchmark names (seed_lse, seed_sum, gauss_1e4, "
                   "gauss_1e5, argkmin_5e4; GPU: gauss_1e6, softmax_weight_1e5, argkmin_D3_1e5, argkmin_D64_1e5; "
                   "gpu_static: seed_lse, seed_sum, gauss_D3, lse_D3, softmax_weight_D3, argkmin_D3, argkmin_D64, "
                   "gauss_D64; solve: solve_5e3, solve_1e5)")
    p.add_argument("--threads", type=int, default=os.cpu_count(),
                   help="threads of kred, pykeops (OpenMP) and torch (default: all logical CPUs)")
    p.add_argument("--no-kred-1t", action="store_true", help="skip the extra single-thread kred column")
    p.add_argument("--scale", type=float, default=1.0, help="multiply every M and N by this")
    p.add_argument("--max-pairs", type=float, default=None, help="skip workloads with more than M*N pairs")
    p.add_argument("--min-runs", type=int, default=None, help="timed runs per cell, at least (default 3; quick 2)")
    p.add_argument("--max-runs", type=int, default=None, help="timed runs per cell, at most (default 11; quick 3)")
    p.add_argument("--budget", type=float, default=None,
                   help="seconds of timed runs per cell once --min-runs are done (default 10; quick 1)")
    p.add_argument("--no-pykeops", action="store_true", help="leave pykeops out")
    p.add_argument("--no-torch", action="store_true", help="leave dense torch out")
    p.add_argument("--dense-limit-gb", type=float, default=8.0,
                   help="skip dense torch where it needs more memory than this (CPU; default 8)")
    p.add_argument("--gpu-dense-limit-gb", type=float, default=None,
                   help="same on the GPU (default: half the free device memory)")
    p.add_argument("--gpu-roofline", type=float, default=4.2e12, help="GPU Gaussian D=3 limit in pairs/s (H200)")
    p.add_argument("--pykeops-build-folder", default=None,
                   help="pykeops' build folder for the timing sections (default ~/.cache/kred-bench/pykeops-build; "
                        "its compiles are warm-up, never timed)")
    p.add_argument("--pykeops-cxxflags", default=None,
                   help="CXXFLAGS for pykeops' g++ (stock pykeops: -O3 only; e.g. \"-march=native\"); a separate "
                        "build folder per value")
    p.add_argument("--compile-pykeops", choices=["auto", "yes", "no"], default="auto",
                   help="measure pykeops' first-call compile (several seconds per formula; auto: not with --quick)")
    p.add_argument("--wait-quiet", type=float, default=None, metavar="LOAD",
                   help="first wait until the 1-min load average is below LOAD (checked every 30 s)")
    p.add_argument("--wait-max", type=float, default=60, help="minutes to wait at most for --wait-quiet (default 60)")
    p.add_argument("--gpu-static-md", default=None, metavar="FILE",
                   help="also write the gpu_static table into its section of this markdown file "
                        "(make bench: bench/RESULTS.md)")
    p.add_argument("--json", default=None, help="also write every measurement to this JSON file")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    # Before torch / pykeops load their OpenMP runtime.
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    os.environ.setdefault("MKL_NUM_THREADS", str(args.threads))
    sys.path.insert(0, HERE)

    from kredbench import compile_latency, cpu, gpu, roofline
    from kredbench import solve as solve_bench
    from kredbench import workloads as W
    from kredbench.common import CpuMonitor, Stats, Timer, fmt_monitor, machine_facts, say
    from kredbench.libs import Libs

    sections = {s.strip() for s in args.sections.split(",") if s.strip()}
    unknown = sections - {"forward", "backward", "compile", "roofline", "gpu", "gpu_static", "solve", "distributed"}
    if unknown:
        sys.exit(f"run.py: unknown sections {sorted(unknown)}")
    if args.quick:
        timer = Timer(args.min_runs or 2, args.max_runs or 3, args.budget if args.budget is not None else 1.0)
    else:
        timer = Timer(args.min_runs or 3, args.max_runs or 11, args.budget if args.budget is not None else 10.0)
    pick = re.compile(args.filter) if args.filter else None

    def chosen(wls):
        return [w for w in wls if pick is None or pick.search(w.name)]

    if args.wait_quiet is not None:
        deadline = time.time() + 60 * args.wait_max
        while os.getloadavg()[0] >= args.wait_quiet and time.time() < deadline:
            say(f"waiting for a quiet machine: load {os.getloadavg()[0]:.2f} >= {args.wait_quiet}")
            time.sleep(30)
    facts = machine_facts()
    monitor = CpuMonitor().start()
    t_start = time.time()
    libs = Libs(args.threads, use_pykeops=not args.no_pykeops, pykeops_build_folder=args.pykeops_build_folder,
                pykeops_cxxflags=args.pykeops_cxxflags)
    torch = libs.torch
    opts = cpu.Options(timer, quick=args.quick, scale=args.scale, kred_1t=not args.no_kred_1t,
                       dense_limit_bytes=args.dense_limit_gb * 1e9, use_torch=not args.no_torch,
                       max_pairs=args.max_pairs)
    report = {"facts": facts, "command": "bench/run.py " + " ".join(sys.argv[1:]), "threads": args.threads}

    say("# kred benchmarks")
    say("")
    say(f"- command: `{report['command']}`" + (" (--quick: smoke-test sizes, not results)" if args.quick else ""))
    say(f"- date: {facts['date']}; commit {facts['commit']}"
        + (f" (modified, uncommitted: {', '.join(facts['modified_files'])})" if facts["modified_files"] else ""))
    say(f"- machine: {facts['cpu']}, {facts['logical_cpus']} logical CPUs; 1/5/15-min load average before the run: "
        + ", ".join(f"{v:.2f}" for v in facts["loadavg_at_start"]))
    say(f"- threads: {args.threads} for kred, pykeops (OpenMP) and torch" +
        ("" if args.no_kred_1t or args.threads == 1 else "; plus a 1-thread kred column"))
    say(f"- versions: kred {libs.kred_version}; torch {torch.__version__}; "
        + (f"pykeops {libs.pykeops_version} (backend=\"CPU\", build folder {libs.pykeops_folder}, "
           "g++ -O3" + (f" {libs.pykeops_cxxflags}" if libs.pykeops_cxxflags else ", its stock flags") + ")"
           if libs.pykeops else libs.pykeops_reason))
    say(f"- timing: median of {timer.min_runs} to {timer.max_runs} runs (at most ~{timer.budget_s:g} s of runs "
        "after the minimum) after warm-up; dtype float32; torch tensors")

    machine = None
    if "roofline" in sections:
        try:
            machine = roofline.measure_machine(args.threads)
            say(f"- clock at the start: {machine['clock_ghz']:.2f} GHz (dependent imul chains)")
        except Exception as exc:  # noqa: BLE001
            say(f"- machine microbenchmarks failed: {exc}")

    fwd_rows, bwd_rows = [], []
    if "forward" in sections:
        say("\n## Forward (CPU)\n")
        mark = monitor.mark()
        fwd_rows = cpu.run_section(libs, chosen(W.FORWARD), opts, "forward")
        say("")
        say(cpu.render(fwd_rows, args.threads, opts.kred_1t, "forward: Genred call, no autograd"))
        say(f"\nLoad during this section: {fmt_monitor(monitor.summary(mark))}")
        report["forward"] = [r.as_dict() for r in fwd_rows]

    if "backward" in sections:
        say("\n## Backward (CPU)\n")
        mark = monitor.mark()
        bwd_rows = cpu.run_section(libs, chosen(W.BACKWARD), opts, "backward")
        say("")
        say(cpu.render(bwd_rows, args.threads, opts.kred_1t,
                       "backward: torch.autograd.grad(out, inputs, e, retain_graph=True) after one forward; the "
                       "seeds w.r.t. y, the Gaussian kernel w.r.t. x and y"))
        say(f"\nLoad during this section: {fmt_monitor(monitor.summary(mark))}")
        report["backward"] = [r.as_dict() for r in bwd_rows]

    compile_res = None
    if "compile" in sections:
        say("\n## Compile latency (CPU)\n")
        names = [w.name for w in chosen(W.FORWARD) if w.name != "gauss_1e5"]
        if args.quick:
            names = names[:1]
        say(f"  kred, empty KRED_CACHE_DIR: {', '.join(names)} ...")
        kres = compile_latency.measure("kred", names)
        do_pyk = libs.pykeops is not None and (args.compile_pykeops == "yes" or
                                               (args.compile_pykeops == "auto" and not args.quick))
        pres = None
        if do_pyk:
            say(f"  pykeops, empty build folder: {', '.join(names)} (several seconds each) ...")
            pres = compile_latency.measure("pykeops", names)
        dense = compile_latency.dense_overhead(libs, names)
        say("")
        say(compile_latency.render(kres, pres, dense))
        if not do_pyk:
            say("- pykeops: not measured (" + ("--quick; --compile-pykeops yes to include" if libs.pykeops
                                               else libs.pykeops_reason) + ")")
        compile_res = {"kred": kres, "pykeops": pres, "dense": dense}
        report["compile"] = compile_res

    fractions = {}
    if "roofline" in sections and machine is not None:
        say("\n## Roofline: Gaussian kernel D=3 (CPU)\n")
        code = roofline.count_generated_code()
        measured = {}
        for r in fwd_rows:
            if r.wl.name.startswith("gauss"):
                for key, t in (("kred", args.threads), ("kred_1t", 1)):
                    c = r.cells.get(key)
                    if isinstance(c, Stats):
                        measured[f"{r.wl.name} ({t}T)"] = (r.M * r.N / c.median, t)
        machine_end = roofline.measure_machine(args.threads)
        text, fractions = roofline.render(machine, code, measured, args.threads, machine_end)
        say(text)
        report["roofline"] = {"machine": machine, "machine_end": machine_end, "code": code,
                              "fractions": fractions}
        if not measured:
            say("\n(no Gaussian forward measurement in this run: --sections forward with gauss for the fraction)")

    if "gpu" in sections:
        say("\n## GPU\n")
        if not gpu.available(torch):
            say("skipped: no CUDA device")
            report["gpu"] = "skipped: no CUDA device"
        else:
            limit = args.gpu_dense_limit_gb * 1e9 if args.gpu_dense_limit_gb else None
            res = gpu.run(libs, opts, dense_limit_bytes=limit, workloads=chosen(W.GPU))
            say("")
            say(gpu.render(res, args.gpu_roofline))
            report["gpu"] = gpu.as_dict(res)
            report["gpu_targets"] = _gpu_targets(res, args.gpu_roofline)

    static_targets = None
    if "gpu_static" in sections:
        import gpu_static

        say("\n## GPU static model (no GPU)\n")
        try:
            text, summary = gpu_static.run_section(filter_re=args.filter, exact=not args.quick,
                                                   results_md=None if args.quick else args.gpu_static_md)
            say(text)
            report["gpu_static"] = summary
            static_targets = gpu_static.targets(summary)
        except Exception as exc:  # noqa: BLE001
            say(f"skipped: {exc}")
            report["gpu_static"] = f"skipped: {exc}"

    solve_targets = None
    if "solve" in sections:
        say("\n## KernelSolve (CPU)\n")
        mark = monitor.mark()
        cases = chosen(solve_bench.CASES)
        solve_rows = solve_bench.run(libs, opts, cases)
        say("")
        say(solve_bench.render(solve_rows, args.threads))
        say(f"\nLoad during this section: {fmt_monitor(monitor.summary(mark))}")
        report["solve"] = [r.as_dict() for r in solve_rows]
        solve_targets = solve_bench.targets(solve_rows)

    if "distributed" in sections:
        say("\n## Distributed (CPU, gloo on loopback)\n")
        mark = monitor.mark()
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import distributed as dist_bench

        report["distributed"] = dist_bench.run_section(quick=args.quick, say=say)
        say(f"\nLoad during this section: {fmt_monitor(monitor.summary(mark))}")

    monitor.stop()
    say("\n## Targets\n")
    say(_targets(fwd_rows, bwd_rows, compile_res, fractions,
                 (report.get("gpu_targets") or []) + (static_targets or []) + (solve_targets or [])))
    say(f"\nLoad during the whole run ({(time.time() - t_start) / 60:.1f} min): {fmt_monitor(monitor.summary())}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1, default=str)
        say(f"\nJSON: {args.json}")
    return 0


def _targets(fwd_rows, bwd_rows, compile_res, fractions, gpu_targets):
    from kredbench.common import ratio, table

    rows = []

    def verdict(ok):
        return "met" if ok else "MISSED"

    for r in fwd_rows:
        sp = ratio(r.cells.get("pykeops"), r.cells.get("kred"))
        need = 10.0 if r.wl.exp_formula else 3.0
        rows.append([f"forward {r.wl.name} vs pykeops CPU", f">= {need:g}x",
                     f"{sp:.1f}x" if sp else "n/a", verdict(sp and sp >= need) if sp else "not measured"])
    for label, frac in fractions.items():
        rows.append([f"roofline {label}", ">= 40%", f"{100 * frac:.0f}%", verdict(frac >= 0.4)])
    for r in bwd_rows:
        sp = ratio(r.cells.get("pykeops"), r.cells.get("kred"))
        rows.append([f"backward {r.wl.name} vs pykeops CPU", ">= 10x", f"{sp:.1f}x" if sp else "n/a",
                     verdict(sp and sp >= 10) if sp else "not measured"])
    if compile_res and compile_res.get("kred") and "results" in compile_res["kred"]:
        for rec in compile_res["kred"]["results"]:
            v = rec.get("first_s")
            rows.append([f"first-call compile {rec['name']} (kred)", "< 100 ms",
                         f"{v * 1e3:.0f} ms" if v else "error", verdict(v is not None and v < 0.1) if v else "error"])
    for row in gpu_targets or []:
        rows.append(row)
    if not rows:
        return "(nothing measured)"
    return table(["target", "goal", "measured", "verdict"], rows, align=["l", "l", "r", "l"])


def _gpu_targets(res, roof):
    from kredbench.common import Stats, ratio

    out = []
    for r in res["rows"]:
        c = r["cells"]
        sp = ratio(c.get("pykeops"), c.get("kred"))
        out.append([f"GPU {r['wl'].name} vs pykeops GPU", ">= 2x", f"{sp:.1f}x" if sp else "n/a",
                    ("met" if sp >= 2 else "MISSED") if sp else "not measured"])
        if r["wl"].name == "gauss_1e6" and isinstance(c.get("kred"), Stats):
            frac = r["M"] * r["N"] / c["kred"].median / roof
            out.append(["GPU gauss_1e6 of roofline", ">= 50%", f"{100 * frac:.0f}%", "met" if frac >= 0.5 else "MISSED"])
    return out


if __name__ == "__main__":
    sys.exit(main())
