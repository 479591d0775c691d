#!/usr/bin/env bash
# Runs every test suite and ends with one pass/fail count line.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
results=$(mktemp -d)
status=0

echo "=== lit (test/) ==="
/usr/lib/llvm-22/bin/lit -sv --xunit-xml-output "$results/lit.xml" "$BUILD/test" || status=1

if [ -d test/python ] && ls test/python/test_*.py >/dev/null 2>&1; then
  echo "=== pytest (test/python) ==="
  PYTHONPATH="$PWD/python:$PWD/$BUILD/python${PYTHONPATH:+:$PYTHONPATH}" \
    .venv/bin/python -m pytest -q -ra --junitxml="$results/pytest.xml" test/python || status=1
fi

# The wheel (about a minute): packed from this build's objects linked with
# static MLIR and LLVM, installed into a fresh virtualenv and tested from
# there (scripts/test_wheel.sh). KRED_TEST_WHEEL=0 skips it.
if [ "${KRED_TEST_WHEEL:-1}" != 0 ]; then
  echo "=== wheel (scripts/test_wheel.sh) ==="
  scripts/test_wheel.sh "$BUILD" "$results/wheel.xml" || status=1
fi

.venv/bin/python scripts/summarize_junit.py "$results"/*.xml || status=1
rm -rf "$results"
exit $status
