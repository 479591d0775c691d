#!/usr/bin/env python3
"""Static GPU performance model (issue 14): kred's kernels vs KeOps' own, without a GPU.

For each workload of the GPU bench, in float32, this script

1. compiles kred's kernel (``kred._C.compile_gpu``, PTX for sm_90) and assembles
   it with ``ptxas -arch=sm_90 -v``;
2. generates KeOps' own kernel for the same Genred call with keopscore (the
   CUDA source its NVRTC path would compile: ``GpuReduc1D`` or the chunked
   variant keopscore picks, with pykeops' defaults: block sums, chunks on) and
   compiles it with ``nvcc -arch=sm_90 -cubin`` (``-use_fast_math`` as
   pykeops' ``use_fast_math=True``);
3. disassembles both with ``cuobjdump -sass`` and finds the inner j loop: a
   loop is the address range [target, branch] of a backward ``BRA``; the
   candidates are the loops that read shared memory (``LDS``) and hold no
   barrier (``BAR``, which only the tile loop around it has), innermost
   nesting removed; among them the loop that handles the most pairs per
   iteration wins (then the fewest instructions per pair: the steady-state
   path when a compiler keeps a full-tile and a remainder loop). Pairs per
   iteration = distinct bytes the loop reads with LDS / bytes of j data one
   pair needs, times the rows each thread holds;
4. counts the loop's SASS instructions per pair by class (FP32, MUFU, LDS,
   integer, control, other) on the cheapest path through an iteration (every
   data-dependent forward branch taken: ArgKMin's reject of a pair that does
   not beat the current K-th, exact exp's rare slow paths; the dearest path
   is shown too where it differs), reads registers, spills and shared memory from
   ``ptxas -v``, and computes the issue-slot bound of an H100 SXM:

       pairs/s = SMs x clock x min(4 x 32 / slots per pair, 16 / MUFU per pair)

   (4 warp instructions issued per clock per SM, 32 lanes each; the MUFU
   unit does 16 lanes per clock per SM), next to the formula's ideal (its own
   FP32 + MUFU operations, tallied by hand below).

The last line reads ``worst kred/KeOps issue-slot ratio: R``: the largest
ratio of kred's issue slots per pair to KeOps' over the workloads (fast math;
> 1 means kred's inner loop issues more than KeOps').

    .venv/bin/python bench/gpu_static.py                 # the table (~1 min)
    .venv/bin/python bench/gpu_static.py --filter gauss --sass /tmp/sass   # keep the loops' SASS
"""

import argparse
import concurrent.futures
import dataclasses
import glob
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import threading
import types

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

# H100 SXM5: 132 SMs; the clock is the boost clock NVIDIA lists for the SXM5 part.
H100 = {"name": "H100 SXM", "sms": 132, "clock_ghz": 1.755, "issue_per_clk": 4, "lanes": 32, "mufu_per_clk": 16}


@dataclasses.dataclass
class Workload:
    """One Genred call (axis=1: reduce over j) and the hand tally of its ideal per-pair work."""

    name: str
    formula: str
    aliases: list
    reduction: str
    ideal_fp32: float
    ideal_mufu: float
    ideal_note: str
    opt_arg: object = None
    formula2: str = None
    exp: bool = True


# The ideal counts one FADD per subtraction, FFMA for multiply-adds, one FMUL (x log2 e) + one MUFU.EX2
# per exp, and for the online max-shifted sums (LogSumExp, SumSoftMaxWeight) the steady state where the
# running max does not move: one compare, one FFMA for (f - m) log2 e, the exp, one FADD into the sum.
ONLINE = "1 FSETP (f > max?) + 1 FFMA ((f-max) log2 e) + 1 MUFU.EX2 + 1 FADD (sum)"
WORKLOADS = [
    Workload("seed_lse", "Square(p-a)*Exp(x+y)", ["x = Vi(1)", "y = Vj(1)", "a = Vj(1)", "p = Pm(1)"],
             "LogSumExp", 5 + 3, 2, "p-a, square, x+y, x log2 e, EX2, product; then " + ONLINE),
    Workload("seed_sum", "Square(p-a)*Exp(x+y)", ["x = Vi(3)", "y = Vj(3)", "a = Vj(1)", "p = Pm(1)"],
             "Sum", 2 + 3 * 3, 3, "p-a, square; per k: x+y, x log2 e, EX2, FFMA into the sum"),
    Workload("gauss_D3", "Exp(-SqDist(x,y))*b", ["x = Vi(3)", "y = Vj(3)", "b = Vj(1)"],
             "Sum", 8, 1, "3 FADD + 3 FFMA (SqDist), x -log2 e, EX2, FFMA b into the sum"),
    Workload("lse_D3", "-SqDist(x,y)", ["x = Vi(3)", "y = Vj(3)"],
             "LogSumExp", 6 + 3, 1, "3 FADD + 3 FFMA (SqDist); then " + ONLINE),
    Workload("softmax_weight_D3", "-SqDist(x,y)", ["x = Vi(3)", "y = Vj(3)", "b = Vj(3)"],
             "SumSoftMaxWeight", 6 + 3 + 3, 1, "SqDist; " + ONLINE + "; 3 FFMA (weights)", formula2="b"),
    Workload("argkmin_D3", "SqDist(x,y)", ["x = Vi(3)", "y = Vj(3)"], "ArgKMin", 6 + 1, 0,
             "3 FADD + 3 FFMA (SqDist), 1 FSETP against the current K-th", opt_arg=10, exp=False),
    Workload("argkmin_D64", "SqDist(x,y)", ["x = Vi(64)", "y = Vj(64)"], "ArgKMin", 128 + 1, 0,
             "64 FADD + 64 FFMA (SqDist), 1 FSETP against the current K-th", opt_arg=10, exp=False),
    Workload("gauss_D64", "Exp(-SqDist(x,y))*b", ["x = Vi(64)", "y = Vj(64)", "b = Vj(1)"],
             "Sum", 128 + 2, 1, "64 FADD + 64 FFMA (SqDist), x -log2 e, EX2, FFMA b into the sum"),
]


