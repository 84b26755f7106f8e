#!/bin/sh
# Real text embeddings for the ANN benchmark: the Gutenberg paragraphs of
# ../shared encoded with the built-in default model (256 dims, cosine).
# Every 158th paragraph (1,000 of them; at most 1,000) is held out as a
# query; the first N of the rest (all when N is absent) are the base set.
# Ground truth: exact top-100 by cosine (bench_ann gt). Files go to
# $ANN_WORK (default /tmp/semlite-ann) and are never committed.
#
#   bench/ann/gutenberg.sh BUILD_DIR [N]
#   then: bench/ann/run_ann.sh BUILD_DIR files $W/gut_N_base.fvecs \
#             $W/gut_query.fvecs $W/gut_N_gt.ivecs cos
set -eu
build=$1
n=${2:-0}
here=$(cd "$(dirname "$0")" && pwd)
shared=${SEMLITE_SHARED:-$here/../../../shared}
work=${ANN_WORK:-/tmp/semlite-ann}
mkdir -p "$work"
src=$shared/data/text/gutenberg/gutenberg_paragraphs.jsonl.zst
if [ ! -f "$work/gut_query.fvecs" ]; then
	zstdcat "$src" | /usr/bin/python3 -c '
import json, sys
base = open(sys.argv[1], "w")
query = open(sys.argv[2], "w")
nq = 0
for i, line in enumerate(sys.stdin):
    t = " ".join(json.loads(line)["text"].split())
    if i % 158 == 0 and nq < 1000:
        query.write(t + "\n")
        nq += 1
    else:
        base.write(t + "\n")
' "$work/gut_base.txt" "$work/gut_query.txt"
	"$build/bench/ann/bench_embed" "$work/gut_all_base.fvecs" \
		<"$work/gut_base.txt"
	"$build/bench/ann/bench_embed" "$work/gut_query.fvecs" \
		<"$work/gut_query.txt"
fi
if [ "$n" -gt 0 ]; then
	# first n rows of the base file (4 + 4*256 bytes each)
	head -c $((n * 1028)) "$work/gut_all_base.fvecs" \
		>"$work/gut_${n}_base.fvecs"
	tag=$n
else
	cp "$work/gut_all_base.fvecs" "$work/gut_0_base.fvecs"
	tag=0
fi
"$build/bench/ann/bench_ann" gt "$work/gut_${tag}_base.fvecs" \
	"$work/gut_query.fvecs" "$work/gut_${tag}_gt.ivecs"
