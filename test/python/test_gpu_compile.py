"""kred._C.compile_gpu: PTX/cubin images and the kred_gpu_kernel struct the
runtime reads (docs/gpu.md), checked through ctypes; the targets (sm_70 to
sm_90) and the on-disk cache of PTX and cubins (separate processes are
subprocesses). Needs no GPU."""

import ctypes
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap

import pytest

from gpu_abi import GpuKernel
from kred import _C


def has_ptxas():
    home = os.environ.get("CUDA_HOME", "/usr/local/cuda")
    return os.path.exists(os.path.join(home, "bin", "ptxas")) or shutil.which("ptxas")


def test_struct_matches_images():
    k = _C.compile_gpu("SqDist(x,y)",
                       ["x = Vi(3)", "y = Vj(3)"], "KMin_ArgKMin", axis=0,
                       dtype="float16", opt_arg=3, name="knn", sm=[80, 90],
                       cubin=False, block_threads=64, rows_per_thread=2)
    s = GpuKernel.from_address(k.address)
    assert k.kernel_address() == k.address
    assert s.info.name == b"knn"
    assert s.info.axis == 0
    assert s.info.num_args == 2
    assert s.info.out_value_dim == 3 and s.info.out_index_dim == 3
    assert s.info.state_values == 3 and s.info.state_indices == 3
    assert s.run_entry == b"knn_gpu" and s.merge_entry == b"knn_gpu_merge"
    assert (s.block_threads, s.rows_per_thread, s.shared_bytes) == (64, 2, 0)
    assert s.info.row_block == 128
    assert s.num_images == 2
    assert k.cubin == {}
    for i, sm in enumerate([80, 90]):
        img = s.images[i]
        assert (img.sm, img.kind) == (sm, 0)
        text = ctypes.string_at(img.data, img.size)
        assert text.endswith(b"\0") and text[:-1].decode() == k.ptx[sm]
        assert b".target sm_%d" % sm in text
        assert b".entry knn_gpu(" in text and b".entry knn_gpu_merge(" in text
    info = k.info
    assert info["sms"] == [80, 90] and info["run_entry"] == "knn_gpu"
    assert info["dtype"] == "float16" and info["acc_dtype"] == "float32"


@pytest.mark.skipif(not has_ptxas(), reason="no ptxas")
def test_cubins_come_first():
    k = _C.compile_gpu("Exp(-SqDist(x,y))*b", ["x = Vi(3)", "y = Vj(3)", "b = Vj(1)"],
                       "Sum", sm=[90], cubin=True)
    s = GpuKernel.from_address(k.address)
    kinds = [(s.images[i].sm, s.images[i].kind) for i in range(s.num_images)]
    assert kinds == [(90, 1), (90, 0)]
    cubin = ctypes.string_at(s.images[0].data, s.images[0].size)
    assert cubin == k.cubin[90] and cubin[:4] == b"\x7fELF"


def test_errors():
    for sm in (61, 72, 100):
        with pytest.raises(RuntimeError, match=r"unsupported GPU architecture sm_%d \(supported: "
                           r"sm_70, sm_75, sm_80, sm_90\)" % sm):
            _C.compile_gpu("SqDist(x,y)", ["x = Vi(3)", "y = Vj(3)"], sm=[sm], cache_dir="off")
    with pytest.raises(_C.FormulaError):
        _C.compile_gpu("SqDist(x,", ["x = Vi(3)", "y = Vj(3)"])


def test_default_targets_include_older_gpus():
    """By default a kernel carries PTX for V100 (sm_70), T4 (sm_75), A100 and H100; bf16 conversions are
    expanded before sm_80 (no cvt.*bf16, which needs sm_80)."""
    k = _C.compile_gpu("SqDist(x,y)", ["x = Vi(3)", "y = Vj(3)"], "KMin", axis=1, dtype="bfloat16",
                       opt_arg=2, cubin=False, cache_dir="off")
    assert k.info["sms"] == [70, 75, 80, 90]
    assert sorted(k.ptx) == [70, 75, 80, 90]
    for sm, version in ((70, "6.0"), (75, "6.3")):
        assert ".target sm_%d" % sm in k.ptx[sm] and ".version " + version in k.ptx[sm]
        assert "bf16" not in k.ptx[sm]
    assert "cvt.rn.bf16.f32" in k.ptx[80]


