#!/usr/bin/env bash
# Sets up everything kernelred needs on a fresh Debian 12 machine, skipping
# what is already done: the LLVM/MLIR 22 packages (apt) and the project
# virtualenv .venv/ (PyPI).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(libmlir-22-dev mlir-22-tools llvm-22-dev llvm-22-tools clang-22 lld-22
              libclang-rt-22-dev ninja-build cmake python3-venv)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "[setup] installing apt packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "[setup] creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.kred-requirements-$(sha256sum scripts/requirements.txt | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "[setup] installing Python packages into .venv"
  .venv/bin/pip install -q -r scripts/requirements.txt
  rm -f .venv/.kred-requirements-*
  touch "$stamp"
fi
