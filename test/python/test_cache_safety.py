"""Safety of the on-disk kernel cache (lib/Compiler/DiskCache.cpp, kred.clean_pykeops).

- Cleaning deletes kred's own entries only, never the other files of a
  folder handed to set_build_folder, and nothing in a folder without kred's
  marker.
- The cache directory kred creates is private (0700, entries 0600, whatever
  the umask); an entry that another user could have written (group- or
  world-writable, owned by another user, a symbolic link) is not loaded: the
  next process recompiles (and rewrites it).
- Faults: truncated and corrupted entries, an entry stored under another
  key, an unwritable cache folder, a full disk and a write that fails
  midway, four processes compiling the same new formula at once: every
  process recovers (recompiles or skips caching) with correct results, and
  nothing damaged is ever loaded.

Each process's counters come from kred._C.cache_stats() (memory_hits,
disk_hits, compiled, disk_writes); separate processes are subprocesses.
"""

import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap
import uuid

import numpy as np
import pytest

import kred
import kred.numpy as kn
from helpers import python_env, run_children
from kred.common._cext import extension

ALIASES = ["x = Vi(3)", "y = Vj(3)"]
X = (np.arange(12, dtype=np.float32).reshape(4, 3) + 1) / 10
Y = (np.arange(15, dtype=np.float32).reshape(5, 3) + 1) / 10

CHILD = textwrap.dedent(
    """
    import json, os, sys
    if len(sys.argv) > 2 and sys.argv[2] == "umask0":
        os.umask(0)
    if len(sys.argv) > 2 and sys.argv[2].startswith("fsize="):
        import resource, signal
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
        n = int(sys.argv[2][6:])
        resource.setrlimit(resource.RLIMIT_FSIZE, (n, n))
    import numpy as np
    from kred.numpy import Genred
    from kred import _C
    x = (np.arange(12, dtype=np.float32).reshape(4, 3) + 1) / 10
    y = (np.arange(15, dtype=np.float32).reshape(5, 3) + 1) / 10
    out = Genred(sys.argv[1], ["x = Vi(3)", "y = Vj(3)"], axis=1)(x, y)
    print(json.dumps({"out": out.ravel().tolist(), "stats": _C.cache_stats()}))
    """
)


def new_formula():
    """A formula no other run has compiled (a fresh constant), and its float64 value on X, Y."""
    c = 2 + uuid.uuid4().int % 1000003
    d2 = ((X.astype(np.float64)[:, None] - Y[None]) ** 2).sum(-1)
    return f"Exp(-SqDist(x,y)) * IntInv({c})", (np.exp(-d2) / c).sum(1)


def child(formula, cache_dir, mode="", verbose=True):
    """Runs CHILD in a new process; returns (result dict, stderr)."""
    env = python_env(KRED_CACHE_DIR=str(cache_dir), KRED_VERBOSE="1" if verbose else "0")
    p = subprocess.run([sys.executable, "-c", CHILD, formula, mode], env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout.strip().splitlines()[-1]), p.stderr


def children(n, formula, cache_dir):
    """n processes started together; returns their result dicts."""
    return run_children(CHILD, [formula, ""], n, python_env(KRED_CACHE_DIR=str(cache_dir)))


def files(folder):
    """(kred entries, temporary files, everything) under folder, as paths."""
    everything = sorted(os.path.join(r, f) for r, _, fs in os.walk(folder) for f in fs)
    entries = [p for p in everything if p.endswith(".kobj")]
    temps = [p for p in everything if p.endswith(".tmp")]
    return entries, temps, everything


def assert_compiled(res, want, wrote=True):
    np.testing.assert_allclose(res["out"], want, rtol=1e-5)
    assert res["stats"]["compiled"] == 1 and res["stats"]["disk_hits"] == 0, res["stats"]
    assert res["stats"]["disk_writes"] == (1 if wrote else 0), res["stats"]


def assert_loaded(res, want):
    np.testing.assert_allclose(res["out"], want, rtol=1e-5)
    assert res["stats"]["disk_hits"] == 1 and res["stats"]["compiled"] == 0, res["stats"]


@pytest.fixture
def build_folder():
    """Restores the build folder (set_build_folder) and forgets in-process kernels after the test."""
    yield
    kred.set_build_folder()
    kred.clear_cache()
    extension().clear_memo()


def compile_here(formula):
    kred.clear_cache()
    extension().clear_memo()
    return kn.Genred(formula, ALIASES, axis=1)(X, Y)


