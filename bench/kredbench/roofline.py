"""The CPU roofline of the Gaussian kernel sum exp(-|x_i - y_j|^2) b_j, D=3.

limit (pairs/s) = cores x vector ports x lanes x clock / (vector ops per lanes pairs)

- clock: measured with chains of dependent imul (microbench.c), on one
  thread and on all cores at once (a shared machine gives less than
  cores x the single-thread clock);
- vector ports: 512-bit vector uops issue on 2 ports of an AVX-512 Golden
  Cove / Sapphire Rapids core (p0 with p1 fused, and p5); the FMA
  microbenchmark measures the achieved 512-bit FMAs per cycle;
- lanes: 16 float32 per zmm register;
- vector ops per 16 pairs: counted in the innermost loop of the code kred
  generates for this kernel (kred-compile --emit=obj --cpu=native, the
  pipeline of the JIT, disassembled): every zmm instruction that needs a
  vector ALU port (FMA, add, mul, min/max, round, convert, shift, logic);
  pure loads and broadcasts from memory use the load ports and are not
  counted; register-to-register moves are listed separately (move
  elimination usually removes them). llvm-mca's estimate of the loop's
  cycles on this core is printed as a cross-check.
"""

import ctypes
import hashlib
import os
import re
import shutil
import subprocess
import tempfile

from .common import REPO, cpu_flags

HERE = os.path.dirname(os.path.abspath(__file__))
LANES = 16
PORTS = 2

GAUSS = {
    "formula": "Exp(-SqDist(x,y))*b",
    "vars": ["x = Vi(3)", "y = Vj(3)", "b = Vj(1)"],
    "reduction": "Sum",
}


# --------------------------------------------------------------------------
# Microbenchmarks


def _microbench_lib():
    src = os.path.join(HERE, "microbench.c")
    with open(src, "rb") as f:
        digest = hashlib.sha1(f.read()).hexdigest()[:12]
    cache = os.path.join(os.path.expanduser("~"), ".cache", "kred-bench")
    os.makedirs(cache, exist_ok=True)
    so = os.path.join(cache, f"microbench-{digest}.so")
    if not os.path.exists(so):
        cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
        if not cc:
            raise RuntimeError("no C compiler (cc) for the microbenchmarks")
        flags = ["-O2", "-shared", "-fPIC"]
        if "avx512f" in cpu_flags():
            flags.append("-mavx512f")
        tmp = so + f".{os.getpid()}.tmp"
        subprocess.run([cc] + flags + [src, "-o", tmp, "-lpthread"], check=True, capture_output=True)
        os.replace(tmp, so)
    lib = ctypes.CDLL(so)
    for name in ("kb_clock_ghz", "kb_clock_ghz_threads", "kb_fma512_per_ns"):
        getattr(lib, name).restype = ctypes.c_double
    return lib


def measure_machine(threads):
    """Clock (one thread, and the sum over `threads` threads at once) and
    the 512-bit FMA throughput per cycle of one core."""
    lib = _microbench_lib()
    ghz = lib.kb_clock_ghz(7)
    ghz_all = lib.kb_clock_ghz_threads(threads, 5) if threads > 1 else ghz
    fma = lib.kb_fma512_per_ns(5)
    ghz2 = lib.kb_clock_ghz(7)  # again, right after the FMA test
    ghz = max(ghz, ghz2)
    return {
        "clock_ghz": ghz,
        "clock_ghz_sum_threads": ghz_all,
        "threads": threads,
        "fma512_per_ns": fma if fma > 0 else None,
        "fma512_per_cycle": fma / ghz if fma > 0 else None,
    }


# --------------------------------------------------------------------------
# Counting the generated code


def kred_compile_path():
    for p in (os.environ.get("KRED_COMPILE"),
              os.path.join(REPO, os.environ.get("BUILD", "build"), "bin", "kred-compile"),
              shutil.which("kred-compile")):
        if p and os.path.exists(p):
            return p
    return None