def test_cache_get_gpu_kernel_targets():
    """What CUDABackend.signature calls with the device's compute capability
    (an int): compile_gpu takes a list, and the device's sm maps to the
    newest target not above it (the runtime JIT-compiles that PTX)."""
    from kred.common import cache
    from kred.common.backends import GPUUnavailableError

    args = ("SqDist(x,y)", ["x = Vi(3)", "y = Vj(3)"], "Sum", 1, "float32")
    assert cache.GPU_TARGETS == (70, 75, 80, 90)
    for device_sm, target in ((90, 90), (86, 80), (89, 80), (80, 80), (100, 90), (120, 90), (75, 75),
                              (70, 70), (72, 70)):
        k = cache.get_gpu_kernel(*args, sm=device_sm)
        assert k.info["sms"] == [target]
        assert k.info["run_entry"] == "kernel_gpu"
    assert cache.get_gpu_kernel(*args, sm=86) is cache.get_gpu_kernel(*args, sm=80)
    assert cache.get_gpu_kernel(*args, sm=72) is cache.get_gpu_kernel(*args, sm=70)
    with pytest.raises(GPUUnavailableError, match="compute capability 7.0 or newer"):
        cache.get_gpu_kernel(*args, sm=61)


# --- the on-disk cache of PTX and cubins ------------------------------------

_CHILD = textwrap.dedent("""
    import hashlib, json, sys
    from kred import _C
    kwargs = json.loads(sys.argv[1])
    out = {}
    try:
        k = _C.compile_gpu("Exp(-SqDist(x,y))*b", ["x = Vi(3)", "y = Vj(3)", "b = Vj(1)"], "Sum", **kwargs)
        out["ptx"] = {str(sm): text for sm, text in k.ptx.items()}
        out["cubin"] = {str(sm): hashlib.sha256(data).hexdigest() for sm, data in k.cubin.items()}
        out["sms"] = k.info["sms"]
    except RuntimeError as e:
        out["error"] = str(e)
    out["stats"] = _C.cache_stats()
    print(json.dumps(out))
""")


def _compile_in_new_process(cache_dir, env=None, **kwargs):
    """compile_gpu(**kwargs) of one kernel in a new process: its PTX, cubin digests and cache_stats."""
    env = dict(os.environ, **(env or {}), KRED_CACHE_DIR=str(cache_dir), KRED_VERBOSE="0")
    p = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(kwargs)], env=env, capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout.strip().splitlines()[-1])


def _entries(cache_dir):
    return sorted(p for p in cache_dir.rglob("*.kobj"))


def _gpu_stats(result):
    s = result["stats"]
    return s["gpu_disk_hits"], s["gpu_compiled"], s["gpu_disk_writes"]


def test_disk_cache_second_process_hits(tmp_path):
    """A second process loads the PTX (and cubins) from the disk cache: identical bytes, no compilation; the
    entry is private (0600 in a 0700 directory) beside the .kred-cache marker."""
    cubin = bool(has_ptxas())
    first = _compile_in_new_process(tmp_path, sm=[75, 80], cubin=cubin)
    assert _gpu_stats(first) == (0, 1, 1)
    assert first["sms"] == [75, 80] and sorted(first["ptx"]) == ["75", "80"]
    assert sorted(first["cubin"]) == (["75", "80"] if cubin else [])
    [entry] = _entries(tmp_path)
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert stat.S_IMODE(entry.parent.stat().st_mode) == 0o700
    assert (tmp_path / ".kred-cache").is_file()
    second = _compile_in_new_process(tmp_path, sm=[75, 80], cubin=cubin)
    assert _gpu_stats(second) == (1, 0, 0)
    assert second["ptx"] == first["ptx"] and second["cubin"] == first["cubin"]
    assert second["sms"] == first["sms"]
    # The CPU counters are not touched.
    assert second["stats"]["disk_hits"] == second["stats"]["compiled"] == 0
    # The disabled cache: always compiled, nothing written.
    off = _compile_in_new_process("off", sm=[75, 80], cubin=cubin)
    assert _gpu_stats(off) == (0, 1, 0) and off["ptx"] == first["ptx"]
    assert _entries(tmp_path) == [entry]


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty"])
def test_disk_cache_damaged_entry_recompiles(tmp_path, damage):
    first = _compile_in_new_process(tmp_path, sm=[80], cubin=False)
    [entry] = _entries(tmp_path)
    data = entry.read_bytes()
    if damage == "flip":
        i = len(data) // 2
        data = data[:i] + bytes([data[i] ^ 0x20]) + data[i + 1:]
    elif damage == "truncate":
        data = data[: len(data) - 100]
    else:
        data = b""
    entry.write_bytes(data)
    again = _compile_in_new_process(tmp_path, sm=[80], cubin=False)
    assert _gpu_stats(again) == (0, 1, 1)  # a miss, compiled and rewritten
    assert again["ptx"] == first["ptx"]
    third = _compile_in_new_process(tmp_path, sm=[80], cubin=False)
    assert _gpu_stats(third) == (1, 0, 0) and third["ptx"] == first["ptx"]


