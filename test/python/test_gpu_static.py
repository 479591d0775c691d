"""bench/gpu_static.py, the static GPU performance model (issue 14): the SASS
parser and loop finder on a hand-written listing, then one workload end to
end (kred's and KeOps' Gaussian kernel compiled for sm_90 and disassembled).
Needs no GPU; the end-to-end test needs ptxas and nvcc (CUDA toolkit) and
cuobjdump (PyPI nvidia-cuda-cuobjdump) and is skipped, saying which is
missing, without them."""

import os
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "bench"))

import gpu_static  # noqa: E402

# A tile loop (0x0040-0x0120, with the barrier) around an inner loop unrolled twice (0x0060-0x00f0):
# one LDS.128 reads x,y,z of pair 0 and x of pair 1, the next word is read twice, then y, z of pair 1.
LISTING = """
        Function : k
        /*0000*/                   S2R R0, SR_TID.X ;
        /*0040*/                   BAR.SYNC.DEFER_BLOCKING 0x0 ;
        /*0050*/                   UMOV UR7, UR6 ;
        /*0060*/                   LDS.128 R4, [UR7] ;
        /*0070*/                   LDS R9, [UR7+0xc] ;
        /*0080*/                   LDS.64 R10, [UR7+0x10] ;
        /*0090*/                   FADD.FTZ R4, R20, -R4 ;
        /*00a0*/                   FFMA.FTZ R4, R4, R4, RZ ;
        /*00b0*/                   MUFU.EX2 R4, R4 ;
        /*00c0*/                   IADD3 R2, R2, 0x2, RZ ;
        /*00d0*/                   ISETP.NE.AND P1, PT, R2, R3, PT ;
        /*00e0*/                   UIADD3 UR7, UR7, 0x18, URZ ;
        /*00f0*/               @P1 BRA 0x60 ;
        /*0100*/                   BAR.SYNC.DEFER_BLOCKING 0x0 ;
        /*0110*/                   ISETP.NE.AND P0, PT, R5, R6, PT ;
        /*0120*/               @P0 BRA 0x40 ;
        /*0130*/                   EXIT ;
"""


def _fields(loop, *keys):
    """The values of keys in a find_j_loop result, in order."""
    return tuple(loop[key] for key in keys)


def test_parse_and_find_loop():
    funcs = gpu_static.parse_sass(LISTING)
    assert list(funcs) == ["k"]
    insns = funcs["k"]
    assert len(insns) == 17
    assert gpu_static.find_loops(insns) == [(0x40, 0x120), (0x60, 0xF0)]
    # 12 bytes of j data per pair: the loop reads 24 distinct bytes, so 2 pairs per iteration.
    loop = gpu_static.find_j_loop(insns, 12)
    assert _fields(loop, "loop", "lds_bytes", "pairs", "insns", "slots") == ((0x60, 0xF0), 24, 2, 10, 5)
    assert loop["counts"] == {"LDS": 1.5, "FP32": 1.0, "MUFU": 0.5, "int": 1.5, "control": 0.5}
    # Two rows per thread: every shared-memory read serves twice the pairs.
    assert gpu_static.find_j_loop(insns, 12, rows_per_thread=2)["pairs"] == 4
    with pytest.raises(ValueError):
        gpu_static.find_j_loop([i for i in insns if not i[2].startswith("LDS")], 12)


# An ArgKMin-like loop: a pair that does not beat the K-th (R13) skips the insertion (0x0050-0x0070).
REJECT = """
        Function : r
        /*0000*/                   LDS R2, [UR4] ;
        /*0010*/                   FADD R2, R20, -R2 ;
        /*0020*/                   FMUL R3, R2, R2 ;
        /*0030*/                   FSETP.GEU.AND P0, PT, R3, R13, PT ;
        /*0040*/               @P0 BRA 0x80 ;
        /*0050*/                   FSEL R13, R3, R13, P1 ;
        /*0060*/                   SEL R14, R4, R14, P1 ;
        /*0070*/                   FSEL R12, R3, R12, P1 ;
        /*0080*/                   UIADD3 UR4, UR4, 0x4, URZ ;
        /*0090*/                   ISETP.NE.AND P2, PT, R5, R6, PT ;
        /*00a0*/               @P2 BRA 0x0 ;
        /*00b0*/                   EXIT ;
"""


def test_cheapest_path():
    insns = gpu_static.parse_sass(REJECT)["r"]
    loop = gpu_static.find_j_loop(insns, 4)
    # Rejected: LDS, FADD, FMUL, FSETP, BRA, UIADD3, ISETP, BRA (8 slots); inserted: 3 more.
    assert _fields(loop, "loop", "pairs", "insns", "slots", "slots_max") == ((0x0, 0xA0), 1, 11, 8, 11)
    assert loop["counts"] == {"LDS": 1, "FP32": 3, "control": 2, "int": 2}


def test_issue_bound():
    gpu = gpu_static.H100
    # 8 slots per pair: 4 x 32 / 8 = 16 pairs per clock per SM; one MUFU per pair allows 16 too.
    assert gpu_static.issue_bound(8, 1) == pytest.approx(132 * 1.755e9 * 16)
    assert gpu_static.issue_bound(4, 1) == pytest.approx(132 * 1.755e9 * 16)  # MUFU-bound
    assert gpu_static.issue_bound(64, 0) == pytest.approx(132 * 1.755e9 * 2)


def test_gaussian_end_to_end():
    missing = [t for t, p in gpu_static.tools().items() if not p]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (CUDA toolkit ptxas/nvcc; cuobjdump: pip install "
                    "nvidia-cuda-cuobjdump)")
    wl = next(w for w in gpu_static.WORKLOADS if w.name == "gauss_D3")
    rows, _tl = gpu_static.build_rows([wl], exact=False)
    assert {r["lib"] for r in rows} == {"kred", "KeOps"}
    for r in rows:
        assert "error" not in r, r.get("error")
        c = r["counts"]
        # One exp per pair (MUFU.EX2 with fast math): the pairs-per-iteration estimate is right.
        assert c.get("MUFU", 0) == pytest.approx(1.0), (r["lib"], c)
        # At least the subtractions and multiply-adds of SqDist and the product with b.
        assert c.get("FP32", 0) >= 7, (r["lib"], c)
        assert c.get("LDS", 0) > 0
        assert r["slots"] >= wl.ideal_fp32 + wl.ideal_mufu
        assert r["regs"] and r["regs"] > 0 and r["spill"] == 0
        assert 0 < r["bound"] < gpu_static.issue_bound(wl.ideal_fp32 + wl.ideal_mufu, wl.ideal_mufu) * 1.0001
    text, summary = gpu_static.render(rows, [wl])
    assert set(summary) == {"gauss_D3"}
    assert "| gauss_D3" in text
