#!/usr/bin/env bash
# The main job: installs dependencies, builds semlite in build/, and runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
./build/semlite --version
./build/semlite selfcheck
