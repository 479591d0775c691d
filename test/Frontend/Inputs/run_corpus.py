#!/usr/bin/env python3
"""Drives kred-compile over the formula corpora of test/Frontend/Inputs.

  run_corpus.py valid KRED_COMPILE KRED_OPT corpus.txt
      Every entry must compile (--emit=mlir); kred-opt must verify all the
      kernels and print them identically twice (print/parse round trip).
  run_corpus.py malformed KRED_COMPILE malformed.txt
      Every entry must fail with exit status 1 and the expected diagnostic:
      its first line is "<source>:<column>: error: ..." containing the
      expected text, followed by the input and a caret under the column.
  run_corpus.py fuzz-seeds OUTDIR corpus.txt [malformed.txt ...]
      Writes one libFuzzer seed per entry (kred-parse-fuzzer input format).

Corpus format: blocks of "key: value" lines separated by blank lines; '#'
starts a comment line. Keys: source, formula, var (repeatable), reduction,
axis, dtype, k, formula2, dtype_acc, sum_scheme, name, and for malformed
entries: error ("<source>:<column>: <expected text>").
"""

import concurrent.futures
import os
import subprocess
import sys

MULTI_KEYS = {"var"}
KEYS = {"source", "formula", "var", "reduction", "axis", "dtype", "k",
        "formula2", "dtype_acc", "sum_scheme", "name", "error"}


def parse_corpus(path):
    entries, current, line_no = [], None, 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            line_no += 1
            line = line.rstrip("\n")
            if line.startswith("#"):
                continue
            if not line.strip():
                if current:
                    entries.append(current)
                current = None
                continue
            key, sep, value = line.partition(": ")
            if not sep:
                # "key:" with an empty value.
                key, sep, value = line.partition(":")
            if key not in KEYS:
                sys.exit(f"{path}:{line_no}: unknown key '{key}'")
            if current is None:
                current = {"line": line_no, "var": []}
            if key in MULTI_KEYS:
                current[key].append(value)
            else:
                current[key] = value
    if current:
        entries.append(current)
    return entries


def compile_args(entry, name):
    args = ["--formula", entry.get("formula", "")]
    for alias in entry["var"]:
        args.append("--var=" + alias)
    for key, flag in (("reduction", "--reduction"), ("axis", "--axis"),
                      ("dtype", "--dtype"), ("k", "--opt-arg"),
                      ("formula2", "--formula2"), ("dtype_acc", "--dtype-acc"),
                      ("sum_scheme", "--sum-scheme")):
        if key in entry:
            args.append(f"{flag}={entry[key]}")
    args.append("--name=" + entry.get("name", name))
    return args


def run(cmd, stdin=None):
    return subprocess.run(cmd, input=stdin, capture_output=True, text=True)


def describe(path, entry):
    return f"{path}:{entry['line']} ({entry.get('source', 'no source')})"


def check_valid(kred_compile, kred_opt, path):
    entries = parse_corpus(path)
    names = [f"corpus{i:03d}" for i in range(len(entries))]
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        results = list(pool.map(
            lambda e_n: run([kred_compile, "--emit=mlir"] +
                            compile_args(e_n[0], e_n[1])),
            zip(entries, names)))
    failures = 0
    modules = []
    for entry, result in zip(entries, results):
        if result.returncode != 0:
            failures += 1
            print(f"FAIL {describe(path, entry)}: kred-compile exited with "
                  f"{result.returncode}\n{result.stderr}")
        else:
            modules.append(result.stdout)
    if failures:
        print(f"{failures} of {len(entries)} corpus formulas failed")
        return 1
    joined = "\n// -----\n".join(modules)
    first = run([kred_opt, "--split-input-file", "-"], joined)
    if first.returncode != 0:
        print("kred-opt rejects the corpus IR:\n" + first.stderr)
        return 1
    second = run([kred_opt, "--split-input-file", "-"], first.stdout)
    if second.returncode != 0 or second.stdout != first.stdout:
        print("the corpus IR does not round-trip through kred-opt:\n" +
              second.stderr)
        return 1
    kernels = first.stdout.count("kernelred.reduce @")
    if kernels != len(entries):
        print(f"expected {len(entries)} kernels, kred-opt printed {kernels}")
        return 1
    print(f"corpus: {len(entries)} formulas parsed, verified and "
          f"round-tripped")
    return 0


def check_malformed(kred_compile, path):
    entries = parse_corpus(path)
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        results = list(pool.map(
            lambda e: run([kred_compile, "--emit=mlir"] +
                          compile_args(e, "bad")), entries))
    failures = 0
    for entry, result in zip(entries, results):
        where = describe(path, entry)
        if "error" not in entry:
            sys.exit(f"{where}: malformed entry without 'error'")
        source, _, rest = entry["error"].partition(":")
        column, _, text = rest.partition(": ")
        lines = result.stderr.splitlines()
        prefix = (f"{source}:{column}: error: " if column != "0"
                  else f"{source}: error: ")
        problems = []
        if result.returncode != 1:
            problems.append(f"exit status {result.returncode}, expected 1")
        if result.stdout:
            problems.append("output on stdout")
        if not lines or not lines[0].startswith(prefix):
            problems.append(f"first line does not start with '{prefix}'")
        elif text not in lines[0]:
            problems.append(f"message does not contain '{text}'")
        elif column != "0" and (len(lines) < 3 or
                                not lines[2].endswith("^") or
                                len(lines[2]) - 2 != int(column)):
            problems.append("no caret under the column")
        if problems:
            failures += 1
            print(f"FAIL {where}: " + "; ".join(problems) + "\n" +
                  result.stderr)
    if failures:
        print(f"{failures} of {len(entries)} malformed formulas failed")
        return 1
    print(f"malformed: {len(entries)} formulas rejected with the expected "
          f"message and column")
    return 0


def fuzz_input(entry):
    """The kred-parse-fuzzer input of an entry (see ParseFuzzer.cpp)."""
    lines = [entry.get("formula", "")]
    reduction = entry.get("reduction")
    if reduction:
        k = entry.get("k")
        lines.append("@" + reduction + (":" + k if k else ""))
    if "formula2" in entry:
        lines.append("&" + entry["formula2"])
    lines += entry["var"]
    return "\n".join(lines)


def write_seeds(outdir, paths):
    os.makedirs(outdir, exist_ok=True)
    count = 0
    for path in paths:
        for entry in parse_corpus(path):
            with open(os.path.join(outdir, f"seed{count:04d}"), "w",
                      encoding="utf-8") as f:
                f.write(fuzz_input(entry))
            count += 1
    print(f"wrote {count} seeds to {outdir}")
    return 0


def main(argv):
    if len(argv) >= 5 and argv[1] == "valid":
        return check_valid(argv[2], argv[3], argv[4])
    if len(argv) >= 4 and argv[1] == "malformed":
        return check_malformed(argv[2], argv[3])
    if len(argv) >= 4 and argv[1] == "fuzz-seeds":
        return write_seeds(argv[2], argv[3:])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