# -- cleaning ------------------------------------------------------------------------


def test_clean_pykeops_deletes_only_kred_entries(tmp_path, build_folder):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("my notes")
    (folder / "ab").mkdir()  # a two-hex-digit folder of the user's
    (folder / "ab" / "data.kobj").write_text("not a kred entry")
    # named exactly like an entry, but not one (no kred header)
    fake = folder / "cd" / ("cd" + "0" * 30 + ".kobj")
    fake.parent.mkdir()
    fake.write_bytes(b"user data, not KREDOBJ1")
    (folder / "sub").mkdir()
    (folder / "sub" / "deep.bin").write_bytes(b"\x00" * 10)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / ("ef" + "1" * 30 + ".kobj")).write_bytes(b"KREDOBJ1 but out of the cache")
    os.symlink(elsewhere, folder / "ef")  # a link to another folder is not followed

    kred.set_build_folder(str(folder))
    formula, want = new_formula()
    np.testing.assert_allclose(compile_here(formula).ravel(), want, rtol=1e-5)
    entries, _, _ = files(folder)
    entries = [e for e in entries if "/ab/" not in e and e != str(fake)]
    assert len(entries) == 1, entries
    assert (folder / ".kred-cache").is_file()

    assert kred.clean_pykeops() == 1
    assert not os.path.exists(entries[0])
    assert not os.path.exists(os.path.dirname(entries[0]))  # its <xx> folder, left empty
    assert (folder / "notes.txt").read_text() == "my notes"
    assert (folder / "ab" / "data.kobj").read_text() == "not a kred entry"
    assert fake.read_bytes() == b"user data, not KREDOBJ1"
    assert (folder / "sub" / "deep.bin").read_bytes() == b"\x00" * 10
    assert (elsewhere / ("ef" + "1" * 30 + ".kobj")).exists()
    assert folder.is_dir()
    # the folder still holds other files, so it keeps kred's marker
    assert (folder / ".kred-cache").is_file()
    # and kred still works there: recompiles and writes again
    np.testing.assert_allclose(compile_here(formula).ravel(), want, rtol=1e-5)
    assert len([e for e in files(folder)[0] if "/ab/" not in e and e != str(fake)]) == 1


def test_clean_pykeops_leaves_a_folder_without_marker_alone(tmp_path, build_folder):
    # a folder kred never wrote to, holding something that looks like a kred entry
    folder = tmp_path / "foreign"
    src = tmp_path / "src"
    kred.set_build_folder(str(src))
    formula, _ = new_formula()
    compile_here(formula)
    (entry,) = files(src)[0]
    shutil.copytree(src, folder)
    os.remove(folder / ".kred-cache")
    kred.set_build_folder(str(folder))
    before = files(folder)[2]
    assert kred.clean_pykeops() == 0
    assert files(folder)[2] == before


def test_clean_pykeops_of_its_own_folder_leaves_it_empty(tmp_path, build_folder):
    folder = tmp_path / "kc"
    kred.set_build_folder(str(folder))
    compile_here(new_formula()[0])
    compile_here(new_formula()[0])
    assert len(files(folder)[0]) == 2
    assert kred.clean_pykeops() == 2
    assert os.listdir(folder) == []


# -- permissions -----------------------------------------------------------------------


def test_cache_directory_is_private(tmp_path):
    formula, want = new_formula()
    cache = tmp_path / "a" / "b" / "cache"
    res, _ = child(formula, cache, mode="umask0")  # even with umask 0
    assert_compiled(res, want)
    (entry,) = files(cache)[0]
    assert stat.S_IMODE(os.stat(cache).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(os.path.dirname(entry)).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(entry).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(cache / ".kred-cache").st_mode) == 0o600


def test_set_build_folder_creates_a_private_folder(tmp_path, build_folder):
    kred.set_build_folder(str(tmp_path / "new"))
    assert stat.S_IMODE(os.stat(tmp_path / "new").st_mode) == 0o700
    existing = tmp_path / "existing"
    existing.mkdir(mode=0o755)
    os.chmod(existing, 0o755)
    kred.set_build_folder(str(existing))  # the user's folder keeps its permissions
    assert stat.S_IMODE(os.stat(existing).st_mode) == 0o755


