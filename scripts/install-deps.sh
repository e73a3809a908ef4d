#!/usr/bin/env bash
# Installs what synthub needs from Debian 12 packages (as root; skips what is
# already there). Nothing is downloaded at run time.
set -euo pipefail
PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache git
  zlib1g-dev libdeflate-dev libpng-dev libssl-dev libturbojpeg0-dev libjpeg-dev libwebp-dev libspng-dev libcurl4-openssl-dev nlohmann-json3-dev libsqlite3-dev libpq-dev
  libopenmpi-dev openmpi-bin
  libgtest-dev libbenchmark-dev clang libclang-rt-14-dev
  python3 python3-dev python3-numpy python3-torch python3-torchvision python3-skimage python3-pil python3-noise pybind11-dev tar file
  libtorch-dev libopenblas0-openmp dataset-fashion-mnist
  libcpp-httplib-dev chromium wrk curl postgresql
  libegl-dev libgl-dev libegl-mesa0 libgl1-mesa-dri libglm-dev
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
# The hub's web-page test drives Debian's chromium with playwright-core (no
# browser download), and its Hugging Face API test runs the official
# @huggingface/hub client; both pinned by tests/web/package-lock.json. npm comes with
# Node.js (nodesource's nodejs bundles it; Debian's is the npm package).
if ! command -v npm >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends nodejs npm
fi
WEB_TEST_DIR="$(dirname "$0")/../tests/web"
if [ ! -d "$WEB_TEST_DIR/node_modules/playwright-core" ] || [ ! -d "$WEB_TEST_DIR/node_modules/@huggingface/hub" ]; then
  (cd "$WEB_TEST_DIR" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi
