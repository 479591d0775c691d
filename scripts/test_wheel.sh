#!/usr/bin/env bash
# The wheel step of `make test` (scripts/run_tests.sh): builds the wheel,
# checks that it is manylinux (auditwheel), installs it into a fresh
# virtualenv and runs, from a temporary folder away from the source tree,
# test/wheel/test_installed_wheel.py (no LLVM loaded, the console tools,
# find_package(kernelred), the seed examples) and a slice of test/python.
# Prints the times and sizes of each stage.
#
#   scripts/test_wheel.sh [BUILD [JUNIT_XML]]
#
# By default the wheel packs the static binaries that the development build
# BUILD links from its own objects (target kred-wheel-prebuilt: seconds of
# linking, CMake's KRED_WHEEL_PREBUILT); the whole step takes about a minute.
# KRED_WHEEL_FULL=1 builds it as a user does (`make wheel`): `pip wheel .`,
# everything compiled again with static MLIR and LLVM into build-pip/ (7 to
# 9 minutes on two cores from scratch, incremental after). The fresh virtualenv gets the wheel
# (without dependencies, so no network is needed) and sees the third-party
# packages of the project's .venv (numpy, torch, matplotlib, pytest) through
# a path entry at the end of sys.path; .venv's kred-dev.pth is not read from
# there, and the test checks that neither python/ nor BUILD/python is on
# sys.path. LD_LIBRARY_PATH is unset and PATH holds no LLVM directory.
# KRED_WHEEL=FILE tests a wheel built before (pip wheel's, not repaired).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=$(cd "${1:-build}" && pwd)
JUNIT=${2:-}
PY=$ROOT/.venv/bin/python
work=$(mktemp -d "${TMPDIR:-/tmp}/kred-wheel.XXXXXX")
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
size_mb() { awk -v s="$(stat -c %s "$1")" 'BEGIN { printf "%.1f MB", s / 1e6 }'; }
lock() { # the development build is shared: take its lock when there is one
  if [ -e "$ROOT/.build.lock" ] && command -v flock >/dev/null; then flock "$ROOT/.build.lock" "$@"; else "$@"; fi
}

# 1. The wheel.
t=$(now)
if [ -n "${KRED_WHEEL:-}" ]; then
  how="given: $KRED_WHEEL"
  mkdir -p "$work/dist" && cp "$KRED_WHEEL" "$work/dist/"
elif [ "${KRED_WHEEL_FULL:-0}" = 1 ]; then
  how="pip wheel . (full static build in build-pip/)"
  CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)} \
    "$PY" -m pip wheel . --no-build-isolation --no-deps -q -w "$work/dist"
else
  how="kred-wheel-prebuilt of $BUILD, packed by pip wheel ."
  lock ninja -C "$BUILD" kred-wheel-prebuilt > "$work/prebuilt.log" || { cat "$work/prebuilt.log"; exit 1; }
  "$PY" -m pip wheel . --no-build-isolation --no-deps -q -w "$work/dist" \
    -C build-dir="$BUILD/wheel-pip" -C cmake.define.KRED_WHEEL_PREBUILT="$BUILD"
fi
build_time=$(since "$t")
wheel=$(ls "$work"/dist/kred-*.whl)

# 2. manylinux: auditwheel grafts the few system libraries that LLVM's
# static libraries use (zlib, zstd) and retags the wheel.
t=$(now)
PATH="$ROOT/.venv/bin:$PATH" "$PY" -m auditwheel repair -w "$work/wheelhouse" "$wheel" > "$work/auditwheel.log" 2>&1 || { cat "$work/auditwheel.log"; exit 1; }
repaired=$(ls "$work"/wheelhouse/kred-*.whl)
"$PY" -m auditwheel show "$repaired" > "$work/auditwheel.log"
tag=$(tr -s ' \n' ' ' < "$work/auditwheel.log" | grep -o 'consistent with the following platform tag: "[^"]*"' || true)
[ -n "$tag" ] || { cat "$work/auditwheel.log"; exit 1; }
repair_time=$(since "$t")

# 3. A fresh virtualenv, and the wheel in it.
t=$(now)
"$PY" -m venv "$work/venv"
venv_time=$(since "$t")
site=$("$work/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
t=$(now)
"$work/venv/bin/python" -m pip install -q --no-deps "$repaired"
install_time=$(since "$t")
"$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' > "$site/zz-kred-test-deps.pth"

# 4. From a temporary copy of what the tests read, with LLVM off every path.
mkdir -p "$work/src/examples" "$work/src/test"
cp -r examples/seeds examples/aot "$work/src/examples/"
cp -r test/python test/wheel "$work/src/test/"
rm -rf "$work/src/examples/aot/gen" "$work/src/examples/aot/build"
run() {
  (cd "$work/run" && env -u LD_LIBRARY_PATH -u PYTHONPATH PATH="$work/venv/bin:/usr/local/bin:/usr/bin:/bin" \
    KRED_CACHE_DIR="$work/cache" KRED_SOURCE_TREE="$ROOT" MPLBACKEND=Agg "$@")
}
mkdir -p "$work/run"
first=$(run "$work/venv/bin/python" - <<'EOF'
import time
t0 = time.perf_counter()
import numpy as np
from kred.numpy import Genred
t1 = time.perf_counter()
g = Genred("Exp(-SqDist(x, y)) * b", ["x = Vi(3)", "y = Vj(3)", "b = Vj(1)"], reduction_op="Sum", axis=1)
g(np.random.rand(1000, 3), np.random.rand(2000, 3), np.random.rand(2000, 1))
t2 = time.perf_counter()
print(f"import {t1 - t0:.2f} s, first call (compile included, empty cache) {t2 - t1:.2f} s")
EOF
)
t=$(now)
status=0
# The seed examples (test_seeds.py runs each as __main__, on the CPU and on
# the GPU emulator, and checks its values), torch.compile and torch.func
# through the custom op, and the error messages. test_errors.py runs first:
# after test_seeds.py's emulator runs, its test_devices_and_backends sees a
# GPU runtime (also in the source tree).
slice=(test_errors.py test_torch_compile.py test_seeds.py)
run "$work/venv/bin/python" -m pytest -q -ra -p no:cacheprovider ${JUNIT:+--junitxml="$JUNIT"} \
  -o junit_suite_name=wheel "$work/src/test/wheel/test_installed_wheel.py" \
  "${slice[@]/#/$work/src/test/python/}" || status=1
test_time=$(since "$t")

echo "wheel: $(basename "$repaired"), $(size_mb "$repaired") (before auditwheel: $(size_mb "$wheel")); auditwheel: $tag"
echo "wheel times: build $build_time s ($how), auditwheel $repair_time s, venv $venv_time s," \
  "install $install_time s, tests $test_time s"
echo "from the wheel: $first"
exit $status