# --------------------------------------------------------------------------
# Tools


def find_tool(name):
    """Path of a CUDA tool: $CUDA_HOME/bin, PATH, or the PyPI nvidia-cuda-* wheels (cuobjdump, nvdisasm)."""
    cands = [os.path.join(os.environ.get("CUDA_HOME", "/usr/local/cuda"), "bin", name), shutil.which(name)]
    for base in {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}:
        cands += sorted(glob.glob(os.path.join(base, "nvidia", "cu*", "bin", name)), reverse=True)
        cands.append(os.path.join(base, "nvidia", f"cuda_{name}", "bin", name))  # the CUDA 12 wheels' layout
    for c in cands:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    return None


def tools():
    """{name: path or None} of ptxas, nvcc and cuobjdump."""
    return {t: find_tool(t) for t in ("ptxas", "nvcc", "cuobjdump")}


def tool_version(path):
    if not path:
        return "missing"
    out = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
    m = re.search(r"(release [\d.]+, V[\d.]+|Version [\d.]+|V[\d.]+)", out)
    return m.group(1) if m else out.strip().splitlines()[-1]


def _run(cmd, what):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{what} failed ({' '.join(cmd[:3])} ...):\n{p.stdout}{p.stderr}")
    return p.stdout + p.stderr


def ptxas_resources(log, entry):
    """(registers, spill bytes stored + loaded, static shared bytes) of `entry` in a `ptxas -v` log."""
    regs = spill = smem = None
    cur = None
    for line in log.splitlines():
        m = re.search(r"(?:Compiling entry function|Function properties for) '?([\w$]+)'?", line)
        if m:
            cur = m.group(1)
            continue
        if cur != entry:
            continue
        m = re.search(r"(\d+) bytes spill stores, (\d+) bytes spill loads", line)
        if m:
            spill = int(m.group(1)) + int(m.group(2))
        m = re.search(r"Used (\d+) registers", line)
        if m:
            regs = int(m.group(1))
            m2 = re.search(r"(\d+) bytes smem", line)
            smem = int(m2.group(1)) if m2 else 0
    return regs, spill, smem


# --------------------------------------------------------------------------
# SASS: parse, find the j loop, count


_INSN = re.compile(r"/\*([0-9a-f]{4,})\*/\s+(@!?U?P[T0-9]+\s+)?([A-Z][A-Z0-9_.]*)\s*([^;]*);")
_FP32 = {"FADD", "FMUL", "FFMA", "FMNMX", "FSETP", "FSEL", "FSET", "FCHK", "FRND", "FADD32I", "FMUL32I",
         "FFMA32I", "FSWZADD"}
_INT = {"IADD3", "IADD", "IMAD", "IMUL", "ISETP", "LOP3", "LOP", "SHF", "SHL", "SHR", "LEA", "SEL", "IABS", "IMNMX",
        "POPC", "FLO", "PRMT", "BMSK", "BREV", "IDP", "VIADD", "VIMNMX", "IMAD32I", "IADD32I", "ISCADD", "P2R",
        "R2P", "PLOP3", "I2I", "VIADDMNMX"}
_CONTROL = {"BRA", "BRX", "BSSY", "BSYNC", "EXIT", "WARPSYNC", "CALL", "RET", "BAR", "YIELD", "NOP", "BREAK",
            "JMP", "JMX", "KILL", "BPT", "VOTE", "VOTEU", "ACQBULK"}


