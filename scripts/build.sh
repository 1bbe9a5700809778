#!/usr/bin/env bash
# Installs the dependencies and builds xdpkit into ./build (configured once, then incremental).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh
if [ ! -f build/build.ninja ]; then
  meson setup build
fi
ninja -C build