@pytest.mark.parametrize("change", ["g+w", "o+w", "owner", "symlink"])
def test_entry_another_user_could_write_is_not_loaded(tmp_path, change):
    formula, want = new_formula()
    cache = tmp_path / "cache"
    assert_compiled(child(formula, cache)[0], want)
    (entry,) = files(cache)[0]
    assert_loaded(child(formula, cache)[0], want)  # the control: a sound entry is loaded

    if change == "g+w":
        os.chmod(entry, 0o620)
        why = "writable by group or others (mode 0620)"
    elif change == "o+w":
        os.chmod(entry, 0o602)
        why = "writable by group or others (mode 0602)"
    elif change == "owner":
        if os.geteuid() != 0:
            # without root no file of another owner can be made: check the mode rule instead
            os.chmod(entry, 0o660)
            why = "writable by group or others"
        else:
            os.chown(entry, 4242, 4242)
            why = f"owned by uid 4242, not by this user (uid {os.geteuid()})"
    else:
        target = tmp_path / "copy.kobj"
        shutil.copy(entry, target)
        os.remove(entry)
        os.symlink(target, entry)
        why = "a symbolic link"
    res, err = child(formula, cache)
    assert_compiled(res, want)  # recompiled, not loaded
    assert why in err and entry in err, err
    # rewritten as the user's own private entry, which the next process loads
    st = os.lstat(entry)
    assert stat.S_ISREG(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o600 and st.st_uid == os.geteuid()
    assert_loaded(child(formula, cache)[0], want)
    # without KRED_VERBOSE nothing is printed
    if change == "g+w":
        os.chmod(entry, 0o620)
        res, err = child(formula, cache, verbose=False)
        assert_compiled(res, want)
        assert "disk cache" not in err


# -- damaged entries -------------------------------------------------------------------------


def _truncate(n):
    def damage(path, data):
        with open(path, "wb") as f:
            f.write(data[: n(len(data))])

    return damage


def _flip(where):
    def damage(path, data):
        k = where(len(data))
        with open(path, "wb") as f:
            f.write(data[:k] + bytes([data[k] ^ 0x5A]) + data[k + 1 :])

    return damage


DAMAGES = {
    "empty": _truncate(lambda n: 0),
    "magic-only": _truncate(lambda n: 8),
    "half": _truncate(lambda n: n // 2),
    "last-byte-missing": _truncate(lambda n: n - 1),
    "flipped-magic": _flip(lambda n: 0),
    "flipped-key": _flip(lambda n: 20),
    "flipped-object": _flip(lambda n: n // 2),
    "flipped-checksum": _flip(lambda n: n - 1),
    "appended-garbage": lambda path, data: open(path, "ab").write(b"garbage"),
    "garbage": lambda path, data: open(path, "wb").write(os.urandom(len(data))),
}


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_damaged_entry_is_recompiled(tmp_path, build_folder, damage):
    formula, want = new_formula()
    cache = tmp_path / "cache"
    kred.set_build_folder(str(cache))
    np.testing.assert_allclose(compile_here(formula).ravel(), want, rtol=1e-5)
    (entry,) = files(cache)[0]
    with open(entry, "rb") as f:
        data = f.read()
    DAMAGES[damage](entry, data)
    s0 = dict(extension().cache_stats())
    np.testing.assert_allclose(compile_here(formula).ravel(), want, rtol=1e-5)
    s1 = extension().cache_stats()
    assert s1["disk_hits"] == s0["disk_hits"], "a damaged entry was loaded"
    assert s1["compiled"] == s0["compiled"] + 1 and s1["disk_writes"] == s0["disk_writes"] + 1
    with open(entry, "rb") as f:
        assert f.read() == data  # rewritten intact
    np.testing.assert_allclose(compile_here(formula).ravel(), want, rtol=1e-5)
    assert extension().cache_stats()["disk_hits"] == s1["disk_hits"] + 1


def test_entry_of_another_kernel_is_not_loaded(tmp_path, build_folder):
    # an intact entry stored at the wrong path (a copied or renamed file) carries another key
    cache = tmp_path / "cache"
    kred.set_build_folder(str(cache))
    f1, want1 = new_formula()
    f2, want2 = new_formula()
    compile_here(f1)
    (e1,) = files(cache)[0]
    compile_here(f2)
    (e2,) = [e for e in files(cache)[0] if e != e1]
    shutil.copy(e1, e2)  # f2's path now holds f1's code
    s0 = dict(extension().cache_stats())
    np.testing.assert_allclose(compile_here(f2).ravel(), want2, rtol=1e-5)
    s1 = extension().cache_stats()
    assert s1["disk_hits"] == s0["disk_hits"] and s1["compiled"] == s0["compiled"] + 1


def test_damaged_entry_and_four_processes_at_once(tmp_path):
    formula, want = new_formula()
    cache = tmp_path / "cache"
    assert_compiled(child(formula, cache)[0], want)
    (entry,) = files(cache)[0]
    with open(entry, "r+b") as f:
        f.truncate(os.path.getsize(entry) // 3)
    results = children(4, formula, cache)
    for r in results:
        np.testing.assert_allclose(r["out"], want, rtol=1e-5)
        assert r["stats"]["compiled"] + r["stats"]["disk_hits"] == 1
    assert any(r["stats"]["compiled"] == 1 for r in results)
    entries, temps, _ = files(cache)
    assert entries == [entry] and not temps
    assert_loaded(child(formula, cache)[0], want)


def test_four_processes_compile_a_new_formula_at_once(tmp_path):
    formula, want = new_formula()
    cache = tmp_path / "cache"
    results = children(4, formula, cache)
    for r in results:
        np.testing.assert_allclose(r["out"], want, rtol=1e-5)
    assert any(r["stats"]["compiled"] == 1 for r in results)
    entries, temps, _ = files(cache)
    assert len(entries) == 1 and not temps
    assert_loaded(child(formula, cache)[0], want)


# -- unwritable folders and full disks -----------------------------------------------------------


def test_cache_below_a_regular_file(tmp_path):
    # fails even for root: a path component is a regular file
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    formula, want = new_formula()
    for cache in (blocker / "cache", blocker):
        res, err = child(formula, cache)
        assert_compiled(res, want, wrote=False)
    assert blocker.read_text() == "not a directory"


def _mount(*args):
    return subprocess.run(["mount", *args], capture_output=True, text=True).returncode == 0


def _umount(path):
    subprocess.run(["umount", str(path)], capture_output=True)


def test_read_only_cache_folder(tmp_path):
    formula, want = new_formula()
    cache = tmp_path / "ro"
    cache.mkdir()
    # a read-only bind mount refuses writes even to root; without mount privileges, chmod 0500
    # refuses them to other users
    mounted = _mount("--bind", str(cache), str(cache)) and _mount("-o", "remount,ro,bind", str(cache))
    if not mounted:
        _umount(cache)
        if os.geteuid() == 0:
            pytest.fail("running as root without mount privileges: no way to make a folder read-only")
        os.chmod(cache, 0o500)
    try:
        res, err = child(formula, cache)
        assert_compiled(res, want, wrote=False)
        assert "disk cache: cannot" in err, err
        assert files(cache)[2] == []
    finally:
        if mounted:
            _umount(cache)
        os.chmod(cache, 0o700)


def test_full_disk(tmp_path):
    formula, want = new_formula()
    disk = tmp_path / "disk"
    disk.mkdir()
    if not _mount("-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)):
        # no mount privileges: a file size limit makes the entry's write fail midway the same way
        res, err = child(formula, disk / "cache", mode="fsize=4096")
        assert_compiled(res, want, wrote=False)
        assert files(disk)[0] == [] and files(disk)[1] == []
        return
    try:
        filler = disk / "filler"
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            while True:
                os.write(fd, b"\0" * 512)
        except OSError:
            pass  # ENOSPC: the file system is full
        finally:
            os.close(fd)
        res, err = child(formula, disk / "cache")
        assert_compiled(res, want, wrote=False)
        assert "No space left on device" in err or "cannot" in err, err
        entries, temps, _ = files(disk / "cache")
        assert not entries and not temps  # nothing partial is left behind
        # space again: the next process writes the entry, the one after loads it
        os.remove(filler)
        assert_compiled(child(formula, disk / "cache")[0], want)
        assert_loaded(child(formula, disk / "cache")[0], want)
    finally:
        _umount(disk)


def test_write_failing_midway_leaves_nothing(tmp_path):
    # RLIMIT_FSIZE: the marker fits, the entry's write fails with EFBIG partway through
    formula, want = new_formula()
    cache = tmp_path / "cache"
    res, err = child(formula, cache, mode="fsize=4096")
    assert_compiled(res, want, wrote=False)
    entries, temps, everything = files(cache)
    assert not entries and not temps, everything
    assert "File too large" in err, err
    assert_compiled(child(formula, cache)[0], want)
    assert_loaded(child(formula, cache)[0], want)