def parse_sass(text):
    """{function name: [(address, predicate, opcode, operands)]} of `cuobjdump -sass` output."""
    funcs, cur = {}, None
    for line in text.splitlines():
        m = re.match(r"\s*Function\s*:\s*(\S+)", line)
        if m:
            cur = funcs.setdefault(m.group(1), [])
            continue
        m = _INSN.search(line)
        if m and cur is not None:
            cur.append((int(m.group(1), 16), (m.group(2) or "").strip(), m.group(3), m.group(4).strip()))
    return funcs


def classify(op, operands=""):
    """One of FP32, MUFU, LDS, int, control, other for a SASS opcode (its mnemonic before the first dot)."""
    base = op.split(".")[0]
    if base in _FP32:
        return "FP32"
    if base == "MUFU":
        return "MUFU"
    if base in ("LDS", "LDSM"):
        return "LDS"
    if base in _INT or (base.startswith("U") and base[1:] in _INT):
        return "int"
    if base in _CONTROL:
        return "control"
    return "other"


def lds_bytes(op):
    """Bytes one thread reads with an LDS of this opcode (LDS, LDS.64, LDS.128, LDS.U8 ...)."""
    width = {"U8": 1, "S8": 1, "U16": 2, "S16": 2, "64": 8, "128": 16}
    for part in op.split(".")[1:]:
        if part in width:
            return width[part]
    return 4


def lds_footprint(body):
    """Distinct bytes a loop body reads from shared memory: the union of [offset, offset + width) per base
    address register (a compiler may read a word twice, or read across two pairs with one LDS.128)."""
    spans = {}
    for _a, _p, op, opnds in body:
        if classify(op) != "LDS":
            continue
        m = re.search(r"\[([^\]]*)\]", opnds)
        addr = m.group(1).replace(" ", "") if m else opnds
        off = 0
        m = re.search(r"([+-])(0x[0-9a-f]+|\d+)$", addr)
        if m:
            off = int(m.group(2), 0) * (-1 if m.group(1) == "-" else 1)
            addr = addr[:m.start()]
        spans.setdefault(addr, []).append((off, off + lds_bytes(op)))
    total = 0
    for iv in spans.values():
        end = None
        for lo, hi in sorted(iv):
            if end is None or lo >= end:
                total += hi - lo
                end = hi
            elif hi > end:
                total += hi - end
                end = hi
    return total


def _target(operands):
    m = re.search(r"(?:^|\s|,)(0x[0-9a-f]+)\s*$", operands)
    return int(m.group(1), 16) if m else None


def find_loops(insns):
    """Loops as (start, end) address ranges: every backward BRA (end) and its target (start)."""
    loops = []
    for addr, _pred, op, opnds in insns:
        if op.split(".")[0] == "BRA":
            t = _target(opnds)
            if t is not None and t <= addr:
                loops.append((t, addr))
    return sorted(set(loops))


def loop_body(insns, loop):
    return [i for i in insns if loop[0] <= i[0] <= loop[1]]


def loop_paths(body, loop):
    """The cheapest and the dearest way through one iteration of a loop: lists of the instructions on them.

    The body is a DAG of forward branches: a predicated BRA may jump or fall through, an unpredicated one
    jumps; a BRA back to the loop's start ends the iteration; EXIT or a branch out of the loop leaves the
    loop (not an iteration). The cheapest path is the steady state where every data-dependent skip is
    taken (ArgKMin's "not better than the K-th" reject on random data; exp's rare slow paths); the
    dearest, every region executed. Without forward branches both are the whole body."""
    n = len(body)
    at = {a: i for i, (a, _p, _o, _x) in enumerate(body)}
    INF = float("inf")
    lo, hi = [INF] * (n + 1), [-INF] * (n + 1)
    nxt_lo, nxt_hi = [None] * n, [None] * n
    for i in range(n - 1, -1, -1):
        _a, pred, op, opnds = body[i]
        base = op.split(".")[0]
        succ = []
        if base == "EXIT" and not pred:
            succ = []
        elif base == "BRA":
            t = _target(opnds)
            if t == loop[0]:
                succ = ["end"]
            elif t in at and t > body[i][0]:
                succ = [at[t]]
            # else: leaves the loop (no iteration along that edge)
            if pred and i + 1 < n:
                succ.append(i + 1)
        elif i + 1 < n:
            succ = [i + 1]
        for s in succ:
            c_lo, c_hi = (0, 0) if s == "end" else (lo[s], hi[s])
            if c_lo + 1 < lo[i]:
                lo[i], nxt_lo[i] = c_lo + 1, s
            if c_hi + 1 > hi[i]:
                hi[i], nxt_hi[i] = c_hi + 1, s

    def walk(nxt):
        path, i = [], 0
        while i != "end" and i is not None:
            path.append(body[i])
            i = nxt[i]
        return path

    if lo[0] == INF:
        return body, body
    return walk(nxt_lo), walk(nxt_hi)


