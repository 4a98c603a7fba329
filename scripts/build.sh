#!/usr/bin/env bash
# Configures and builds keyway. Usage: scripts/build.sh [release|asan]
#   release: build/       -O3, warnings are errors (what CI and the benchmark use)
#   asan:    build-asan/  AddressSanitizer + UndefinedBehaviorSanitizer, -O1
set -euo pipefail
cd "$(dirname "$0")/.."

kind=${1:-release}
case "$kind" in
  release) dir=build; opts=(--buildtype=release --werror) ;;
  asan) dir=build-asan; opts=(--buildtype=debug -Doptimization=1 -Db_sanitize=address,undefined
                              -Db_lundef=false --werror) ;;
  *) echo "usage: $0 [release|asan]" >&2; exit 2 ;;
esac

if [ -f "$dir/build.ninja" ]; then
  meson configure "$dir" "${opts[@]}" >/dev/null
else
  meson setup "$dir" "${opts[@]}"
fi
ninja -C "$dir"
