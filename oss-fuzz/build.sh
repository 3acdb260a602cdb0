#!/bin/bash -eu
# SPDX-License-Identifier: MIT
# Switchyard's fuzz build for OSS-Fuzz and ClusterFuzzLite (run as `bash -eux $SRC/build.sh`).
#
# Input, all from the builder image's environment: $CC $CXX $CFLAGS $CXXFLAGS $LIB_FUZZING_ENGINE
# $SRC $WORK $OUT $SANITIZER $FUZZING_ENGINE. Nothing here hard-codes /src, /work or /out.
# Output in $OUT, for every fuzzers/fuzz_<name>.c:
#   fuzz_<name>                    the target, linked with $CXX (the engine may be a C++ archive)
#   fuzz_<name>_seed_corpus.zip    flat zip of the seeds from corpus/
#   fuzz_<name>.dict / .options    copied from fuzzers/ when present
#
# Sources: the repository at $SRC/switchyard (SY_DIR overrides), llhttp from a release checkout at
# $SRC/llhttp (src/*.c, include/llhttp.h; LLHTTP_DIR overrides; without one, Debian's node-llhttp
# paths), libcrypto:
#   address, undefined, AFL   the builder's static libcrypto.a (libssl-dev): uninstrumented, which
#                             ASan/UBSan/AFL tolerate (they only miss bugs inside OpenSSL)
#   memory                    MSan must see every write, so libcrypto is built here from the
#                             OpenSSL tree at $SRC/openssl (OPENSSL_SRC overrides) with $CC and the
#                             sanitizer flags, no-asm; without a tree (the local emulation),
#                             oss-fuzz/msan/crypto_shim.c stands in for the few functions used.
# scripts/oss_fuzz_check.py runs this script with each OSS-Fuzz environment and checks $OUT the way
# OSS-Fuzz's check_build does (`make oss-fuzz-check`; docs/oss-fuzz.md).

SY_DIR="${SY_DIR:-$SRC/switchyard}"
cd "$SY_DIR"
JOBS="${JOBS:-$(nproc)}"
B="$WORK/switchyard-$FUZZING_ENGINE-$SANITIZER"
rm -rf "$B"
mkdir -p "$B/core" "$B/llhttp" "$B/fuzz" "$B/seeds" "$OUT"

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

# ---- libcrypto ----
CRYPTO_INC=()
CRYPTO_LINK=()
OPENSSL_SRC="${OPENSSL_SRC:-$SRC/openssl}"
if [ "$SANITIZER" = memory ]; then
  if [ -f "$OPENSSL_SRC/Configure" ]; then
    # Instrumented with the sanitizer but not with coverage: the fuzzer's feedback stays on our code.
    OSSL_CFLAGS="${CFLAGS//-fsanitize=fuzzer-no-link/}"
    OSSL_B="$WORK/openssl-$SANITIZER"
    STAMP="$OSSL_B/.switchyard-stamp"
    WANT="$CC $OSSL_CFLAGS $(cd "$OPENSSL_SRC" && git rev-parse HEAD 2>/dev/null || cat VERSION.dat 2>/dev/null || true)"
    if [ ! -f "$OSSL_B/libcrypto.a" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]; then
      rm -rf "$OSSL_B"
      mkdir -p "$OSSL_B"
      (cd "$OSSL_B" && CC="$CC" CFLAGS="$OSSL_CFLAGS" "$OPENSSL_SRC/Configure" linux-x86_64 \
        no-shared no-asm no-tests no-module no-dso no-engine no-threads \
        && make -j"$JOBS" build_generated >/dev/null && make -j"$JOBS" libcrypto.a >/dev/null)
      printf '%s' "$WANT" >"$STAMP"
    fi
    CRYPTO_INC=(-I"$OSSL_B/include" -I"$OPENSSL_SRC/include")
    CRYPTO_LINK=("$OSSL_B/libcrypto.a" -ldl -pthread)
  else
    echo "build.sh: no OpenSSL tree at $OPENSSL_SRC: MSan build uses oss-fuzz/msan/crypto_shim.c" >&2
    $CC $CFLAGS -std=c11 -c oss-fuzz/msan/crypto_shim.c -o "$B/crypto_shim.o"
    CRYPTO_LINK=("$B/crypto_shim.o")
  fi
