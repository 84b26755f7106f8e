#!/bin/sh
# Runs semlite's ANN benchmark and the peers (hnswlib, FAISS) on the same
# files, one after the other, one search thread each.
#
#   bench/ann/run_ann.sh BUILD_DIR siftsmall
#   bench/ann/run_ann.sh BUILD_DIR synthetic N DIM   (seeded, cosine)
#   bench/ann/run_ann.sh BUILD_DIR files BASE QUERY GT l2|cos
#
# STORE=db (default) measures semlite through a database file (bench_db:
# public API, LMDB); STORE=mem the in-memory store (bench_ann).
# PEERS=hnswlib skips FAISS (default: hnswlib,faiss).
#
# BUILD_DIR was configured with -DSEMLITE_BUILD_BENCH=ON. Work files go to
# $ANN_WORK (default /tmp/semlite-ann). Needs Debian's /usr/bin/python3
# with python3-hnswlib and python3-faiss.
set -eu
build=$1
what=$2
here=$(cd "$(dirname "$0")" && pwd)
shared=${SEMLITE_SHARED:-$here/../../../shared}
work=${ANN_WORK:-/tmp/semlite-ann}
mkdir -p "$work"
M=${M:-16}
EFC=${EFC:-200}
SEED=${SEED:-42}
case $what in
siftsmall)
	d=$shared/data/ann/siftsmall
	base=$d/siftsmall_base.fvecs
	query=$d/siftsmall_query.fvecs
	gt=$d/siftsmall_groundtruth.ivecs
	metric=l2
	;;
synthetic)
	n=$3
	dim=$4
	p=$work/syn_${n}_$dim
	[ -f "${p}_gt.ivecs" ] ||
		"$build/bench/ann/bench_ann" gen "$n" "$dim" 200 20261122 "$p"
	base=${p}_base.fvecs
	query=${p}_query.fvecs
	gt=${p}_gt.ivecs
	metric=cos
	;;
files)
	base=$3
	query=$4
	gt=$5
	metric=$6
	;;
*)
	echo "unknown data set $what" >&2
	exit 2
	;;
esac
export OMP_NUM_THREADS=1
if [ "${STORE:-db}" = mem ]; then
	"$build/bench/ann/bench_ann" run "$base" "$query" "$gt" $metric $M \
		$EFC $SEED
else
	"$build/bench/ann/bench_db" "$base" "$query" "$gt" $metric \
		"$work/semlite.db" $M $EFC $SEED ${PRECISION:-f16}
fi
/usr/bin/python3 "$here/peers.py" "$base" "$query" "$gt" $metric $M $EFC \
	$SEED "$work"