def test_disk_cache_different_options_miss(tmp_path):
    """Every option the images depend on is in the key: each variant misses once, then hits."""
    base = dict(sm=[80], cubin=False)
    variants = [base, dict(base, sm=[75]), dict(base, sm=[75, 80]), dict(base, fast_math=False),
                dict(base, block_threads=64), dict(base, rows_per_thread=2)]
    if has_ptxas():
        variants.append(dict(base, cubin=True))
    ptx = set()
    for i, kwargs in enumerate(variants):
        r = _compile_in_new_process(tmp_path, **kwargs)
        assert _gpu_stats(r) == (0, 1, 1), kwargs
        assert len(_entries(tmp_path)) == i + 1
        ptx.add(json.dumps(r["ptx"], sort_keys=True))
    # cubin=True leaves the PTX as it is: the other variants all differ.
    assert len(ptx) == len(variants) - (1 if has_ptxas() else 0)
    for kwargs in variants:
        assert _gpu_stats(_compile_in_new_process(tmp_path, **kwargs)) == (1, 0, 0), kwargs


def test_emulated_kernels_are_not_cached(tmp_path):
    r = _compile_in_new_process(tmp_path, emulate=True)
    assert "error" not in r, r.get("error")
    assert _gpu_stats(r) == (0, 0, 0)
    assert _entries(tmp_path) == []


def _fake_ptxas(directory, release, targets):
    """A ptxas (CUDA_HOME=directory) that reports `release`, lists `targets` in --help and writes a tiny ELF
    file as the cubin (-o OUT)."""
    bin_dir = directory / "bin"
    bin_dir.mkdir(parents=True)
    script = bin_dir / "ptxas"
    allowed = ",".join("'sm_%d'" % sm for sm in targets)
    script.write_text(textwrap.dedent("""\
        #!/bin/sh
        case "$1" in
          --version) echo "ptxas: fake"; echo "Cuda compilation tools, release %s, V%s.0"; exit 0;;
          --help) echo "Allowed values for this option: %s."; exit 0;;
        esac
        out=""; arch=""
        while [ $# -gt 0 ]; do
          case "$1" in -o) out="$2"; shift;; -arch=*) arch="${1#-arch=}";; esac
          shift
        done
        printf '\\177ELF fake %%s' "$arch" > "$out"
        """ % (release, release, allowed)))
    script.chmod(0o755)
    return str(directory)


def test_cubins_for_the_sms_ptxas_can_target(tmp_path):
    """CUDA 13's ptxas cannot target sm_70: by default (cubin=None) such an sm gets its PTX only; asking for
    its cubin is an error that says so. The ptxas release is in the cache key."""
    cuda13 = _fake_ptxas(tmp_path / "cuda13", "13.0", [75, 80, 86, 90])
    cuda12 = _fake_ptxas(tmp_path / "cuda12", "12.9", [70, 75, 80, 86, 90])
    cache = tmp_path / "cache"
    r = _compile_in_new_process(cache, env={"CUDA_HOME": cuda13}, sm=[70, 75])
    assert "error" not in r, r.get("error")
    assert sorted(r["ptx"]) == ["70", "75"] and sorted(r["cubin"]) == ["75"]
    assert _gpu_stats(r) == (0, 1, 1)
    assert _gpu_stats(_compile_in_new_process(cache, env={"CUDA_HOME": cuda13}, sm=[70, 75])) == (1, 0, 0)
    # Another ptxas release: a miss.
    r12 = _compile_in_new_process(cache, env={"CUDA_HOME": cuda12}, sm=[70, 75])
    assert _gpu_stats(r12) == (0, 1, 1)
    assert sorted(r12["cubin"]) == ["70", "75"] and r12["ptx"] == r["ptx"]
    assert r12["cubin"]["75"] == r["cubin"]["75"]
    expected = hashlib.sha256(b"\x7fELF fake sm_70").hexdigest()
    assert r12["cubin"]["70"] == expected
    bad = _compile_in_new_process(cache, env={"CUDA_HOME": cuda13}, sm=[70, 75], cubin=True)
    assert "ptxas cannot target sm_70" in bad["error"] and "release 13.0" in bad["error"]