def find_j_loop(insns, j_bytes_per_pair, rows_per_thread=1):
    """The inner j loop of a kernel (see the module doc) and its counts per pair.

    Returns a dict: loop (start, end), pairs (per iteration), insns (in the body), slots (instructions
    per pair on the cheapest path through an iteration, see loop_paths), slots_max (on the dearest),
    counts {class: instructions per pair on the cheapest path}, candidates (how many loops qualified),
    body (the SASS lines); or raises ValueError when no loop reads shared memory."""
    loops = find_loops(insns)
    cands = []
    for lp in loops:
        body = loop_body(insns, lp)
        if any(op.startswith("BAR") for _a, _p, op, _o in body):
            continue
        nbytes = lds_footprint(body)
        if nbytes == 0:
            continue
        cands.append((lp, body, nbytes))
    # A candidate with another candidate inside it is not innermost: a nested loop would need its trip
    # count, which the static model cannot see; keep the innermost ones and say so if that happened.
    inner = [c for c in cands if not any(o is not c and c[0][0] <= o[0][0] and o[0][1] <= c[0][1] for o in cands)]
    nested = len(inner) < len(cands)
    if not inner:
        raise ValueError("no loop reads shared memory (LDS + backward BRA)")
    best = None
    for lp, body, nbytes in inner:
        pairs = nbytes / j_bytes_per_pair * rows_per_thread
        cheap, dear = loop_paths(body, lp)
        counts = {}
        for _a, _p, op, opnds in cheap:
            k = classify(op, opnds)
            counts[k] = counts.get(k, 0) + 1
        slots = len(cheap) / pairs
        key = (-pairs, slots)
        if best is None or key < best[0]:
            best = (key, {"loop": lp, "pairs": pairs, "insns": len(body), "slots": slots,
                          "slots_max": len(dear) / pairs, "counts": {k: v / pairs for k, v in counts.items()},
                          "lds_bytes": nbytes, "candidates": len(inner), "nested": nested, "body": body})
    return best[1]


def format_body(body):
    return "\n".join(f"  /*{a:04x}*/ {p + ' ' if p else ''}{op} {o};" for a, p, op, o in body)


# --------------------------------------------------------------------------
# kred's kernel


def kred_kernel(wl, fast_math, workdir, ptxas):
    """Compile wl with kred for sm_90 and assemble it with ptxas -v.

    Returns (cubin path, info, ptxas log, PTX path). info: kred's GPUKernel.info (run_entry, block_threads,
    rows_per_thread, shared_bytes ...) through the Python API kred._C.compile_gpu; where kred._C cannot be
    imported (a build without the extension), the same compiler through build/bin/kred-compile --emit=ptx,
    with the entry and block size read from the PTX, one row per thread (info["via"] says which)."""
    tag = f"kred_{wl.name}_{'fast' if fast_math else 'exact'}"
    ptx_path = os.path.join(workdir, tag + ".ptx")
    try:
        from kred.common import _cext
        from kred.common.parse import normalize_aliases

        ext = _cext.extension()
    except ImportError:
        ext = None
    if ext is not None:
        k = ext.compile_gpu(wl.formula, list(normalize_aliases(wl.aliases)), wl.reduction, 1, "float32",
                            wl.opt_arg, wl.formula2 or "", "auto", "auto", sm=[90], cubin=False,
                            fast_math=fast_math, cache_dir="off")
        info = dict(k.info, via="kred._C.compile_gpu")
        ptx = k.ptx[90]
        with open(ptx_path, "w") as f:
            f.write(ptx if isinstance(ptx, str) else ptx.decode())
    else:
        tool = os.path.join(REPO, "build", "bin", "kred-compile")
        if not os.path.exists(tool):
            raise RuntimeError("neither kred._C nor build/bin/kred-compile: build kred first (make)")
        cmd = [tool, "--emit=ptx", "--sm=90", f"--fast-math={'true' if fast_math else 'false'}", "--axis=1",
               "--dtype=float32", f"--formula={wl.formula}", f"--reduction={wl.reduction}", "--name=kernel",
               "-o", ptx_path] + [f"--var={a}" for a in wl.aliases]
        if wl.opt_arg is not None:
            cmd.append(f"--opt-arg={wl.opt_arg}")
        if wl.formula2:
            cmd.append(f"--formula2={wl.formula2}")
        _run(cmd, "kred-compile")
        ptx = open(ptx_path).read()
        m = re.search(r"\.entry\s+(kernel_gpu)\s*\((.*?)\)\s*(\.maxntid\s+(\d+))?", ptx, re.S)
        info = {"via": "build/bin/kred-compile --emit=ptx", "run_entry": "kernel_gpu",
                "block_threads": int(m.group(4)) if m and m.group(4) else None, "rows_per_thread": 1,
                "shared_bytes": 0}
    cubin = os.path.join(workdir, tag + ".cubin")
    log = _run([ptxas, "-arch=sm_90", "-O3", "-v", ptx_path, "-o", cubin], "ptxas")
    return cubin, info, log, ptx_path


