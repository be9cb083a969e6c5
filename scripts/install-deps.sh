#!/usr/bin/env bash
# Installs the Debian packages localsgd needs to build, test and plot. Idempotent: does nothing
# (and needs no network) when everything is already installed. Run as root on Debian 12 or later.
# The Python packages build and test the module `localsgd` (python/, docs/python.md) for Debian's
# /usr/bin/python3.
#   --sanitizers   also clang 14, its sanitizer, libFuzzer and OpenMP runtimes and llvm-symbolizer
#                  (scripts/sanitize.sh, scripts/fuzz.sh)
#   --bench        also NumPy (for Debian's /usr/bin/python3), GNU time and valgrind (bench/run.sh)
set -euo pipefail

packages=(
  g++ cmake ninja-build pkgconf
  libtbb-dev libeigen3-dev libfmt-dev nlohmann-json3-dev libcli11-dev catch2 libssl-dev librandom123-dev
  gnuplot-nox
  libopenmpi-dev openmpi-bin
  python3-dev pybind11-dev python3-pandas python3-matplotlib python3-pytest
)
for option in "$@"; do
  case "$option" in
    --sanitizers) packages+=(clang-14 libclang-rt-14-dev llvm-14 libomp-14-dev) ;;
    --bench) packages+=(python3-numpy time valgrind) ;;
    *) echo "install-deps: unknown option $option (known: --sanitizers, --bench)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}; run as root (or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
