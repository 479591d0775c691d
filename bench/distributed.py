"""The distributed section of the benchmark: kred.distributed on 1, 2, ... processes of this machine.

    .venv/bin/python bench/distributed.py [--procs 1,2] [--quick]

Starts P processes with torchrun's environment (gloo on loopback, one kred thread each) and times, on
each rank, after a warm-up call:
- a Gaussian kernel sum over j-sharded sources (shard="j": states all-gathered, the result on every rank);
- ArgKMin (K = 10) with queries and database both sharded (shard="ij": database slices ring-passed).
Prints the slowest rank's time, the parallel efficiency T(1) / (P * T(P)), and the bytes each rank sent
(kred's count of the payload: the states, O(M * state) for "j", independent of N; the database slices
for "ij"). Also used by bench/run.py --sections distributed.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

WORKLOADS = {
    # name: (formula, aliases, reduction, opt_arg, shard, M, N, D)
    "gauss_sum_j": ("Exp(-SqDist(x,y))*b", ["x=Vi(3)", "y=Vj(3)", "b=Vj(1)"], "Sum", None, "j", 20000, 200000, 3),
    "argkmin_ij": ("SqDist(x,y)", ["x=Vi(16)", "y=Vj(16)"], "ArgKMin", 10, "ij", 20000, 50000, 16),
}


def _worker(out, quick, names):
    import torch
    import torch.distributed as dist

    import kred.distributed as kd

    dist.init_process_group("gloo")
    res = {}
    for name in names:
        formula, aliases, red, K, shard, M, N, D = WORKLOADS[name]
        if quick:
            M, N = M // 10, N // 10
        g = torch.Generator().manual_seed(0)
        x = torch.randn(M, D, generator=g)
        y = torch.randn(N, D, generator=g)
        b = torch.randn(N, 1, generator=g)
        xs = kd.shard_rows(x) if "i" in shard else x
        ys = kd.shard_rows(y)
        args = (xs, ys) if len(aliases) == 2 else (xs, ys, kd.shard_rows(b))
        op = kd.Genred(formula, aliases, reduction_op=red, axis=1, opt_arg=K, shard=shard)
        op(*args)  # compile and warm up
        dist.barrier()
        kd.comm_stats(reset=True)
        reps = 3
        t0 = time.perf_counter()
        for _ in range(reps):
            op(*args)
        dist.barrier()
        t = (time.perf_counter() - t0) / reps
        res[name] = {"seconds": t, "bytes": kd.comm_stats()["bytes"] // reps, "M": M, "N": N, "D": D}
    with open(out, "w") as fh:
        json.dump(res, fh)
    dist.destroy_process_group()


def _launch(procs, quick, names):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    tmp = tempfile.mkdtemp(prefix="kred-dist-bench-")
    ps, outs = [], []
    for rank in range(procs):
        out = os.path.join(tmp, f"{rank}.json")
        env = dict(os.environ, RANK=str(rank), WORLD_SIZE=str(procs), LOCAL_RANK=str(rank),
                   MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), KRED_NUM_THREADS="1", OMP_NUM_THREADS="1",
                   PYTHONPATH=os.pathsep.join(sys.path))
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", out, "--names", ",".join(names)]
        if quick:
            cmd.append("--quick")
        ps.append(subprocess.Popen(cmd, env=env))
        outs.append(out)
    for p in ps:
        if p.wait(timeout=1800) != 0:
            raise RuntimeError(f"bench/distributed.py: a rank exited with {p.returncode}")
    results = []
    for out in outs:
        with open(out) as fh:
            results.append(json.load(fh))
    return results


def run_section(procs=(1, 2), quick=False, names=None, say=print):
    """Runs the workloads on each process count; returns the markdown table (also printed)."""
    names = list(names or WORKLOADS)
    base = {}
    lines = [
        "| workload | M x N, D | processes | time (slowest rank) | parallel efficiency | bytes sent per rank |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for p in procs:
        results = _launch(p, quick, names)
        for name in names:
            t = max(r[name]["seconds"] for r in results)
            sent = max(r[name]["bytes"] for r in results)
            if p == procs[0]:
                base[name] = t * p
            eff = base[name] / (p * t)
            r0 = results[0][name]
            lines.append(f"| {name} | {r0['M']} x {r0['N']}, {r0['D']} | {p} | {t * 1e3:.1f} ms | {eff:.0%} | "
                         f"{sent:,} |")
    text = "\n".join(lines)
    say(text)
    return text


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--procs", default="1,2")
    ap.add_argument("--quick", action="store_true", help="sizes / 10")
    ap.add_argument("--names", default=",".join(WORKLOADS))
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    names = [n for n in a.names.split(",") if n]
    if a.worker:
        _worker(a.worker, a.quick, names)
        return
    import platform

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    print(f"kred.distributed on {cpu}, {os.cpu_count()} cores; gloo on loopback, 1 kred thread per process")
    run_section(tuple(int(p) for p in a.procs.split(",")), a.quick, names)


if __name__ == "__main__":
    main()
