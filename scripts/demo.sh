#!/usr/bin/env bash
# The main job (`make demo`): KeOps' LogSumExp seed example, run with kred.
# Prints the time of the stable LogSumExp reduction (first call, compile
# included) and its relative error against the naive log of a sum of exp,
# and saves the comparison plot as $BUILD/demo/logsumexp_reduction.png.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
out="$BUILD/demo"
mkdir -p "$out"
export KRED_PLOT_DIR="$PWD/$out"
export PYTHONPATH="$PWD/python:$PWD/$BUILD/python${PYTHONPATH:+:$PYTHONPATH}"
echo "=== kred: LogSumExp seed example (examples/seeds/logsumexp_reduction.py) ==="
.venv/bin/python examples/seeds/logsumexp_reduction.py
png="$out/logsumexp_reduction.png"
test -s "$png"
echo "plot: $png"
