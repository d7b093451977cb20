#!/usr/bin/env bash
# scripts/setup.sh - install what is missing, configure and build plstm.
#
# Idempotent: installs only missing Debian packages (running `apt-get update`
# only when a package is missing), configures once (CMake + Ninja against
# Debian's LLVM/MLIR 22) and builds incrementally with ccache.
#
# Usage: scripts/setup.sh [BUILD_DIR]      (default: build)
# Environment: PLSTM_JOBS (default 2) parallel build jobs.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${1:-$ROOT/build}"
JOBS="${PLSTM_JOBS:-2}"

PACKAGES=(llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools
          ninja-build cmake g++ libgtest-dev ccache python3 zlib1g-dev
          libzstd-dev libedit-dev libcurl4-openssl-dev gnuplot-nox
          libomp-22-dev)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$pkg")
  fi
done
if ((${#missing[@]})); then
  echo "[setup] installing missing packages: ${missing[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "[setup] all packages present"
fi

if [[ ! -f "$BUILD/build.ninja" ]]; then
  echo "[setup] configuring $BUILD"
  cmake -G Ninja -S "$ROOT" -B "$BUILD" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++ \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_DIR=/usr/lib/llvm-22/lib/cmake/llvm
fi
echo "[setup] building ($JOBS jobs)"
cmake --build "$BUILD" -j "$JOBS"
echo "[setup] done: tools in $BUILD/bin"