def _disassemble(obj):
    objdump = shutil.which("objdump") or shutil.which("llvm-objdump") or shutil.which("llvm-objdump-22")
    if not objdump:
        raise RuntimeError("no objdump")
    out = subprocess.run([objdump, "-d", "--no-show-raw-insn", obj], capture_output=True, text=True,
                         check=True).stdout
    insns = []  # (addr, mnemonic, operands)
    in_run = False
    for line in out.splitlines():
        m = re.match(r"^[0-9a-f]+ <(\w+)>:", line)
        if m:
            in_run = m.group(1).endswith("_run")
            continue
        if not in_run:
            continue
        m = re.match(r"^\s*([0-9a-f]+):\s+(\S+)\s*(.*)$", line)
        if not m:
            continue
        ops = m.group(3).split("#")[0].strip()
        insns.append((int(m.group(1), 16), m.group(2), ops))
    return insns


def _innermost_hot_loop(insns):
    loops = []
    for idx, (addr, mn, ops) in enumerate(insns):
        if mn.startswith("j"):
            m = re.match(r"^([0-9a-f]+)\b", ops)
            if m and int(m.group(1), 16) <= addr:
                start = int(m.group(1), 16)
                body = [i for i in insns if start <= i[0] <= addr]
                loops.append((start, addr, body))
    inner = [l for l in loops
             if not any(o is not l and l[0] <= o[0] and o[1] <= l[1] and (o[0], o[1]) != (l[0], l[1]) for o in loops)]
    if not inner:
        return None
    return max(inner, key=lambda l: sum("%zmm" in i[2] for i in l[2]))


def classify(body):
    counts = {"alu": 0, "alu_with_load": 0, "load": 0, "store": 0, "move": 0, "scalar": 0}
    per_mnemonic = {}
    for _, mn, ops in body:
        if "%zmm" not in ops:
            counts["scalar"] += 1
            continue
        operands = _split_operands(ops)
        mem = [o for o in operands if "(" in o]
        if re.match(r"^v(p)?mov(aps|ups|dqa32|dqa64|dqu32|dqu64|apd|upd)$", mn):
            kind = "load" if mem and mem[0] == operands[0] else "store" if mem else "move"
        elif re.match(r"^vp?broadcast", mn) and mem:
            kind = "load"
        else:
            kind = "alu"
            if mem:
                counts["alu_with_load"] += 1
            per_mnemonic[mn] = per_mnemonic.get(mn, 0) + 1
        counts[kind] += 1
    vectors = per_mnemonic.get("vrndscaleps", 0) or per_mnemonic.get("vcvttps2dq", 0) or 1
    return counts, per_mnemonic, vectors


def _split_operands(ops):
    parts, depth, cur = [], 0, ""
    for ch in ops:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur.strip())
    return parts


