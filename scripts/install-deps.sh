#!/usr/bin/env bash
# Installs every Debian package semlite builds, tests and benchmarks with.
# Called by README's commands and by .ci/run; safe to run again.
set -euo pipefail

pkgs=(
  cmake make gcc clang libclang-rt-14-dev pkg-config
  liblmdb-dev lmdb-utils libzstd-dev zstd libroaring-dev libsimde-dev
  libutf8proc-dev libcjson-dev libcmocka-dev
  liblapacke-dev libopenblas-dev libstemmer-dev
  wordnet-base bible-kjv-text
)
bench_pkgs=(python3 python3-numpy python3-hnswlib libhnswlib-dev python3-faiss)

want=("${pkgs[@]}")
if [ "${1:-}" = "--bench" ]; then want+=("${bench_pkgs[@]}"); fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
