#!/bin/sh
# run_eval.sh — SciFact retrieval quality and latency of `semlite search`
# for each mode (dense, keyword, hybrid), through the CLI.
#
#   bench/eval_search/run_eval.sh SEMLITE_BIN WORKDIR [train|test] [--model DIR] [--grid]
#
# Builds WORKDIR/scifact.semlite from ../shared/data/scifact/corpus.jsonl
# (title + text) once, with the built-in default model or --model DIR,
# runs every query of the split's qrels with -k 100 and scores the runs
# with score_run.py (nDCG@10, recall@100). The search time per query
# printed is the CLI's own measurement (encoding + search, no parsing).
# --grid adds hybrid runs over fusion methods and dense weights: use it on
# the train split only.
set -e
BIN=$1; WORK=$2; SPLIT=${3:-test}; shift 3 || true
MODEL=""; GRID=0
while [ $# -gt 0 ]; do
  case $1 in
    --model) MODEL="--model $2"; shift 2 ;;
    --grid) GRID=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=${SEMLITE_SHARED:-$HERE/../../../shared}/data/scifact
PY=/usr/bin/python3
mkdir -p "$WORK"
DB=$WORK/scifact.semlite
if [ ! -f "$DB" ]; then
  "$BIN" create "$DB" $MODEL
  "$BIN" import "$DB" "$DATA/corpus.jsonl" --text-field title --text-field text
fi
# only the split's judged queries
$PY - "$DATA/queries.jsonl" "$DATA/qrels/$SPLIT.tsv" > "$WORK/q_$SPLIT.jsonl" <<'PYEOF'
import json, sys
ids = {l.split("\t")[0] for l in open(sys.argv[2], newline="").read().splitlines()[1:] if l}
for line in open(sys.argv[1]):
    if json.loads(line)["_id"] in ids:
        sys.stdout.write(line)
PYEOF
run() { # name, search options...
  name=$1; shift
  "$BIN" search "$DB" --queries "$WORK/q_$SPLIT.jsonl" -k 100 "$@" \
    > "$WORK/run_${SPLIT}_$name.jsonl" 2> "$WORK/time_$name.txt"
  printf '%-22s %s  %s\n' "$name" \
    "$($PY "$HERE/score_run.py" "$DATA/qrels/$SPLIT.tsv" "$WORK/run_${SPLIT}_$name.jsonl" | sed 's/^[^ ]* *//')" \
    "$(sed -n 's/.*(\(.*ms\/query\)).*/\1/p' "$WORK/time_$name.txt")"
}
run dense --mode dense
run keyword --mode keyword
run hybrid --mode hybrid
if [ $GRID = 1 ]; then
  run hybrid_rrf --mode hybrid --fusion rrf
  for w in 0.1 0.2 0.3 0.4 0.5 0.6 0.7; do
    run hybrid_w$w --mode hybrid --fusion convex --weight $w
  done
fi
