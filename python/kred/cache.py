"""kred.cache: what the on-disk kernel cache holds, its size cap, and cleaning (``python -m kred cache``).

The compiler (``lib/Compiler/DiskCache.cpp``) stores one object per kernel at
``<dir>/<2 hex>/<32 hex>.kobj`` under ``$KRED_CACHE_DIR`` (default
``$XDG_CACHE_HOME/kred`` or ``~/.cache/kred``). The key is a hash, so the
entry itself does not say which formula it holds: kred's Python side writes a
small JSON record per kernel in ``<dir>/.kred-meta/<id>.json`` (formula,
aliases, reduction, dtype, target, compiler version, compile time, creation
and last use, and the entry's path). ``<id>`` hashes the reduction, the dtype,
the target and the compiler version, so a later process that loads the same
kernel from the disk finds the record and updates its last use.

Records are written after each compilation (:func:`record`, called by
``kred.common.cache``): the new entry is the ``.kobj`` file written since the
compilation started. Entries written by other tools (``kred-compile`` does
not use this cache, but an older kred did) or by concurrent compilations of
several processes in the same second may have no record: they are listed
with their size and date only.

Size cap: ``$KRED_CACHE_MAX_BYTES`` (bytes, or with a K, M or G suffix;
default 2G; ``0`` or ``off``: no cap). After each compilation that wrote an
entry, the least recently used entries (last use from the records, else the
file's modification time) are deleted until the cache fits.
"""

import hashlib
import json
import os
import re
import stat
import time

__all__ = ["DEFAULT_MAX_BYTES", "clean", "directory", "entries", "evict", "info", "max_bytes", "record"]

DEFAULT_MAX_BYTES = 2 << 30
META_DIR = ".kred-meta"
MARKER = ".kred-cache"
_ENTRY_RE = re.compile(r"^([0-9a-f]{32})\.kobj$")
_SUBDIR_RE = re.compile(r"^[0-9a-f]{2}$")
_ENTRY_MAGIC = b"KREDOBJ1"


def directory():
    """The cache folder in use ('' when disabled), by the compiler's rule (DiskCache::getDefaultDirectory)."""
    env = os.environ.get("KRED_CACHE_DIR")
    if env is not None:
        if env in ("off", "0", "none"):
            return ""
        if env:
            return env
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        home = os.environ.get("HOME")
        if not home:
            return ""
        base = os.path.join(home, ".cache")
    return os.path.join(base, "kred")


def max_bytes():
    """The size cap in bytes ($KRED_CACHE_MAX_BYTES, default 2 GiB); None when there is no cap."""
    text = os.environ.get("KRED_CACHE_MAX_BYTES", "").strip()
    if not text:
        return DEFAULT_MAX_BYTES
    if text.lower() in ("0", "off", "none"):
        return None
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)(?:i?[bB])?", text)
    if not m:
        raise ValueError(f"KRED_CACHE_MAX_BYTES={text!r}: expected a number of bytes, optionally with K, M, G or T")
    scale = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}[m.group(2).lower()]
    return int(float(m.group(1)) * scale)


# ---------------------------------------------------------------------------
# Records


def _meta_dir(folder):
    return os.path.join(folder, META_DIR)


def _record_id(fields):
    return hashlib.sha256("\x1f".join(str(f) for f in fields).encode()).hexdigest()[:32]


def _read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        return data if isinstance(data, dict) else None
    except (OSError, ValueError):
        return None


def _write_json(path, data):
    """Atomic write (temporary file + rename), private to the user; failures are ignored."""
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, sort_keys=True)
        os.replace(tmp, path)
        return True
    except OSError:
        try:
            os.remove(tmp)
        except OSError:
            pass
        return False


def _scan(folder, since=None):
    """{relative entry path: os.stat_result} of the cache entries in `folder` (with `since`: only in the
    <xx> folders modified since that time, where an entry written since then lies)."""
    out = {}
    try:
        subs = os.listdir(folder)
    except OSError:
        return out
    for sub in subs:
        if not _SUBDIR_RE.match(sub):
            continue
        subdir = os.path.join(folder, sub)
        try:
            sst = os.lstat(subdir)
            if not stat.S_ISDIR(sst.st_mode) or (since is not None and sst.st_mtime < since):
                continue
            names = os.listdir(subdir)
        except OSError:
            continue
        for name in names:
            m = _ENTRY_RE.match(name)
            if not m or not m.group(1).startswith(sub):
                continue
            try:
                st = os.lstat(os.path.join(subdir, name))
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode):
                out[f"{sub}/{name}"] = st
    return out


def _records(folder):
    """{relative entry path: (record path, record)} of the records in `folder`."""
    out = {}
    meta = _meta_dir(folder)
    try:
        names = os.listdir(meta)
    except OSError:
        return out
    for name in names:
        if not name.endswith(".json"):
            continue
        path = os.path.join(meta, name)
        rec = _read_json(path)
        if rec and isinstance(rec.get("entry"), str):
            prev = out.get(rec["entry"])
            if prev is None or rec.get("last_use", 0) > prev[1].get("last_use", 0):
                out[rec["entry"]] = (path, rec)
    return out


