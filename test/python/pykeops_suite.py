"""Runs pykeops' own test files, in place, against kred.

    python test/python/pykeops_suite.py [test_numpy.py ...] [--timeout S] [-- pytest args]

Each file of ``pykeops/test`` (in the installed pykeops package) runs in its
own pytest subprocess with the ``pykeops_alias`` plugin, which makes
``import pykeops`` import kred; nothing is copied into the repository.
Prints one line per file: passed / failed / skipped counts.
test_pykeops_suite.py runs the same thing from pytest (``make test``).
"""

import argparse
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

# pykeops/test files that are not test modules.
NOT_TESTS = {"__init__.py", "conv2d.py"}
# Files whose tests use ranges= (block-sparse reductions).
RANGES_FILES = {"test_block_sparse_reduction.py", "test_chunks_ranges.py", "test_finalchunks_ranges.py"}


def pykeops_test_dir():
    """pykeops' installed test folder, found without importing pykeops."""
    import importlib.util

    spec = importlib.util.find_spec("pykeops")
    if spec is None or not spec.submodule_search_locations:
        return None
    d = os.path.join(list(spec.submodule_search_locations)[0], "test")
    return d if os.path.isdir(d) else None


def suite_files():
    d = pykeops_test_dir()
    if d is None:
        return []
    return sorted(f for f in os.listdir(d) if f.startswith("test_") and f.endswith(".py") and f not in NOT_TESTS)


def run_file(name, timeout=900, extra_args=(), extra_env=None):
    """Runs one pykeops test file against kred (extra_env: more environment variables).

    Returns (counts, output, junit cases): counts is a dict of passed,
    failed, errors, skipped (plus "timeout": True when it was killed).
    """
    test_dir = pykeops_test_dir()
    path = os.path.join(test_dir, name)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [os.path.join(REPO, "python"), HERE] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    )
    env.setdefault("PYKEOPS_VERBOSE", "0")
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # no __pycache__ in the installed pykeops
    env.update(extra_env or {})
    with tempfile.TemporaryDirectory() as tmp:
        xml = os.path.join(tmp, "junit.xml")
        cmd = [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "pykeops_alias",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            test_dir,
            "-c",
            os.devnull,
            "-q",
            "-rfEs",
            "--tb=short",
            f"--junitxml={xml}",
            *extra_args,
            path,
        ]
        try:
            proc = subprocess.run(cmd, env=env, cwd=tmp, capture_output=True, text=True, timeout=timeout)
            out = proc.stdout + proc.stderr
            timed_out = False
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
            timed_out = True
        counts = {"passed": 0, "failed": 0, "errors": 0, "skipped": 0}
        cases = []
        if os.path.exists(xml):
            root = ET.parse(xml).getroot()
            for tc in root.iter("testcase"):
                status = "passed"
                msg = ""
                for child in tc:
                    if child.tag in ("failure", "error", "skipped"):
                        status = {"failure": "failed", "error": "errors", "skipped": "skipped"}[child.tag]
                        msg = child.get("message", "")
                counts[status] += 1
                cases.append((tc.get("name"), status, msg))
        if timed_out:
            counts["timeout"] = True
        elif not cases and proc.returncode not in (0, 5):
            counts["errors"] += 1  # collection or import error before any test
    return counts, out, cases


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*", help="pykeops/test file names (default: all)")
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("-v", "--verbose", action="store_true", help="print each file's pytest output")
    args, extra = ap.parse_known_args(argv)
    extra = [a for a in extra if a != "--"]
    files = args.files or suite_files()
    if not files:
        print("pykeops is not installed: nothing to run")
        return 0
    bad = 0
    for f in files:
        f = os.path.basename(f)
        counts, out, cases = run_file(f, args.timeout, extra)
        flag = "TIMEOUT " if counts.get("timeout") else ""
        print(
            f"{f:45s} {flag}passed {counts['passed']:3d}  failed {counts['failed']:3d}  "
            f"errors {counts['errors']:3d}  skipped {counts['skipped']:3d}",
            flush=True,
        )
        if args.verbose or counts["failed"] or counts["errors"] or counts.get("timeout"):
            for name, status, msg in cases:
                if status in ("failed", "errors"):
                    print(f"    {status}: {name}: {msg[:300]}")
            if args.verbose or not cases:
                print(out[-6000:])
        bad += counts["failed"] + counts["errors"] + bool(counts.get("timeout"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