# --------------------------------------------------------------------------
# KeOps' kernel


_KEOPS = {}


_KEOPS_LOCK = threading.Lock()


def _keopscore():
    """keopscore's reduction-scheme classes, importable on a machine without a GPU.

    keopscore refuses its GPU schemes without libcuda (it loads the CUDA driver and NVRTC to compile); the
    code generation itself needs neither. A stand-in for its NVRTC binder (Gpu_link_compile) keeps only
    what generation needs and returns the CUDA source instead of compiling it."""
    if _KEOPS:
        return _KEOPS
    os.environ.setdefault("KEOPS_VERBOSE", "0")
    import keopscore
    import pykeops.common.operations  # noqa: F401  (before the stand-in: pykeops builds its binder at import)
    from keopscore.config import cuda_config

    class GpuLinkCompileStandIn:
        source_code_extension = "cu"

        def __init__(self):
            pass

        def get_dll_and_params(self):
            self.get_code()
            rf = self.red_formula
            _KEOPS["last"] = {"code": self.code, "scheme": type(self).__name__, "dimy": self.varloader.dimy}
            v = self.varloader
            return dict(tag="", source_file="", low_level_code_file="", tagI=rf.tagI, use_half=self.use_half,
                        use_fast_math=self.use_fast_math, tag1D2D=self.tag1D2D, dimred=rf.dimred, dim=rf.dim,
                        dimy=v.dimy, indsi=v.indsi, indsj=v.indsj, indsp=v.indsp, dimsx=v.dimsx, dimsy=v.dimsy,
                        dimsp=v.dimsp)

    name = "keopscore.binders.nvrtc.Gpu_link_compile"
    saved = sys.modules.get(name)
    stand_in = types.ModuleType(name)
    stand_in.Gpu_link_compile = GpuLinkCompileStandIn
    sys.modules[name] = stand_in
    use_cuda = cuda_config._use_cuda
    cuda_config._use_cuda = True
    try:
        import inspect

        import keopscore.mapreduce.gpu as gpu_schemes
        from keopscore import get_keops_dll as gkd
    finally:
        # Leave keopscore as it was for the rest of the process (pykeops in the same process, e.g. under
        # pytest, must still see no GPU): its binder module and its CUDA switch.
        if saved is not None:
            sys.modules[name] = saved
        else:
            sys.modules.pop(name, None)
        cuda_config._use_cuda = use_cuda
    gkd.map_reduce.update(dict(inspect.getmembers(gpu_schemes, inspect.isclass)))
    _KEOPS.update(impl=gkd.get_keops_dll_impl, version=keopscore.__version__, use_cuda_was=use_cuda)
    return _KEOPS


def keops_call(wl):
    """pykeops Genred's reduction string and aliases for wl (as pykeops.torch.Genred builds them)."""
    from pykeops.common.operations import preprocess

    red, formula2 = preprocess(wl.reduction, wl.formula2)
    s = f"{red}_Reduction({wl.formula}" + (f",{wl.opt_arg}" if wl.opt_arg else "") + ",0" + (
        f",{formula2}" if formula2 else "") + ")"
    aliases = []
    for k, a in enumerate(wl.aliases):
        name, var = a.replace(" ", "").split("=")
        cat = {"Vi": 0, "Vj": 1, "Pm": 2}[var[:2]]
        aliases.append(f"{name}=Var({k},{int(var[3:-1])},{cat})")
    return red, s, aliases


def keops_source(wl, fast_math):
    """(CUDA source, scheme class name, dimy) of KeOps' kernel for wl, as pykeops.torch.Genred would JIT it."""
    K = _keopscore()
    red, s, aliases = keops_call(wl)
    sum_scheme = "block_sum" if red in ("Sum", "Max_SumShiftExp", "Max_SumShiftExpWeight") else "direct_sum"
    # get_keops_dll(map_reduce_id, formula, enable_chunks, enable_finalchunks, mul_var_highdim, aliases, nargs,
    #               dtype, dtypeacc, sum_scheme, tagHostDevice, tagCPUGPU, tag1D2D, use_half, use_fast_math,
    #               device_id) with pykeops' defaults for backend="GPU" on device tensors.
    from keopscore.config import cuda_config

    with _KEOPS_LOCK:  # keopscore's CUDA switch on only while it generates (see _keopscore)
        cuda_config._use_cuda = True
        try:
            K["impl"]("GpuReduc1D", s, 1, -1, 0, aliases, len(aliases), "float", "float", sum_scheme, 1, 1, 0, 0,
                      int(fast_math), 0)
            last = dict(K["last"])
        finally:
            cuda_config._use_cuda = K["use_cuda_was"]
    return last["code"], last["scheme"], last["dimy"]


