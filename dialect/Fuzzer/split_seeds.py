#!/usr/bin/env python3
"""Writes kred-ir-fuzzer seeds: every .mlir file under the given files or
directories, split on `// -----` lines as kred-opt --split-input-file does,
one seed file per chunk (named by content hash, so reruns are idempotent).

  split_seeds.py OUTDIR PATH [PATH ...]
"""

import hashlib
import os
import re
import sys

SPLIT = re.compile(r"^// -----.*$", re.MULTILINE)


def mlir_files(path):
    if os.path.isfile(path):
        yield path
        return
    for root, dirs, files in os.walk(path):
        dirs.sort()
        for name in sorted(files):
            if name.endswith(".mlir"):
                yield os.path.join(root, name)


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    outdir = argv[1]
    os.makedirs(outdir, exist_ok=True)
    count = 0
    for path in argv[2:]:
        for file in mlir_files(path):
            with open(file, encoding="utf-8") as f:
                text = f.read()
            for chunk in SPLIT.split(text):
                # RUN/CHECK lines are comments to the parser; keep only code.
                lines = [l for l in chunk.splitlines()
                         if not l.lstrip().startswith("//")]
                seed = "\n".join(lines).strip() + "\n"
                if not seed.strip():
                    continue
                data = seed.encode("utf-8")
                name = hashlib.sha1(data).hexdigest()
                with open(os.path.join(outdir, name), "wb") as f:
                    f.write(data)
                count += 1
    print(f"{count} seeds in {outdir}")


if __name__ == "__main__":
    main(sys.argv)
