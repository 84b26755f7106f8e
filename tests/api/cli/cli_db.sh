#!/bin/sh
# usage: cli_db.sh SEMLITE_BIN — see CMakeLists.txt. Every check prints
# what it expected on failure and the script exits 1.
set -u
S=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/t.semlite
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# run NAME WANT_RC CMD...: runs CMD, keeps stdout in $tmp/out and stderr in
# $tmp/err, checks the exit code.
run() {
	name=$1 want=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ "$rc" = "$want" ] || fail "$name: exit $rc, want $want; stderr: $(cat "$tmp/err")"
}
has() { grep -q -- "$2" "$tmp/$1" || fail "$1 lacks '$2': $(cat "$tmp/$1")"; }

run create 0 "$S" create "$db"
run create-again 1 "$S" create "$db"
has err "exists"

# Batches of 3: lines 1-3 commit, line 5 is malformed, so line 4 (same
# batch) must not be visible afterwards.
cat >"$tmp/a.jsonl" <<'J'
{"_id": "a1", "title": "Bread", "text": "Knead the dough and bake it.", "topic": "food"}
{"_id": "a2", "text": "Stars shine by nuclear fusion.", "topic": "space"}
{"_id": "a3", "text": "Ünïcödé text — kept exactly, with tabs\tand \"quotes\".", "topic": "misc"}
{"_id": "a4", "text": "This one shares a batch with the bad line.", "topic": "misc"}
{"_id": "a5", "text": "unterminated
J
run import-bad 1 "$S" import "$db" "$tmp/a.jsonl" --batch 3
has err "a.jsonl:5: column [0-9]*: malformed JSON"
run stats 0 "$S" stats "$db" --json
has out '"documents": 3'
run get-a3 0 "$S" get "$db" a3
printf '%s\n{"topic":"misc"}\n' 'Ünïcödé text — kept exactly, with tabs	and "quotes".' >"$tmp/want"
cmp -s "$tmp/out" "$tmp/want" || fail "get a3 is not the exact text: $(cat "$tmp/out")"
run get-a4 1 "$S" get "$db" a4
has err "a4"
run get-a1 0 "$S" get "$db" a1
has out "^Bread Knead the dough"

printf '{"_id": "b1", "text": 42}\n' >"$tmp/b.jsonl"
run import-field 1 "$S" import "$db" "$tmp/b.jsonl"
has err 'b.jsonl:1: field "text": expected a string'
printf '{"text": "no id"}\n' >"$tmp/c.jsonl"
run import-noid 1 "$S" import "$db" "$tmp/c.jsonl"
has err 'c.jsonl:1: field "_id"'
run import-missing 1 "$S" import "$db" "$tmp/none.jsonl"
has err "none.jsonl"

# Upsert: the same id replaces the document.
printf '{"_id": "a2", "text": "Stars shine because fusion turns hydrogen into helium.", "topic": "space"}\n' >"$tmp/d.jsonl"
run upsert 0 "$S" import "$db" "$tmp/d.jsonl"
run get-a2 0 "$S" get "$db" a2
has out "hydrogen"
run stats2 0 "$S" stats "$db" --json
has out '"documents": 3'

run search 0 "$S" search "$db" "why do stars glow" -k 2 --json
head -n 1 "$tmp/out" | grep -q '^{"id": "a2", "score": [-0-9.e]*, "text": ' ||
	fail "search: a2 is not first: $(cat "$tmp/out")"
[ "$(wc -l <"$tmp/out")" -eq 2 ] || fail "search -k 2 printed $(wc -l <"$tmp/out") lines"
run where 0 "$S" search "$db" "anything" --where topic=food --json
[ "$(wc -l <"$tmp/out")" -eq 1 ] && has out '"id": "a1"' || fail "where topic=food: $(cat "$tmp/out")"
printf '{"_id": "q1", "text": "nuclear fusion"}\n{"_id": "q2", "text": "baking"}\n' >"$tmp/q.jsonl"
run queries 0 "$S" search "$db" --queries "$tmp/q.jsonl" --json
has out '^{"query_id": "q1", "results": \[{"id": "a2"'
has out '"query_id": "q2"'
has err "2 queries"
run search-k0 2 "$S" search "$db" x -k 0

run recommend 0 "$S" recommend "$db" --like a2 -k 5 --json
grep -q '"id": "a2"' "$tmp/out" && fail "recommend returned its own example"
[ "$(wc -l <"$tmp/out")" -eq 2 ] || fail "recommend: want the 2 other documents: $(cat "$tmp/out")"
run recommend-unknown 1 "$S" recommend "$db" --like zz9
has err "zz9"

run delete 0 "$S" delete "$db" a1
run delete-again 1 "$S" delete "$db" a1
run get-deleted 1 "$S" get "$db" a1
run search-after-delete 0 "$S" search "$db" "bread dough" -k 5 --json
grep -q '"id": "a1"' "$tmp/out" && fail "a deleted document was returned"
run check 0 "$S" check "$db"
has out "^ok"

# Plain text: one document per line, ids are line numbers.
printf 'first line\nsecond line about stars\n' >"$tmp/t.txt"
run text-create 0 "$S" create "$db" --collection lines
run text-import 0 "$S" import "$db" "$tmp/t.txt" --format text --collection lines
run text-get 0 "$S" get "$db" 2 --collection lines
has out "second line about stars"

# copy: a compacted hot backup that checks and answers like the source;
# never over an existing file.
run copy 0 "$S" copy "$db" "$tmp/c.semlite" --json
has out '"bytes_after": [1-9]'
# packed NAME FILE: FILE has no free pages, checks, and answers as $db did
packed() {
	run "$1-stats" 0 "$S" stats "$2" --json
	has out '"free_bytes": 0'
	run "$1-check" 0 "$S" check "$2"
	has out "^ok"
	run "$1-get" 0 "$S" get "$2" 2 --collection lines
	has out "second line about stars"
}
packed copy "$tmp/c.semlite"
run copy-again 1 "$S" copy "$db" "$tmp/c.semlite"
has err "in the way"
run copy-usage 2 "$S" copy "$db"

# vacuum: the file rewritten in place, packed; it checks and answers as
# before. A bulk import (the file grew by a quarter) vacuums by itself.
run vacuum 0 "$S" vacuum "$db" --json
has out '"bytes_after": [1-9]'
before=$(sed 's/.*"bytes_before": \([0-9]*\).*/\1/' "$tmp/out")
after=$(sed 's/.*"bytes_after": \([0-9]*\).*/\1/' "$tmp/out")
[ "$after" -lt "$before" ] || fail "vacuum: $before -> $after bytes"
packed vacuum "$db"
run vacuum-missing 1 "$S" vacuum "$tmp/nope.semlite"
has err "nope.semlite"
run vacuum-usage 2 "$S" vacuum
i=0
while [ $i -lt 3000 ]; do
	echo "line $i of a bulk load about topic $((i % 13)) and more words"
	i=$((i + 1))
done >"$tmp/bulk.txt"
run bulk-create 0 "$S" create "$tmp/b.semlite"
run bulk-import 0 "$S" import "$tmp/b.semlite" "$tmp/bulk.txt" --batch 500
has err "vacuumed .*b.semlite: [0-9]* -> [0-9]* bytes"
has err "default search breadth: ef [0-9]"
run bulk-stats 0 "$S" stats "$tmp/b.semlite" --json
has out '"free_bytes": 0'
run bulk-search 0 "$S" search "$tmp/b.semlite" "line 17 of a bulk load" -k 1 --json
has out '"id": "18"'
# tune: the default ef for a recall target; a higher target, no lower ef
run tune 0 "$S" tune "$tmp/b.semlite" --json
has out '"ef": [0-9]'
ef1=$(sed 's/.*"ef": \([0-9]*\).*/\1/' "$tmp/out")
run tune-high 0 "$S" tune "$tmp/b.semlite" --target 0.999 --json
ef2=$(sed 's/.*"ef": \([0-9]*\).*/\1/' "$tmp/out")
[ "$ef2" -ge "$ef1" ] || fail "tune: target 0.999 gave ef $ef2 < $ef1"
run tune-bad 2 "$S" tune "$tmp/b.semlite" --target 1.5
run tune-check 0 "$S" check "$tmp/b.semlite"
has out "^ok"
run tune-stats 0 "$S" stats "$tmp/b.semlite" --json
has out "\"search_ef\": $ef2, \"tuned_ef\": $ef2, \"tuned_documents\": 3000"
# A small collection beside the big one: its imports are not bulk loads
# (the file barely grows); the one that doubles what the tune measured on
# tunes again, and in between the default ef widens with the growth.
# jsonl: a text file's ids are its line numbers, which would repeat
gdocs() { # FROM TO: lines of bulk.txt as documents g<line>
	sed -n "$1,$2p" "$tmp/bulk.txt" |
		awk -v n="$1" '{printf "{\"_id\": \"g%d\", \"text\": \"%s\"}\n", n++, $0}'
}
gdocs 1 40 >"$tmp/g1.jsonl"
gdocs 41 80 >"$tmp/g2.jsonl"
gdocs 81 90 >"$tmp/g3.jsonl"
run grow-create 0 "$S" create "$tmp/b.semlite" --collection g
run grow-import1 0 "$S" import "$tmp/b.semlite" "$tmp/g1.jsonl" --collection g
grep -q "search breadth" "$tmp/err" && fail "grow-import1 tuned: $(cat "$tmp/err")"
run grow-stats1 0 "$S" stats "$tmp/b.semlite"
has out "search breadth: ef 64 (not measured"
run grow-tune 0 "$S" tune "$tmp/b.semlite" --collection g
run grow-import2 0 "$S" import "$tmp/b.semlite" "$tmp/g2.jsonl" --collection g
has err "default search breadth: ef [0-9]"
run grow-stats2 0 "$S" stats "$tmp/b.semlite" --json
has out '"tuned_documents": 80}'
run grow-import3 0 "$S" import "$tmp/b.semlite" "$tmp/g3.jsonl" --collection g
grep -q "search breadth" "$tmp/err" && fail "grow-import3 tuned: $(cat "$tmp/err")"
run grow-stats3 0 "$S" stats "$tmp/b.semlite"
has out "widened for the growth since"
# never measured: an import that leaves 1,000 documents measures it
gdocs 1 1000 >"$tmp/h.jsonl"
run grow-create-h 0 "$S" create "$tmp/b.semlite" --collection h
run grow-import-h 0 "$S" import "$tmp/b.semlite" "$tmp/h.jsonl" --collection h --no-vacuum
has err "default search breadth: ef [0-9]"
run novac-create 0 "$S" create "$tmp/n.semlite"
run novac-import 0 "$S" import "$tmp/n.semlite" "$tmp/bulk.txt" --batch 500 --no-vacuum
grep -q vacuum "$tmp/err" && fail "--no-vacuum vacuumed: $(cat "$tmp/err")"
run novac-stats 0 "$S" stats "$tmp/n.semlite" --json
grep -q '"free_bytes": 0,' "$tmp/out" && fail "--no-vacuum left no free pages"

run nodb 1 "$S" search "$tmp/nope.semlite" hello
has err "nope.semlite"
printf 'not a database' >"$tmp/junk.semlite"
run junk 1 "$S" stats "$tmp/junk.semlite"

[ "$fails" -eq 0 ] || { echo "$fails checks failed"; exit 1; }
echo "cli_db: all checks passed"
