"""The on-disk compile cache of kred._C under concurrency: several processes
compiling the same new kernel at once into one cache directory all succeed,
agree, and leave exactly one intact entry; later processes load it; a
damaged entry is recompiled."""

import os
import textwrap
import uuid

import pytest

from helpers import run_children


CHILD = textwrap.dedent(
    """
    import json, sys, time
    import numpy as np
    from kred import _C
    formula, cache_dir = sys.argv[1], sys.argv[2]
    start = time.perf_counter()
    k = _C.compile(formula, ["x = Vi(3)", "y = Vj(3)"], "Sum", 1, "float32", None, "", "auto", "auto",
                   cache_dir=cache_dir)
    ms = (time.perf_counter() - start) * 1e3
    x = (np.arange(12, dtype=np.float32).reshape(4, 3) + 1) / 10
    y = (np.arange(15, dtype=np.float32).reshape(5, 3) + 1) / 10
    out = np.full((4, 1), np.nan, dtype=np.float32)
    k.launch([x.ctypes.data, y.ctypes.data], 4, 5, out.ctypes.data, None)
    print(json.dumps({"source": k.info["source"], "out": out[:, 0].tolist(), "ms": ms}))
    """
)


def _spawn(formula, cache_dir, count):
    return run_children(CHILD, [formula, cache_dir], count)


def _entries(cache_dir):
    found, temps = [], []
    for root, _, files in os.walk(cache_dir):
        for f in files:
            if f == ".kred-cache":  # the marker of a kred cache folder (see kred.clean_pykeops)
                continue
            (temps if f.endswith(".tmp") else found).append(os.path.join(root, f))
    return found, temps


def test_concurrent_processes_share_one_entry(tmp_path):
    cache_dir = str(tmp_path / "cache")
    # A formula no other run has compiled (a fresh constant).
    formula = "Exp(-SqDist(x, y) * IntInv(%d))" % (2 + uuid.uuid4().int % 1000003)
    results = _spawn(formula, cache_dir, 4)
    outs = [r["out"] for r in results]
    assert all(o == outs[0] for o in outs)
    assert any(r["source"] == "compiled" for r in results)
    entries, temps = _entries(cache_dir)
    assert len(entries) == 1 and not temps, (entries, temps)

    # A later process loads the entry instead of compiling.
    (again,) = _spawn(formula, cache_dir, 1)
    assert again["source"] == "disk" and again["out"] == outs[0]

    # A damaged entry is a miss: recompiled, rewritten, same results.
    with open(entries[0], "r+b") as f:
        f.seek(os.path.getsize(entries[0]) // 2)
        byte = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([byte[0] ^ 0xFF]))
    (fixed,) = _spawn(formula, cache_dir, 1)
    assert fixed["source"] == "compiled" and fixed["out"] == outs[0]
    (last,) = _spawn(formula, cache_dir, 1)
    assert last["source"] == "disk"


def test_cache_dir_environment_and_off(tmp_path, monkeypatch):
    from kred import _C

    monkeypatch.setenv("KRED_CACHE_DIR", str(tmp_path / "env-cache"))
    assert _C.cache_dir() == str(tmp_path / "env-cache")
    assert _C.cache_dir(str(tmp_path / "explicit")) == str(tmp_path / "explicit")
    assert _C.cache_dir("off") == ""
    monkeypatch.setenv("KRED_CACHE_DIR", "off")
    assert _C.cache_dir() == ""
    formula = "SqDist(x, y) * IntInv(%d)" % (2 + uuid.uuid4().int % 1000003)
    k = _C.compile(formula, ["x = Vi(3)", "y = Vj(3)"], "Sum", 1, "float32", None, "", "auto", "auto")
    assert k.info["source"] == "compiled"
    assert not (tmp_path / "env-cache").exists()


def test_unwritable_cache_dir_still_compiles(tmp_path):
    from kred import _C

    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    formula = "SqDist(x, y) + IntInv(%d)" % (2 + uuid.uuid4().int % 1000003)
    k = _C.compile(formula, ["x = Vi(3)", "y = Vj(3)"], "Sum", 1, "float32", None, "", "auto", "auto",
                   cache_dir=str(blocker / "sub"))
    assert k.info["source"] == "compiled"
