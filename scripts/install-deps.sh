#!/usr/bin/env bash
# Installs what synthub needs from Debian 12 packages (as root; skips what is
# already there). Nothing is downloaded at run time.
set -euo pipefail
PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache git
  zlib1g-dev libpng-dev libssl-dev libturbojpeg0-dev libjpeg-dev libwebp-dev libspng-dev libcurl4-openssl-dev nlohmann-json3-dev
  libopenmpi-dev openmpi-bin
  libgtest-dev libbenchmark-dev clang libclang-rt-14-dev
  python3 python3-dev python3-numpy python3-torch python3-pil pybind11-dev tar file
  libtorch-dev libopenblas0-openmp dataset-fashion-mnist
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
