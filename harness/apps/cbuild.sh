#!/bin/sh
# Compiles one small C (or C++: *.cpp) app of harness/apps/ when its source is newer than the
# binary (a restart does not compile again), then runs it in its place: cbuild.sh SRC BIN "LIBS"
# ARGS..., where LIBS is a list of -l flags and pkg-config module names; without ARGS it only
# builds.
# The binary is written under a temporary name and renamed, so two runs never see half a file.
set -e
src=$1 bin=$2 libs=$3 flags=
shift 3
if [ ! "$bin" -nt "$src" ]; then
  mkdir -p "$(dirname "$bin")"
  for w in $libs; do
    case $w in -*) flags="$flags $w" ;; *) flags="$flags $(pkg-config --cflags --libs "$w")" ;; esac
  done
  # shellcheck disable=SC2086 # flags is a list of words
  case $src in
    *.cpp) c++ -std=c++17 -O1 -Wall -pthread -fPIC -o "$bin.tmp.$$" "$src" $flags ;;
    *) cc -std=c11 -D_GNU_SOURCE -O2 -Wall -o "$bin.tmp.$$" "$src" $flags ;;
  esac
  mv -f "$bin.tmp.$$" "$bin"
fi
[ $# -eq 0 ] || exec "$bin" "$@"
