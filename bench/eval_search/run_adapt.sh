#!/bin/sh
# run_adapt.sh — SciFact quality after `semlite adapt` with given options.
#
#   bench/eval_search/run_adapt.sh SEMLITE_BIN WORKDIR NAME [train|test] [--grid] [-- ADAPT_OPTIONS...]
#
# Imports the SciFact corpus once into WORKDIR/base.semlite (built-in
# default model, title + text), copies it to WORKDIR/NAME/scifact.semlite,
# runs `semlite adapt` on the copy with ADAPT_OPTIONS (timed) and scores
# it with run_eval.sh (dense, keyword, hybrid; --grid adds the fusion grid:
# train split only).
set -e
BIN=$1; WORK=$2; NAME=$3; SPLIT=${4:-train}; shift 4 || shift $#
GRID=""
while [ $# -gt 0 ]; do
  case $1 in
    --grid) GRID=--grid; shift ;;
    --) shift; break ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=${SEMLITE_SHARED:-$HERE/../../../shared}/data/scifact
mkdir -p "$WORK/$NAME"
if [ ! -f "$WORK/base.semlite" ]; then
  "$BIN" create "$WORK/base.semlite"
  "$BIN" import "$WORK/base.semlite" "$DATA/corpus.jsonl"
fi
if [ ! -f "$WORK/$NAME/scifact.semlite" ]; then
  cp "$WORK/base.semlite" "$WORK/$NAME/scifact.semlite"
  start=$(date +%s.%N)
  /usr/bin/time -f "adapt: %e s wall, %U s user, %M KB max RSS" \
    "$BIN" adapt "$WORK/$NAME/scifact.semlite" "$@" 2>&1 | tail -2
  echo "adapt options: $*"
fi
"$HERE/run_eval.sh" "$BIN" "$WORK/$NAME" "$SPLIT" $GRID