def keops_kernel(wl, fast_math, workdir, nvcc):
    code, scheme, dimy = keops_source(wl, fast_math)
    tag = f"keops_{wl.name}_{'fast' if fast_math else 'exact'}"
    src = os.path.join(workdir, tag + ".cu")
    with open(src, "w") as f:
        f.write(code)
    cubin = os.path.join(workdir, tag + ".cubin")
    # keopscore's NVRTC call: -arch=sm_XY (+ -use_fast_math); nvcc adds -O3 for device code by default.
    cmd = [nvcc, "-arch=sm_90", "-cubin", "-Xptxas", "-v", src, "-o", cubin] + (["-use_fast_math"] if fast_math else [])
    log = _run(cmd, "nvcc")
    return cubin, scheme, dimy, log, src


# --------------------------------------------------------------------------
# The model


def issue_bound(slots, mufu, gpu=H100):
    """Pairs/s allowed by the issue slots and the MUFU unit (one row per thread: 32 pairs per warp insn)."""
    per_clk = gpu["issue_per_clk"] * gpu["lanes"] / slots
    if mufu:
        per_clk = min(per_clk, gpu["mufu_per_clk"] / mufu)
    return gpu["sms"] * gpu["clock_ghz"] * 1e9 * per_clk


def j_bytes(wl):
    """Bytes of j-indexed data one pair reads: every Vj variable the formula (or formula2) names."""
    n = 0
    for a in wl.aliases:
        name, var = [s.strip() for s in a.split("=")]
        if var.startswith("Vj") and re.search(rf"\b{name}\b", wl.formula + " " + (wl.formula2 or "")):
            n += int(var[3:-1])
    return 4 * n


