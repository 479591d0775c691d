"""Compiles every reduction kind, both axes and f16/bf16/f32/f64 to PTX for
sm_70, sm_75, sm_80 and sm_90 with kred-compile, checks the PTX entries and
parameters of docs/gpu.md (run, merge and ranges kernels), and assembles each PTX with ptxas for its sm.
Exits non-zero (printing every failure) when anything fails.

CUDA 13's ptxas cannot target sm_70: for an sm that the given ptxas does
not list, another one is looked for ($KRED_PTXAS_LEGACY, then the CUDA 12
ptxas that pip packages such as triton ship in the repository's .venv);
without one, that sm's PTX is checked but not assembled (a SKIP line)."""

import glob
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

kred_compile, ptxas, out_dir = sys.argv[1:4]
os.makedirs(out_dir, exist_ok=True)
SMS = (70, 75, 80, 90)


def ptxas_targets(path):
    """The sm_NN values `path --help` lists (None: not runnable)."""
    try:
        r = subprocess.run([path, "--help"], capture_output=True, text=True)
    except OSError:
        return None
    return {int(n) for n in re.findall(r"'sm_(\d+)'", r.stdout + r.stderr)}


def choose_ptxas():
    """{sm: ptxas path or None}: the given ptxas where it can target the sm."""
    repo = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
    candidates = [ptxas, os.environ.get("KRED_PTXAS_LEGACY", "")]
    for pattern in ("triton/backends/nvidia/bin/ptxas", "nvidia/cuda_nvcc/bin/ptxas"):
        candidates += sorted(glob.glob(os.path.join(
            repo, ".venv", "lib", "python*", "site-packages", pattern)))
    chosen = {}
    for path in candidates:
        if not path or not os.access(path, os.X_OK):
            continue
        targets = ptxas_targets(path)
        if targets is None:
            continue
        for sm in SMS:
            if sm not in chosen and (sm in targets or not targets):
                chosen[sm] = path
    return {sm: chosen.get(sm) for sm in SMS}


PTXAS = choose_ptxas()

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
                "--emit=ptx", "--sm=" + ",".join(map(str, SMS)), "-o", base]
    what = "%s %s axis=%d %s" % (kind, " ".join(opts), axis, dtype)
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        return "%s: kred-compile failed: %s" % (what, r.stderr)
    for sm in SMS:
        path = "%s.sm_%d" % (base, sm)
        ptx = open(path).read()
        if ".target sm_%d" % sm not in ptx:
            return "%s: no .target sm_%d" % (what, sm)
        params = {}
        for entry, index in PARAM.findall(ptx):
            params.setdefault(entry, []).append(int(index))
        # 4 positions + M, N, chunk + 4 output/state pointers; merge: 6.
        if params.get(name + "_gpu") != list(range(12)):
            return "%s: %s_gpu params %s" % (what, name, params.get(name + "_gpu"))
        if params.get(name + "_gpu_merge") != list(range(6)):
            return "%s: merge params %s" % (what, params.get(name + "_gpu_merge"))
        # ranges=: 4 positions + M, N, lookup, red_ranges, out, out_idx.
        if params.get(name + "_gpu_ranges") != list(range(10)):
            return "%s: ranges params %s" % (what, params.get(name + "_gpu_ranges"))
        if "bar.sync" not in ptx or ".shared" not in ptx:
            return "%s: no shared tile or barrier" % what
        if re.search(r"\bcall\b", ptx):
            return "%s: the PTX calls a function" % what
        if PTXAS[sm] is None:
            continue
        r = subprocess.run([PTXAS[sm], "-arch=sm_%d" % sm, "-o", path + ".cubin",
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
for sm in SMS:
    if PTXAS[sm] is None:
        print("SKIP: no ptxas can target sm_%d: its PTX was checked, not assembled" % sm)
    else:
        print("sm_%d: assembled with %s" % (sm, PTXAS[sm]))
for f in failures:
    print("FAIL:", f)
print("checked %d kernels x %d architectures, %d failures" %
      (len(jobs), len(SMS), len(failures)))
sys.exit(1 if failures else 0)
