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
for q in "why do stars give off light" "my program keeps running out of memory" \
         "how do I bake my own bread" "getting ready for a long run"; do
  echo
  echo "== search (hybrid: meaning + keywords, the default): $q"
  $S search "$db" "$q" -k 3
  echo "-- the same by meaning only (--mode dense)"
  $S search "$db" "$q" -k 3 --mode dense
done
echo
echo "== search restricted to documents whose topic is health: feeling tired all day"
$S search "$db" "feeling tired all day" -k 3 --where topic=health
echo
echo "== more like d01 and d02 (bread, tomato sauce)"
$S recommend "$db" --like d01 --like d02 -k 3
echo
echo "== one document back, and an integrity check"
$S get "$db" d18
$S check "$db"
