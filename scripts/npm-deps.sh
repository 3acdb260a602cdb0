#!/usr/bin/env bash
# Installs the npm packages listed in deps/npm.list into $SY_NPM_PREFIX (default
# /usr/local/lib/switchyard-npm) when any is missing or at another version (idempotent). Scripts
# are not run (--ignore-scripts): the packages listed ship their binaries. Without npm, or when
# the registry cannot be reached, it says so and the adapters that need the packages are skipped
# by the harness (their binary is missing); it never fails `make deps`.
set -uo pipefail
cd "$(dirname "$0")/.."
prefix=${SY_NPM_PREFIX:-/usr/local/lib/switchyard-npm}
mapfile -t wanted < <(sed 's/#.*//' deps/npm.list | tr -s ' \t' '\n' | sed '/^$/d' | sort -u)
missing=()
for spec in "${wanted[@]}"; do
  name=${spec%@*} version=${spec##*@}
  have=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$prefix/node_modules/$name/package.json" \
    2>/dev/null)
  [ "$have" = "$version" ] || missing+=("$spec")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#wanted[@]} npm packages present in $prefix"
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "deps: npm not found: ${missing[*]} not installed (their harness adapters are skipped)" >&2
  exit 0
fi
echo "deps: npm installing ${missing[*]} into $prefix"
mkdir -p "$prefix"
if ! npm install --prefix "$prefix" --ignore-scripts --no-audit --no-fund --no-save \
    "${wanted[@]}"; then
  echo "deps: npm install failed: their harness adapters are skipped" >&2
fi
exit 0
