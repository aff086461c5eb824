#!/usr/bin/env bash
# Installs the Debian packages pdec's build and tests need.  Idempotent:
# when every package is present it does nothing (no apt-get at all).
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config        # the toolchain
  flex bison                              # the .pde frontend
  libfftw3-dev                            # transforms (interpreter, C backend)
  libcjson-dev libzip-dev                 # .safetensors headers, .npz archives
  libcmocka-dev                           # unit tests
  llvm-15-tools                           # FileCheck, not, lit.py (LLVM 15, as PoCL)
  clang-15 libfuzzer-15-dev               # fuzz targets (libFuzzer); generated C under clang
  libomp-15-dev                           # OpenMP for clang-15 (generated C with threads)
  ocl-icd-opencl-dev pocl-opencl-icd      # OpenCL: the ICD loader and headers; PoCL runs kernels on the CPU
  llvm-15-dev libclang-15-dev             # libclang checks generated OpenCL (LLVM 15, as PoCL)
  llvm-spirv-15                           # --emit spirv (optional at run time)
  python3                                 # Debian's python runs lit
  graphviz                                # `pdec graph -o x.svg` (optional at run time)
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