else
  LIBCRYPTO_A="$($CC -print-file-name=libcrypto.a)"
  case "$LIBCRYPTO_A" in
    /*) ;;
    *) echo "build.sh: no static libcrypto.a (install libssl-dev)" >&2; exit 1 ;;
  esac
  CRYPTO_LINK=("$LIBCRYPTO_A" -ldl -pthread)
fi

# ---- compile: llhttp, the core, the shared fuzz support, the targets ($CC $CFLAGS throughout) ----
CORE="lists reasons request policy decide render wsaccept wsframe conn"
INC=(-Ireference_server -Ifuzzers -I"$LLHTTP_INC" ${CRYPTO_INC[@]+"${CRYPTO_INC[@]}"})
TARGETS=()
for f in fuzzers/fuzz_*.c; do
  t="$(basename "$f" .c)"
  # SY_FUZZ_TARGETS (space-separated) narrows the build, for quick local checks only.
  if [ -n "${SY_FUZZ_TARGETS:-}" ] && [[ " $SY_FUZZ_TARGETS " != *" $t "* ]]; then
    continue
  fi
  TARGETS+=("$t")
done
[ ${#TARGETS[@]} -gt 0 ]
# Support files linked into every target: the other fuzzers/*.c, except drivers with their own
# main() (replay) and the msan_* wrappers (this build gives MSan an instrumented libcrypto or the
# shim above instead of wrapping the uninstrumented one).
SUPPORT=()
for f in fuzzers/*.c; do
  case "$(basename "$f")" in fuzz_* | msan_*) continue ;; esac
  grep -Eq '^(int|static int)[[:space:]]+main[[:space:]]*\(' "$f" && continue
  SUPPORT+=("$(basename "$f" .c)")
done

{
  for f in api http llhttp; do
    printf '%s\0' "$CC $CFLAGS -std=c99 -w -I$LLHTTP_INC -c $LLHTTP_SRC/$f.c -o $B/llhttp/$f.o"
  done
  for f in $CORE; do
    printf '%s\0' "$CC $CFLAGS -std=c11 -D_GNU_SOURCE ${INC[*]} -c reference_server/$f.c -o $B/core/$f.o"
  done
  for f in ${SUPPORT[@]+"${SUPPORT[@]}"} "${TARGETS[@]}"; do
    printf '%s\0' "$CC $CFLAGS -std=c11 -D_GNU_SOURCE ${INC[*]} -c fuzzers/$f.c -o $B/fuzz/$f.o"
  done
} | xargs -0 -P "$JOBS" -I{} sh -c '{}'

LIB_OBJS=("$B"/core/*.o "$B"/llhttp/*.o)
for s in ${SUPPORT[@]+"${SUPPORT[@]}"}; do
  LIB_OBJS+=("$B/fuzz/$s.o")
done

# ---- link and package ----
for t in "${TARGETS[@]}"; do
  case "$t" in *[!A-Za-z0-9_-]*) echo "build.sh: bad target name $t" >&2; exit 1 ;; esac
  $CXX $CXXFLAGS "$B/fuzz/$t.o" "${LIB_OBJS[@]}" "${CRYPTO_LINK[@]}" $LIB_FUZZING_ENGINE -o "$OUT/$t"
  for ext in dict options; do
    if [ -f "fuzzers/$t.$ext" ]; then
      cp "fuzzers/$t.$ext" "$OUT/$t.$ext"
    fi
  done
  # Seeds: every corpus/<topic>/<case>.http, renamed <topic>_<case>.http so the zip stays flat.
  rm -rf "$B/seeds/$t"
  mkdir -p "$B/seeds/$t"
  for f in corpus/*/*.http; do
    topic="$(basename "$(dirname "$f")")"
    cp "$f" "$B/seeds/$t/${topic}_$(basename "$f")"
  done
  rm -f "$OUT/${t}_seed_corpus.zip"
  (cd "$B/seeds/$t" && zip -q -X -j "$OUT/${t}_seed_corpus.zip" ./*)
done
