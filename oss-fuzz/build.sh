#!/bin/bash -eu
# SPDX-License-Identifier: MIT
# Switchyard's fuzz build for OSS-Fuzz and ClusterFuzzLite (run as `bash -eux $SRC/build.sh`).
#
# Input, all from the builder image's environment: $CC $CXX $CFLAGS $CXXFLAGS $LIB_FUZZING_ENGINE
# $SRC $WORK $OUT $SANITIZER $FUZZING_ENGINE. Nothing here hard-codes /src, /work or /out.
# It drives the Makefile (`make fuzzers`, mk/fuzz.mk), which puts into $OUT, for every target:
#   fuzz_<name>                    linked with $CXX $CXXFLAGS ... $LIB_FUZZING_ENGINE
#   fuzz_<name>_seed_corpus.zip    flat zip of the seeds fuzzers/seeds.py derives from corpus/
#   fuzz_<name>.dict / .options    from fuzzers/
# This script only chooses llhttp and libcrypto for the builder image.
#
# Sources: the repository at $SRC/switchyard (SY_DIR overrides), llhttp from a release checkout at
# $SRC/llhttp (src/*.c, include/llhttp.h; LLHTTP_DIR overrides; without one, Debian's node-llhttp
# paths), and the image's static libcrypto.a (libssl-dev), which MSan builds do not use.
# oss-fuzz/emulator/check.py runs this script with each OSS-Fuzz environment and checks $OUT the way
# OSS-Fuzz's check_build does (`make oss-fuzz-check`; docs/oss-fuzz.md).

SY_DIR="${SY_DIR:-$SRC/switchyard}"
cd "$SY_DIR"
JOBS="${JOBS:-$(nproc)}"
B="$WORK/switchyard-$FUZZING_ENGINE-$SANITIZER"
rm -rf "$B"
mkdir -p "$B" "$OUT"

# ---- llhttp ----
if [ -z "${LLHTTP_DIR:-}" ] && [ -f "$SRC/llhttp/include/llhttp.h" ]; then
  LLHTTP_DIR="$SRC/llhttp"
fi
if [ -n "${LLHTTP_DIR:-}" ]; then
  LLHTTP_SRC="$LLHTTP_DIR/src"
  LLHTTP_INC="$LLHTTP_DIR/include"
else
  LLHTTP_SRC=/usr/share/llhttp
  LLHTTP_INC=/usr/share/include/llhttp
fi
test -f "$LLHTTP_SRC/llhttp.c" -a -f "$LLHTTP_INC/llhttp.h"

# ---- libcrypto: static, so the runner image needs no OpenSSL. The image's libcrypto.a is not
# instrumented, which ASan, UBSan and AFL tolerate (they only miss bugs inside OpenSSL). MSan does
# not (false reports inside OpenSSL's config loading), so MSan builds link no libcrypto at all:
# mk/fuzz.mk links oss-fuzz/msan/crypto_shim.c, compiled with these $CFLAGS, instead. ----
LIBCRYPTO_A="$($CC -print-file-name=libcrypto.a)"
case "$LIBCRYPTO_A" in
  /*) ;;
  *) echo "build.sh: no static libcrypto.a (install libssl-dev)" >&2; exit 1 ;;
esac
CRYPTO_LINK=("$LIBCRYPTO_A" -ldl -pthread)
# ---- the h2c and TLS sessions (reference_server/h2c.c, tls.c): the image's static libnghttp2.a
# (libnghttp2-dev) and libssl.a, not instrumented either; MSan builds compile the sessions out
# (-DSY_NO_SESSIONS, mk/fuzz.mk) and link neither. ----
SESSION_LINK=()
for lib in libnghttp2.a libssl.a; do
  a="$($CC -print-file-name=$lib)"
  case "$a" in
    /*) SESSION_LINK+=("$a") ;;
    *) if [ "$SANITIZER" != memory ]; then
         echo "build.sh: no static $lib (install libnghttp2-dev and libssl-dev)" >&2; exit 1
       fi ;;
  esac
done

# ---- Python for fuzzers/seeds.py: it needs tomllib (3.11+). Ubuntu 24.04's /usr/bin/python3 has
# it (OSS-Fuzz, base_os_version ubuntu-24-04). ----
PY=""
for p in ${PYTHON:-} /usr/bin/python3 python3 python3.13 python3.12 python3.11; do
  if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import tomllib' 2>/dev/null; then
    PY="$(command -v "$p")"
    break
  fi
done
if [ -z "$PY" ]; then
  # ClusterFuzzLite's base-builder:v1 is Ubuntu 20.04 (Python 3.8): tomli, the library tomllib
  # was taken from, stands in for it (.clusterfuzzlite/Dockerfile pip-installs it).
  for p in ${PYTHON:-} python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import tomli' 2>/dev/null; then
      mkdir -p "$WORK/pyshim"
      printf 'from tomli import *  # noqa: F401,F403\nfrom tomli import TOMLDecodeError, load, loads  # noqa: F401\n' \
        >"$WORK/pyshim/tomllib.py"
      export PYTHONPATH="$WORK/pyshim${PYTHONPATH:+:$PYTHONPATH}"
      PY="$(command -v "$p")"
      break
    fi
  done
fi
if [ -z "$PY" ]; then
  echo "build.sh: fuzzers/seeds.py needs Python >= 3.11 (tomllib) or tomli; none found" >&2
  exit 1
fi

# ---- the fuzz build itself: the Makefile's `fuzzers` target (mk/fuzz.mk) ----
# It compiles the core, llhttp and fuzzers/ with $CC $CFLAGS, links each target with
# $CXX $CXXFLAGS ... $LIB_FUZZING_ENGINE, and puts it with its .dict, .options and
# <target>_seed_corpus.zip (seeds derived from corpus/ by fuzzers/seeds.py) into $OUT.
# Overrides: WARN keeps the project's warnings but not -Werror (a new warning in OSS-Fuzz's newer
# clang must not stop the fuzzing); LDLIBS_CRYPTO is the static libcrypto above (not for MSan);
# build products stay under $WORK; V=1 keeps every command line in the build log (the Makefile is
# quiet by default). SY_FUZZ_TARGETS narrows the target list (local checks only).
MAKE_ARGS=(
  -j"$JOBS" V=1
  CC="$CC" CXX="$CXX" CFLAGS="$CFLAGS" CXXFLAGS="$CXXFLAGS"
  LIB_FUZZING_ENGINE="$LIB_FUZZING_ENGINE" OUT="$OUT"
  LLHTTP_SRC="$LLHTTP_SRC" LLHTTP_INC="$LLHTTP_INC"
  PYTHON="$PY"
  WARN="-Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes"
  FUZZ_ROOT="$B" FUZZ_OSS_DIR="$B/fuzz-oss"
)
# MSan: no LDLIBS_CRYPTO, so mk/fuzz.mk compiles and links the shim (it keeps a libcrypto given on
# the command line as is, which under MSan would be the uninstrumented one).
if [ "$SANITIZER" != memory ]; then
  MAKE_ARGS+=(LDLIBS_CRYPTO="${CRYPTO_LINK[*]}" LDLIBS_SESSIONS="${SESSION_LINK[*]}")
fi
if [ -n "${SY_FUZZ_TARGETS:-}" ]; then
  MAKE_ARGS+=(FUZZ_TARGETS="$SY_FUZZ_TARGETS")
fi
make -C "$SY_DIR" "${MAKE_ARGS[@]}" fuzzers
