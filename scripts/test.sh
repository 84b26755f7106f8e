#!/usr/bin/env bash
# Builds semlite and runs the whole test suite with ctest.
#   scripts/test.sh              normal build (build-test/)
#   scripts/test.sh --sanitize   ASan+UBSan build (build-asan/)
# Tests that need ../shared skip with a message when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

dir=build-test
flags=(-DCMAKE_BUILD_TYPE=Release -DSEMLITE_WERROR=ON -DSEMLITE_BUILD_TESTS=ON)
if [ "${1:-}" = "--sanitize" ]; then
  dir=build-asan
  flags=(-DCMAKE_BUILD_TYPE=Debug -DSEMLITE_WERROR=ON -DSEMLITE_BUILD_TESTS=ON -DSEMLITE_SANITIZE=ON)
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi
cmake -S . -B "$dir" "${flags[@]}" >/dev/null
cmake --build "$dir" -j"$(nproc)"
cd "$dir"
ctest --output-on-failure -j"$(nproc)" --timeout 1500