def record(kernel, spec, dtype, target, compiler_version, started, folder=None):
    """Notes what `kernel` (a _C.Kernel or GPU kernel just returned by the compiler) is and when it was used.

    spec: dict of the reduction (formula, aliases, reduction, axis, opt_arg, formula2, dtype_acc,
    sum_scheme); target: e.g. "cpu native" or "cuda sm_90"; started: time.time() before the compile call.
    Returns the record (a dict) or None when the cache is disabled or the entry was not found.
    Never raises for file-system problems: the cache is an optimization.
    """
    folder = directory() if folder is None else folder
    if not folder:
        return None
    try:
        info = dict(kernel.info)
    except Exception:
        info = {}
    rid = _record_id([compiler_version, target, dtype] + [spec.get(k) for k in sorted(spec)])
    path = os.path.join(_meta_dir(folder), rid + ".json")
    now = time.time()
    rec = _read_json(path)
    entry_ok = rec is not None and os.path.isfile(os.path.join(folder, rec.get("entry", "")))
    if info.get("source") == "compiled":
        # the entry written by this compilation: a .kobj modified since it started, not claimed by a record
        since = started - 1.0  # file systems with coarse time stamps
        new = [(st.st_mtime, rel) for rel, st in _scan(folder, since).items() if st.st_mtime >= since]
        if len(new) > 1:
            claimed = _records(folder)
            new = [(t, rel) for t, rel in new if rel not in claimed]
        if new:
            rec = {"entry": max(new)[1], "created": now, "compile_ms": info.get("compile_ms")}
        elif not entry_ok:
            return None
    elif not entry_ok:
        return None  # loaded from an entry kred has no record of
    rec.update(spec)
    rec.update(dtype=dtype, target=target, compiler=compiler_version, last_use=now)
    rec.setdefault("created", now)
    _write_json(path, rec)
    if info.get("source") == "compiled":
        evict(folder=folder)
    return rec


# ---------------------------------------------------------------------------
# Listing, cleaning, eviction


def entries(folder=None):
    """The cache entries, most recently used first: dicts with path, size, last_use, created, and (when
    kred recorded the entry) formula, aliases, reduction, axis, dtype, target, compiler, compile_ms."""
    folder = directory() if folder is None else folder
    if not folder:
        return []
    recs = _records(folder)
    out = []
    for rel, st in _scan(folder).items():
        e = {"path": os.path.join(folder, rel), "size": st.st_size, "created": st.st_mtime, "last_use": st.st_mtime}
        hit = recs.get(rel)
        if hit is not None:
            meta_path, rec = hit
            e.update({k: v for k, v in rec.items() if k != "entry"})
            e["size"] += _size(meta_path)
            e["record"] = meta_path
        out.append(e)
    out.sort(key=lambda e: e["last_use"], reverse=True)
    return out


def _size(path):
    try:
        return os.lstat(path).st_size
    except OSError:
        return 0


def info(folder=None):
    """A summary: directory, number of entries (and of those kred recorded), total bytes, the cap."""
    folder = directory() if folder is None else folder
    es = entries(folder)
    return {
        "directory": folder,
        "enabled": bool(folder),
        "entries": len(es),
        "recorded": sum(1 for e in es if "formula" in e),
        "bytes": sum(e["size"] for e in es),
        "max_bytes": max_bytes(),
        "oldest_use": min((e["last_use"] for e in es), default=None),
        "newest_use": max((e["last_use"] for e in es), default=None),
    }


def _delete(e):
    """Deletes an entry (only a kred cache object: it starts with kred's magic) and its record."""
    try:
        with open(e["path"], "rb") as f:
            if f.read(len(_ENTRY_MAGIC)) != _ENTRY_MAGIC:
                return False
        os.remove(e["path"])
    except OSError:
        return False
    if e.get("record"):
        try:
            os.remove(e["record"])
        except OSError:
            pass
    try:
        os.rmdir(os.path.dirname(e["path"]))  # only when empty
    except OSError:
        pass
    return True


def clean(older_than_days=None, folder=None):
    """Deletes the entries not used for `older_than_days` days (None: all of them); returns how many.

    Only kred's own files go: entries that start with kred's magic bytes and their records, in a folder
    that carries kred's marker file.
    """
    folder = directory() if folder is None else folder
    if not folder or not os.path.isfile(os.path.join(folder, MARKER)):
        return 0
    cutoff = None if older_than_days is None else time.time() - float(older_than_days) * 86400.0
    n = 0
    for e in entries(folder):
        if cutoff is None or e["last_use"] < cutoff:
            n += _delete(e)
    # records whose entry is gone
    for rel, (path, _) in _records(folder).items():
        if not os.path.exists(os.path.join(folder, rel)):
            try:
                os.remove(path)
            except OSError:
                pass
    return n


def evict(limit=None, folder=None):
    """Deletes least recently used entries until the cache holds at most `limit` bytes (default:
    max_bytes()); returns how many were deleted."""
    folder = directory() if folder is None else folder
    limit = max_bytes() if limit is None else limit
    if not folder or limit is None:
        return 0
    # sizes first (stat only): the records are read only when something must go
    total = sum(st.st_size for st in _scan(folder).values())
    try:
        with os.scandir(_meta_dir(folder)) as it:
            total += sum(e.stat(follow_symlinks=False).st_size for e in it)
    except OSError:
        pass
    if total <= limit:
        return 0
    es = entries(folder)
    total = sum(e["size"] for e in es)
    n = 0
    for e in reversed(es):  # least recently used first
        if total <= limit:
            break
        if _delete(e):
            total -= e["size"]
            n += 1
    return n
