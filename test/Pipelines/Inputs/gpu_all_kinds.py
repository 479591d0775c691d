"""Compiles every reduction kind, both axes and f16/bf16/f32/f64 to PTX for
sm_80 and sm_90 with kred-compile, checks the PTX entries and parameters of
docs/gpu.md, and assembles each PTX with ptxas. Exits non-zero (printing
every failure) when anything fails."""

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

kred_compile, ptxas, out_dir = sys.argv[1:4]
os.makedirs(out_dir, exist_ok=True)

VARS = ["--var", "x=Vi(3)", "--var", "y=Vj(3)", "--var", "b=Vj(2)",
        "--var", "p=Pm(1)"]
F = "Exp(-p*SqDist(x,y))*b"          # dimension 2
F1 = "-p*SqDist(x,y)"                # dimension 1
KINDS = [
    ("Sum", F, [], ["--sum-scheme", "block_sum"]),
    ("Sum", F, [], ["--sum-scheme", "kahan_scheme"]),
    ("Sum", F, [], ["--sum-scheme", "direct_sum"]),
    ("LogSumExp", F1, [], []),
    ("LogSumExpWeight", F1, ["--formula2", "b"], []),
    ("Max_SumShiftExp", F1, [], []),
    ("Max_SumShiftExpWeight", F1, ["--formula2", "b"], []),
    ("SumSoftMaxWeight", F1, ["--formula2", "b"], []),
    ("Min", F, [], []),
    ("Max", F, [], []),
    ("ArgMin", F, [], []),
    ("ArgMax", F, [], []),
    ("Min_ArgMin", F, [], []),
    ("Max_ArgMax", F, [], []),
    ("KMin", F, [], ["--opt-arg", "3"]),
    ("ArgKMin", F, [], ["--opt-arg", "3"]),
    ("KMin_ArgKMin", F, [], ["--opt-arg", "3"]),
]
DTYPES = ["float16", "bfloat16", "float32", "float64"]

# .param .u64 (optionally .ptr .align N) NAME_param_K
PARAM = re.compile(r"\.param \.u64 (?:\.ptr (?:\.global )?\.align \d+ )?(\w+)_param_(\d+)")


def check(job):
    n, (kind, formula, extra, opts), axis, dtype = job
    name = "k%d" % n
    base = os.path.join(out_dir, name)
    cmd = [kred_compile, "--name", name, "--formula", formula] + VARS + extra + \
        opts + ["--reduction", kind, "--axis", str(axis), "--dtype", dtype,
                "--emit=ptx", "--sm=80,90", "-o", base]
    what = "%s %s axis=%d %s" % (kind, " ".join(opts), axis, dtype)
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        return "%s: kred-compile failed: %s" % (what, r.stderr)
    for sm in (80, 90):
        path = "%s.sm_%d" % (base, sm)
        ptx = open(path).read()
        if ".target sm_%d" % sm not in ptx:
            return "%s: no .target sm_%d" % (what, sm)
        params = {}
        for entry, index in PARAM.findall(ptx):
            params.setdefault(entry, []).append(int(index))
        # 4 positions + M, N, chunk + 4 output/state pointers; merge: 6.
        if params.get(name + "_gpu") != list(range(11)):
            return "%s: %s_gpu params %s" % (what, name, params.get(name + "_gpu"))
        if params.get(name + "_gpu_merge") != list(range(6)):
            return "%s: merge params %s" % (what, params.get(name + "_gpu_merge"))
        if "bar.sync" not in ptx or ".shared" not in ptx:
            return "%s: no shared tile or barrier" % what
        if re.search(r"\bcall\b", ptx):
            return "%s: the PTX calls a function" % what
        r = subprocess.run([ptxas, "-arch=sm_%d" % sm, "-o", path + ".cubin",
                            path], capture_output=True, text=True)
        if r.returncode != 0:
            return "%s: ptxas sm_%d failed: %s" % (what, sm, r.stderr)
    return None


jobs = []
for kind in KINDS:
    for axis in (0, 1):
        for dtype in DTYPES:
            jobs.append((len(jobs), kind, axis, dtype))
with ThreadPoolExecutor(2) as pool:
    failures = [f for f in pool.map(check, jobs) if f]
for f in failures:
    print("FAIL:", f)
print("checked %d kernels x 2 architectures, %d failures" %
      (len(jobs), len(failures)))
sys.exit(1 if failures else 0)
