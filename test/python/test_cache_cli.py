"""kred.cache and `python -m kred cache info|list|clean`: records, last use, LRU eviction, cleaning."""

import os
import struct
import subprocess
import sys
import time

import numpy as np
import pytest

import kred
from kred import cache

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _entry(folder, key, size, age_days=0.0):
    """Writes a kred-format cache entry (KREDOBJ1, key, object of `size` bytes) last modified `age_days` ago."""
    sub = os.path.join(folder, key[:2])
    os.makedirs(sub, exist_ok=True)
    path = os.path.join(sub, key + ".kobj")
    obj = b"\x7fELF" + b"\0" * (size - 4)
    with open(path, "wb") as f:
        f.write(b"KREDOBJ1" + struct.pack("<Q", len(key)) + key.encode() + struct.pack("<Q", len(obj)) + obj + b"\0" * 8)
    t = time.time() - age_days * 86400
    os.utime(path, (t, t))
    open(os.path.join(folder, ".kred-cache"), "a").close()
    return path


@pytest.fixture
def folder(tmp_path, monkeypatch):
    d = tmp_path / "kcache"
    d.mkdir()
    monkeypatch.setenv("KRED_CACHE_DIR", str(d))
    monkeypatch.delenv("KRED_CACHE_MAX_BYTES", raising=False)
    return str(d)


def _cli(*args, env=None):
    e = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.join(ROOT, "python")] + sys.path))
    e.update(env or {})
    r = subprocess.run([sys.executable, "-m", "kred", *args], capture_output=True, text=True, env=e, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_max_bytes_parsing(monkeypatch):
    monkeypatch.delenv("KRED_CACHE_MAX_BYTES", raising=False)
    assert cache.max_bytes() == 2 << 30
    for text, want in [("1000", 1000), ("4K", 4096), ("1.5M", 3 << 19), ("2GiB", 2 << 30), ("0", None), ("off", None)]:
        monkeypatch.setenv("KRED_CACHE_MAX_BYTES", text)
        assert cache.max_bytes() == want, text
    monkeypatch.setenv("KRED_CACHE_MAX_BYTES", "lots")
    with pytest.raises(ValueError, match="KRED_CACHE_MAX_BYTES"):
        cache.max_bytes()


def test_directory_matches_the_compiler(folder, monkeypatch):
    from kred.common._cext import extension

    assert cache.directory() == folder == extension().cache_dir()
    monkeypatch.setenv("KRED_CACHE_DIR", "off")
    assert cache.directory() == "" == extension().cache_dir()
    assert cache.entries() == [] and cache.info()["enabled"] is False


def test_clean_older_than_and_lru_eviction(folder):
    a = _entry(folder, "aa" + "0" * 30, 1000, age_days=10)
    b = _entry(folder, "bb" + "1" * 30, 1000, age_days=3)
    c = _entry(folder, "cc" + "2" * 30, 1000, age_days=0)
    stranger = os.path.join(folder, "aa", "notes.txt")  # not kred's: never deleted
    open(stranger, "w").write("mine")
    es = cache.entries()
    assert [e["path"] for e in es] == [c, b, a]  # most recently used first
    s = cache.info()
    assert s["entries"] == 3 and s["recorded"] == 0 and s["bytes"] == sum(os.path.getsize(p) for p in (a, b, c))
    # clean --older-than 5: only a
    assert cache.clean(older_than_days=5) == 1
    assert not os.path.exists(a) and os.path.exists(b) and os.path.exists(stranger)
    # evict to fit one entry: the least recently used (b) goes
    assert cache.evict(limit=os.path.getsize(c)) == 1
    assert not os.path.exists(b) and os.path.exists(c)
    assert cache.evict(limit=os.path.getsize(c)) == 0
    assert cache.clean() == 1 and not os.path.exists(c) and os.path.exists(stranger)


def test_clean_needs_the_marker(tmp_path, monkeypatch):
    d = str(tmp_path / "other")
    p = _entry(d, "ab" + "3" * 30, 100)
    os.remove(os.path.join(d, ".kred-cache"))
    monkeypatch.setenv("KRED_CACHE_DIR", d)
    assert cache.clean() == 0 and os.path.exists(p)


def test_records_last_use_and_cli(folder):
    """A compiled kernel gets a record (formula, dtype, target); a later load from the disk updates its last use."""
    from kred.common import cache as memo
    from kred.common._cext import extension
    from kred.numpy import Genred

    formula = "Exp(-SqDist(x,y)*RatCst(37,100))*b"
    kred.clean_pykeops()
    x, y, b = np.random.rand(5, 3), np.random.rand(7, 3), np.random.rand(7, 2)
    g = Genred(formula, ["x=Vi(3)", "y=Vj(3)", "b=Vj(2)"], axis=1)
    ref = g(x, y, b)
    es = [e for e in cache.entries() if e.get("formula") == formula]
    assert len(es) == 1, cache.entries()
    e = es[0]
    assert e["reduction"] == "Sum" and e["dtype"] == "float64" and e["axis"] == 1
    assert e["aliases"] == ["x=Vi(3)", "y=Vj(3)", "b=Vj(2)"] and e["target"].startswith("cpu ")
    assert e["compiler"] == extension().compiler_version() and e["size"] > os.path.getsize(e["path"]) > 100
    first_use = e["last_use"]

    # a new "process": memos forgotten, the kernel comes from the disk and its record is touched
    time.sleep(0.05)
    memo.clear()
    extension().clear_memo()
    np.testing.assert_allclose(Genred(formula, ["x=Vi(3)", "y=Vj(3)", "b=Vj(2)"], axis=1)(x, y, b), ref)
    (e2,) = [e for e in cache.entries() if e.get("formula") == formula]
    assert e2["path"] == e["path"] and e2["last_use"] > first_use

    out = _cli("cache", "list")
    assert formula in out and "float64" in out and "Sum" in out
    out = _cli("cache", "info")
    assert folder in out and "1 with a record" in out
    # not used for a day: kept by --older-than 1, deleted by clean
    assert "deleted 0 entries" in _cli("cache", "clean", "--older-than", "1")
    assert os.path.exists(e["path"])
    assert "deleted 1 entries" in _cli("cache", "clean")
    assert not os.path.exists(e["path"]) and not os.path.exists(e["record"])
    assert "no entries" in _cli("cache", "list")


def test_size_cap_evicts_after_a_compile(folder, monkeypatch):
    """With KRED_CACHE_MAX_BYTES below the cache's size, compiling evicts least recently used entries."""
    from kred.common import cache as memo
    from kred.common._cext import extension
    from kred.numpy import Genred

    old = _entry(folder, "dd" + "4" * 30, 50_000, age_days=30)
    monkeypatch.setenv("KRED_CACHE_MAX_BYTES", "40K")
    memo.clear()
    extension().clear_memo()
    x, y = np.random.rand(4, 2), np.random.rand(6, 2)
    Genred("SqDist(x,y)*RatCst(91,100)", ["x=Vi(2)", "y=Vj(2)"], axis=1)(x, y)
    assert not os.path.exists(old)  # the old, least recently used entry made room
    (e,) = cache.entries()
    assert e["formula"] == "SqDist(x,y)*RatCst(91,100)"