def _mca(body):
    mca = shutil.which("llvm-mca-22") or shutil.which("llvm-mca")
    if not mca:
        return None
    lines = []
    for _, mn, ops in body:
        if mn.startswith("j") or mn.startswith("nop") or "nop" in mn or mn in ("data16", "cs"):
            continue
        lines.append(f"{mn} {ops}")
    try:
        out = subprocess.run([mca, "-mcpu=sapphirerapids", "-iterations=200"], input="\n".join(lines) + "\n",
                             capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    it = re.search(r"Iterations:\s+(\d+)", out)
    cyc = re.search(r"Total Cycles:\s+(\d+)", out)
    rthr = re.search(r"Block RThroughput:\s+([\d.]+)", out)
    if not (it and cyc):
        return None
    return {"cycles_per_iter": int(cyc.group(1)) / int(it.group(1)),
            "block_rthroughput": float(rthr.group(1)) if rthr else None}


def count_generated_code(kernel=GAUSS):
    """Vector ops per 16 pairs in the innermost loop of kred's code."""
    tool = kred_compile_path()
    if not tool:
        return {"error": "kred-compile not found (make build, or set KRED_COMPILE)"}
    tmp = tempfile.mkdtemp(prefix="kredbench-roofline-")
    try:
        obj = os.path.join(tmp, "gauss.o")
        cmd = [tool, f"--formula={kernel['formula']}"] + [f"--var={v}" for v in kernel["vars"]] + [
            f"--reduction={kernel['reduction']}", "--axis=1", "--dtype=float32", "--cpu=native", "--emit=obj",
            "-o", obj]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            return {"error": f"kred-compile failed: {p.stderr.strip()[:300]}"}
        insns = _disassemble(obj)
        loop = _innermost_hot_loop(insns)
        if loop is None:
            return {"error": "no loop found in the disassembly"}
        counts, mnemonics, vectors = classify(loop[2])
        res = {
            "command": " ".join(f"'{c}'" if " " in c else c for c in cmd),
            "loop": f"{loop[0]:#x}-{loop[1]:#x}",
            "counts": counts,
            "mnemonics": mnemonics,
            "vectors_per_iter": vectors,
            "alu_ops_per_vector": counts["alu"] / vectors,
            "moves_per_vector": counts["move"] / vectors,
            "mca": _mca(loop[2]),
        }
        return res
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def limit_pairs_per_s(ghz, cores, ops_per_vector):
    return cores * PORTS * LANES * ghz * 1e9 / ops_per_vector


def render(machine, code, measured, threads, machine_end=None):
    """measured: {label: (pairs_per_s, threads)}."""
    from .common import table

    lines = []
    if "error" in code:
        lines.append(f"Generated-code count unavailable: {code['error']}")
        return "\n".join(lines), {}
    ghz = machine["clock_ghz"]
    ops = code["alu_ops_per_vector"]
    c = code["counts"]
    lines.append(f"- clock (dependent imul chains, best of 7, one thread): {ghz:.2f} GHz"
                 + (f"; at the end of the run {machine_end['clock_ghz']:.2f} GHz" if machine_end else ""))
    if machine.get("threads", 1) > 1:
        lines.append(f"- sum of the clocks of {machine['threads']} threads run at once: "
                     f"{machine['clock_ghz_sum_threads']:.2f} GHz (ideal {machine['threads'] * ghz:.2f})")
    if machine.get("fma512_per_cycle"):
        lines.append(f"- 512-bit FMA throughput, one thread: {machine['fma512_per_cycle']:.2f} per cycle "
                     f"({machine['fma512_per_ns']:.2f} per ns); the roofline assumes {PORTS} vector ports")
    lines.append(f"- kred's inner loop (`{code['command']}`, loop {code['loop']}): "
                 f"{code['vectors_per_iter']} zmm vectors (x{LANES} rows) per j; per vector of {LANES} pairs: "
                 f"{ops:.1f} vector ALU uops ({c['alu_with_load']} of all {c['alu']} with a folded load), "
                 f"{c['load'] / code['vectors_per_iter']:.1f} loads/broadcasts, "
                 f"{code['moves_per_vector']:.1f} register moves, {c['scalar']} scalar ops per j")
    mn = ", ".join(f"{k} {v}" for k, v in sorted(code["mnemonics"].items(), key=lambda kv: -kv[1]))
    lines.append(f"- ALU uops per j (all {code['vectors_per_iter']} vectors): {mn}")
    if code.get("mca"):
        cyc = code["mca"]["cycles_per_iter"]
        lines.append(f"- llvm-mca (sapphirerapids) estimate: {cyc:.1f} cycles per j = "
                     f"{LANES * code['vectors_per_iter'] / cyc:.2f} pairs/cycle/core "
                     f"(the port limit: {PORTS * LANES / ops:.2f})")
    lim1 = limit_pairs_per_s(ghz, 1, ops)
    lines.append(f"- limit = cores x {PORTS} ports x {LANES} lanes x {ghz:.2f} GHz / {ops:.1f} uops "
                 f"= {lim1:.3g} pairs/s per core, {limit_pairs_per_s(ghz, threads, ops):.3g} pairs/s on {threads}")
    rows = []
    fractions = {}
    for label, (pps, t) in measured.items():
        lim = limit_pairs_per_s(ghz, t, ops)
        fractions[label] = pps / lim
        rows.append([label, str(t), f"{pps:.3g}", f"{lim:.3g}", f"{100 * pps / lim:.0f}%"])
    if rows:
        lines.append("")
        lines.append(table(["kred Gaussian D=3", "threads", "pairs/s", "limit pairs/s", "of limit"], rows))
    return "\n".join(lines), fractions
