"""python -m kred cache info|list|clean [--older-than DAYS] [--max-bytes N]: the on-disk kernel cache.

See kred/cache.py for what the cache holds.
"""

import argparse
import datetime
import os
import sys


def _size(n):
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024.0
    return f"{n} B"  # pragma: no cover


def _date(t):
    return "-" if t is None else datetime.datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M:%S")


def _info(args, cache):
    s = cache.info()
    if not s["enabled"]:
        print("kred cache: disabled (KRED_CACHE_DIR=off)")
        return 0
    cap = "none" if s["max_bytes"] is None else _size(s["max_bytes"])
    print(f"directory:  {s['directory']}")
    print(f"entries:    {s['entries']} ({s['recorded']} with a record of their formula)")
    print(f"size:       {_size(s['bytes'])} (cap {cap}, KRED_CACHE_MAX_BYTES)")
    print(f"last use:   {_date(s['newest_use'])} (least recent {_date(s['oldest_use'])})")
    return 0


def _list(args, cache):
    es = cache.entries()
    if not es:
        print("kred cache: no entries" + (f" in {cache.directory()}" if cache.directory() else " (disabled)"))
        return 0
    print(f"{'last use':19}  {'size':>9}  {'reduction':12}  {'dtype':8}  {'target':24}  formula")
    for e in es:
        if "formula" in e:
            red = e.get("reduction", "?")
            if e.get("opt_arg") is not None:
                red += f"(K={e['opt_arg']})"
            formula = e["formula"]
            if e.get("formula2"):
                formula += f"  [formula2: {e['formula2']}]"
            formula += f"  [{', '.join(e.get('aliases') or [])}] axis={e.get('axis')}"
            dtype, target = e.get("dtype", "?"), e.get("target", "?")
        else:
            red, dtype, target, formula = "?", "?", "?", f"(no record) {e['path']}"
        print(f"{_date(e['last_use']):19}  {_size(e['size']):>9}  {red:12}  {dtype:8}  {target:24}  {formula}")
    return 0


def _clean(args, cache):
    if args.max_bytes is not None:
        n = cache.evict(limit=args.max_bytes)
        print(f"kred cache: deleted {n} least recently used entries")
        return 0
    n = cache.clean(older_than_days=args.older_than)
    when = "" if args.older_than is None else f" not used for {args.older_than:g} days"
    print(f"kred cache: deleted {n} entries{when}")
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m kred", description="kred's tools")
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("cache", help="the on-disk kernel cache ($KRED_CACHE_DIR, default ~/.cache/kred)")
    csub = c.add_subparsers(dest="action", required=True)
    csub.add_parser("info", help="where the cache is, how many entries, their size and the size cap")
    csub.add_parser("list", help="each entry: last use, size, reduction, dtype, target, formula")
    cl = csub.add_parser("clean", help="delete entries (all of them by default)")
    cl.add_argument("--older-than", type=float, metavar="DAYS", help="only those not used for DAYS days")
    cl.add_argument("--max-bytes", type=int, metavar="N",
                    help="delete least recently used entries until the cache holds at most N bytes")
    args = p.parse_args(argv)
    from kred import cache

    return {"info": _info, "list": _list, "clean": _clean}[args.action](args, cache)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # `python -m kred cache list | head`: the reader left, not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
