#!/usr/bin/env bash
# The main job: installs dependencies, builds semlite in build/, creates a
# database with the built-in model, imports the demo corpus that ships in
# examples/data/ (58 short documents written for semlite), and runs a few
# semantic, hybrid and recommendation queries.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
S=./build/semlite
$S --version
$S selfcheck

db=$(mktemp -d)/demo.semlite
trap 'rm -rf "$(dirname "$db")"' EXIT
$S create "$db"
$S import "$db" examples/data/demo.jsonl
$S stats "$db"
for q in "how do I bake my own bread" "why do stars give off light" \
         "my program keeps running out of memory" "getting ready for a long run"; do
  echo
  echo "== semantic search (dense): $q"
  $S search "$db" "$q" -k 3 --mode dense
  echo "== hybrid search: $q"
  $S search "$db" "$q" -k 3
done
echo
echo "== hybrid search restricted to topic=health: feeling tired"
$S search "$db" "feeling tired all day" -k 3 --where topic=health
echo
echo "== more like d17 (the Moon landing), less like d22 (rockets)"
$S recommend "$db" --like d17 --unlike d22 -k 3
