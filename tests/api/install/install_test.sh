#!/bin/sh
# usage: install_test.sh BUILD_DIR HELLO_C CC [EXTRA_CFLAGS] — see CMakeLists.txt.
set -eu
build=$1 src=$2 cc=$3 extra=${4:-}
command -v pkg-config >/dev/null || { echo "skip: no pkg-config"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/usr" >/dev/null
pc=$(find "$tmp/usr" -name semlite.pc)
[ -n "$pc" ] || { echo "FAIL: semlite.pc not installed"; exit 1; }
export PKG_CONFIG_PATH=$(dirname "$pc")
libdir=$(pkg-config --variable=libdir semlite)
# shellcheck disable=SC2046
"$cc" -std=c11 -Wall -Wextra -Werror $extra "$src" $(pkg-config --cflags --libs semlite) \
	-Wl,-rpath,"$libdir" -o "$tmp/hello_shared"
# shellcheck disable=SC2046
"$cc" -std=c11 -Wall -Wextra -Werror $extra "$src" $(pkg-config --cflags semlite) \
	"$libdir/libsemlite.a" $(pkg-config --libs --static semlite | sed 's/-lsemlite//') \
	-o "$tmp/hello_static"
for v in shared static; do
	out=$("$tmp/hello_$v" "$tmp/$v.semlite")
	echo "$v: $out"
	echo "$out" | head -n 1 | grep -q ' stars$' || { echo "FAIL: $v build ranks stars below first"; exit 1; }
done
