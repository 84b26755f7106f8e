#!/bin/sh
# build-default-model.sh — rebuilds models/semlite-base, the default model
# built into libsemlite, with `semlite train`.
#
# usage: scripts/build-default-model.sh [SEMLITE_BIN] [OUT_DIR]
#
# Training text (public domain / permissive only; never evaluation data):
#   - the Project Gutenberg paragraphs in ../shared/data/text/gutenberg/
#     (public-domain books), read directly from the .zst file;
#   - WordNet 3.0 synsets from the Debian package wordnet-base (WordNet
#     license, permissive): per synset one line "lemma, lemma: gloss",
#     extracted here into a temporary file.
# With --threads 1 and the fixed seed the output is byte-identical run to
# run (see tests/unit/train).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$here/build/semlite}
out=${2:-$here/models/semlite-base}
shared=${SEMLITE_SHARED:-$here/../shared}
gutenberg=$shared/data/text/gutenberg/gutenberg_paragraphs.jsonl.zst
wn=/usr/share/wordnet

[ -f "$gutenberg" ] || { echo "missing $gutenberg" >&2; exit 1; }
[ -f "$wn/data.noun" ] || { echo "missing $wn (apt-get install wordnet-base)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
# data.* lines: offset lex_filenum ss_type w_cnt(hex) {word lex_id}... ptrs | gloss
# (lines starting with two spaces are the license header).
for pos in noun verb adj adv; do
	LC_ALL=C awk '
		/^  / { next }
		{
			n = 0
			for (k = 1; k <= length($4); k++)
				n = n * 16 + index("0123456789abcdef", substr(tolower($4), k, 1)) - 1
			words = ""
			for (i = 0; i < n; i++) {
				w = $(5 + 2 * i)
				sub(/\([a-z]+\)$/, "", w)
				gsub(/_/, " ", w)
				words = words (i ? ", " : "") w
			}
			g = $0
			sub(/^[^|]*\| */, "", g)
			sub(/ +$/, "", g)
			print words ": " g
		}' "$wn/data.$pos"
done >"$tmp/wordnet.txt"

start=$(date +%s)
"$bin" train --corpus "$tmp/wordnet.txt" "$gutenberg" --out "$out" \
	--vocab-size 32768 --dim 256 --train-dim 128 --epochs 3 --threads 1 \
	--seed 42 --mix 0.4 --mix-k 100 \
	--dtype i8
echo "build-default-model: $(($(date +%s) - start)) s" >&2