def analyse(wl, lib, fast_math, workdir, tl, sass_dir=None):
    """One row: the loop counts and resources of lib's kernel for wl."""
    row = {"workload": wl.name, "lib": lib, "fast_math": fast_math}
    try:
        if lib == "kred":
            cubin, info, log, src = kred_kernel(wl, fast_math, workdir, tl["ptxas"])
            entry, rows = info.get("run_entry"), int(info.get("rows_per_thread", 1) or 1)
            row.update(block=info.get("block_threads"), dyn_smem=info.get("shared_bytes"), rows=rows,
                       via=info["via"])
            jb = j_bytes(wl)
        else:
            cubin, scheme, dimy, log, src = keops_kernel(wl, fast_math, workdir, tl["nvcc"])
            entry, rows = None, 1
            block = min(192, 49152 // max(1, dimy * 4))
            row.update(block=block, dyn_smem=block * dimy * 4, rows=1, scheme=scheme)
            jb = 4 * dimy
        sass = _run([tl["cuobjdump"], "-sass", cubin], "cuobjdump")
        funcs = parse_sass(sass)
        if entry is None or entry not in funcs:
            # KeOps' one kernel; kred: the run kernel (not the split-N merge kernel).
            entry = max(funcs, key=lambda f: len(funcs[f])) if entry is None else entry
        regs, spill, smem = ptxas_resources(log, entry)
        loop = find_j_loop(funcs[entry], jb, rows)
        row.update(entry=entry, regs=regs, spill=spill, static_smem=smem, **{k: loop[k] for k in (
            "loop", "pairs", "insns", "slots", "slots_max", "counts", "candidates", "nested", "lds_bytes")})
        row["bound"] = issue_bound(loop["slots"], loop["counts"].get("MUFU", 0))
        if sass_dir:
            os.makedirs(sass_dir, exist_ok=True)
            with open(os.path.join(sass_dir, f"{lib}_{wl.name}_{'fast' if fast_math else 'exact'}.sass"), "w") as f:
                f.write(f"// {entry}: j loop {loop['loop'][0]:#x}-{loop['loop'][1]:#x}, {loop['pairs']:g} pairs per "
                        f"iteration, {loop['candidates']} candidate loop(s); source {src}\n")
                f.write(format_body(loop["body"]) + "\n\n// whole function\n" + sass)
    except Exception as exc:  # noqa: BLE001
        row["error"] = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
    return row


def build_rows(workloads, jobs=2, sass_dir=None, exact=True):
    tl = tools()
    missing = [t for t, p in tl.items() if not p]
    if missing:
        raise RuntimeError(f"missing tools: {', '.join(missing)} (CUDA toolkit for ptxas/nvcc; cuobjdump: "
                           "pip install nvidia-cuda-cuobjdump)")
    work = []
    for wl in workloads:
        for lib in ("kred", "KeOps"):
            work.append((wl, lib, True))
            if wl.exp and exact:
                work.append((wl, lib, False))
    _keopscore()  # import once, before threads
    with tempfile.TemporaryDirectory(prefix="kred-gpu-static-") as tmp:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            rows = list(pool.map(lambda w: analyse(w[0], w[1], w[2], tmp, tl, sass_dir), work))
    return rows, tl


# --------------------------------------------------------------------------
# Report


def _fmt_counts(c):
    return " / ".join(f"{c.get(k, 0):.2f}".rstrip("0").rstrip(".") for k in ("FP32", "MUFU", "LDS", "int", "control",
                                                                               "other"))


def render(rows, workloads, gpu=H100):
    from kredbench.common import table  # noqa: E402  (bench/ is on sys.path)

    by = {(r["workload"], r["lib"], r["fast_math"]): r for r in rows}
    summary = {}
    headers = ["workload", "kernel", "fast math", "slots/pair", "max path", "FP32 / MUFU / LDS / int / ctl / other", "regs",
               "spill B", "smem B", "block", "pairs/iter", "bound pairs/s", "kred/KeOps"]
    body, notes = [], []
    for wl in workloads:
        ideal_slots = wl.ideal_fp32 + wl.ideal_mufu
        body.append([wl.name, "ideal", "", f"{ideal_slots:g}", "", f"{wl.ideal_fp32} / {wl.ideal_mufu} / - / - / - / -",
                     "", "", "", "", "", f"{issue_bound(ideal_slots, wl.ideal_mufu, gpu):.3g}", ""])
        for fm in ((True, False) if wl.exp else (True,)):
            for lib in ("kred", "KeOps"):
                r = by.get((wl.name, lib, fm))
                if r is None:
                    continue
                if "error" in r:
                    body.append([wl.name, lib, "yes" if fm else "no", "error", "", "", "", "", "", "", "", "", ""])
                    notes.append(f"{wl.name} {lib}: {r['error']}")
                    continue
                ratio = ""
                k, o = by.get((wl.name, "kred", fm)), by.get((wl.name, "KeOps", fm))
                if lib == "kred" and k and o and "slots" in k and "slots" in o:
                    ratio = f"{k['slots'] / o['slots']:.2f}"
                    if fm:
                        summary[wl.name] = {"kred": k["slots"], "KeOps": o["slots"], "ideal": ideal_slots,
                                            "kred_bound": k["bound"], "KeOps_bound": o["bound"],
                                            "low_dim_exp": wl.exp and "D64" not in wl.name}
                smem = (r.get("static_smem") or 0) + (r.get("dyn_smem") or 0)
                body.append([wl.name, lib + (f" ({r['scheme']})" if r.get("scheme", "GpuReduc1D") != "GpuReduc1D"
                                             else ""), "yes" if fm else "no", f"{r['slots']:.2f}",
                             f"{r['slots_max']:.2f}" if r["slots_max"] != r["slots"] else "",
                             _fmt_counts(r["counts"]), str(r["regs"]), str(r["spill"]), str(smem), str(r["block"]),
                             f"{r['pairs']:g}", f"{r['bound']:.3g}", ratio])
                if r["candidates"] > 1 or r["nested"]:
                    notes.append(f"{wl.name} {lib} (fast math {'on' if fm else 'off'}): {r['candidates']} innermost "
                                 "LDS loops" + ("; a nested LDS loop was left out (trip count unknown)"
                                                if r["nested"] else "") + "; the one with the most pairs per "
                                 "iteration is counted")
    out = [table(headers, body, align=["l", "l", "l", "r", "r", "l", "r", "r", "r", "r", "r", "r", "r"])]
    vias = sorted({r["via"] for r in rows if r.get("via")})
    if vias:
        notes.insert(0, "kred's kernels: " + ", ".join(vias))
    out.append("")
    out.append(f"Model: {gpu['name']}, {gpu['sms']} SMs at {gpu['clock_ghz']} GHz; bound = SMs x clock x "
               f"min({gpu['issue_per_clk']} x {gpu['lanes']} / slots per pair, {gpu['mufu_per_clk']} / MUFU per "
               "pair). Slots: the SASS instructions of the inner j loop per pair on the cheapest path through "
               "an iteration, every data-dependent forward branch taken (ArgKMin's reject against the K-th on "
               "random data; the rare slow paths of exact exp); max path: every region executed, shown where it "
               "differs. The class counts are those of the cheapest path. One row per thread unless kred's "
               "rows_per_thread says more; smem: static + the dynamic j tile at that block size.")
    out.append("")
    out.append("Ideal (the formula's own FP32 + MUFU per pair):")
    out += [f"- {wl.name}: `{wl.reduction}({wl.formula}{', ' + wl.formula2 if wl.formula2 else ''}"
            f"{', K=' + str(wl.opt_arg) if wl.opt_arg else ''})`, {', '.join(wl.aliases)}: {wl.ideal_note}"
            for wl in workloads]
    if notes:
        out.append("")
        out += [f"- {n}" for n in notes]
    return "\n".join(out), summary


def facts(tl):
    import platform

    from kredbench.common import machine_facts

    f = machine_facts()
    K = _keopscore()
    dirty = f.get("modified_files") or []
    lines = [f"- host: {f['cpu']}, {platform.system()} {platform.release()}; no GPU needed; date {f['date']}, "
             f"commit {f['commit']}" + (f" ({len(dirty)} files modified in the working tree)" if dirty else ""),
             f"- ptxas {tool_version(tl['ptxas'])} ({tl['ptxas']}), nvcc {tool_version(tl['nvcc'])}, "
             f"cuobjdump {tool_version(tl['cuobjdump'])} ({tl['cuobjdump']})",
             f"- keopscore {K['version']} (its CUDA source for GpuReduc1D, compiled with nvcc -arch=sm_90 -cubin "
             "[-use_fast_math]); kred: _C.compile_gpu(sm=[90]) PTX, ptxas -arch=sm_90 -O3"]
    return "\n".join(lines)


MD_BEGIN = "<!-- gpu_static: begin (bench/gpu_static.py writes this section; make bench regenerates it) -->"
MD_END = "<!-- gpu_static: end -->"


def _worst(summary):
    """(workload, kred/KeOps slot ratio) of the workload where kred fares worst, or (None, None)."""
    if not summary:
        return None, None
    name = max(summary, key=lambda w: summary[w]["kred"] / summary[w]["KeOps"])
    return name, summary[name]["kred"] / summary[name]["KeOps"]


def run_section(filter_re=None, jobs=2, sass_dir=None, exact=True, results_md=None):
    """The whole model as markdown: facts, table, notes and the worst-ratio lines; and the summary
    {workload: {kred, KeOps, ideal: slots per pair, ...}} (fast math). results_md: also write it between
    MD_BEGIN/MD_END in that file (appended as a new section the first time)."""
    for d in (os.path.join(REPO, "python"), os.path.join(REPO, "build", "python"), HERE):
        if d not in sys.path:
            sys.path.insert(0, d)
    wls = [w for w in WORKLOADS if not filter_re or re.search(filter_re, w.name)]
    if not wls:
        return f"(no workload matches {filter_re!r}: {', '.join(w.name for w in WORKLOADS)})", {}
    rows, tl = build_rows(wls, jobs=jobs, sass_dir=sass_dir, exact=exact)
    text, summary = render(rows, wls)
    name, worst = _worst(summary)
    lines = [facts(tl), "", text, ""]
    if worst is None:
        lines.append("worst kred/KeOps issue-slot ratio: n/a (no workload compiled for both)")
    else:
        lines += [f"worst workload: {name}", f"worst kred/KeOps issue-slot ratio: {worst:.2f}"]
    out = "\n".join(lines)
    errors = [r for r in rows if "error" in r]
    if results_md and not filter_re and not errors:
        write_section(results_md, out)
    return out, summary


def write_section(path, text):
    """Replace (or append) the gpu_static section of a markdown file."""
    cmd = "`.venv/bin/python bench/gpu_static.py` (or `make bench`, section `gpu_static` of bench/run.py)"
    block = f"{MD_BEGIN}\n## GPU static model: kred vs KeOps SASS on sm_90 (no GPU)\n\n- command: {cmd}\n{text}\n{MD_END}"
    old = open(path).read() if os.path.exists(path) else ""
    if MD_BEGIN in old and MD_END in old:
        new = old[:old.index(MD_BEGIN)] + block + old[old.index(MD_END) + len(MD_END):]
    else:
        new = old.rstrip("\n") + "\n\n" + block + "\n"
    with open(path, "w") as f:
        f.write(new)


def targets(summary):
    """Rows of bench/run.py's targets table (issue 14's static targets)."""
    rows = []
    name, worst = _worst(summary)
    if worst is not None:
        rows.append([f"GPU static: kred/KeOps issue slots per pair (worst: {name})", "<= 1.00",
                     f"{worst:.2f}", "met" if worst <= 1.0 else "MISSED"])
    for w, v in summary.items():
        if v["low_dim_exp"]:
            r = v["kred"] / v["ideal"]
            rows.append([f"GPU static: {w} kred slots / ideal", "<= 1.2x", f"{r:.2f}x", "met" if r <= 1.2 else "MISSED"])
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--filter", default=None, help="regex on workload names (" +
                   ", ".join(w.name for w in WORKLOADS) + ")")
    p.add_argument("--no-exact", action="store_true", help="leave out the fast_math=False rows")
    p.add_argument("--jobs", type=int, default=2, help="compiles in parallel (default 2)")
    p.add_argument("--sass", default=None, metavar="DIR", help="write each kernel's j loop and SASS to DIR")
    p.add_argument("--results-md", default=None, metavar="FILE",
                   help="also write the section into FILE (bench/RESULTS.md; only for a full, error-free run)")
    args = p.parse_args(argv)
    text, summary = run_section(args.filter, args.jobs, args.sass, not args.no_exact, args.results_md)
    print(text)
    return 0 if summary else 1


if __name__ == "__main__":
    sys.exit(main())
