#!/usr/bin/env bash
# Configures and builds keyway. Usage: scripts/build.sh [release|asan|fuzz]
#   release: build/       -O3, warnings are errors (what CI and the benchmark use)
#   asan:    build-asan/  AddressSanitizer + UndefinedBehaviorSanitizer, -O1
#   fuzz:    build-fuzz/  clang, libFuzzer targets only, with ASan + UBSan
set -euo pipefail
cd "$(dirname "$0")/.."

kind=${1:-release}
case "$kind" in
  release) dir=build; opts=(--buildtype=release --werror) ;;
  asan) dir=build-asan; opts=(--buildtype=debug -Doptimization=1 -Db_sanitize=address,undefined
                              -Db_lundef=false --werror) ;;
  fuzz) dir=build-fuzz; opts=(--buildtype=debug -Doptimization=1 -Dfuzz=true
                              -Db_sanitize=address,undefined -Db_lundef=false)
        export CXX=clang++ ;;
  *) echo "usage: $0 [release|asan|fuzz]" >&2; exit 2 ;;
esac

if [ -f "$dir/build.ninja" ]; then
  meson configure "$dir" "${opts[@]}" >/dev/null
else
  meson setup "$dir" "${opts[@]}"
fi
if [ "$kind" = fuzz ]; then
  # Only the fuzz targets: the rest is covered by the other two builds.
  ninja -C "$dir" tests/fuzz/fuzz_config tests/pki/fuzz_pki tests/ike/fuzz_ikev2 tests/ikev1/fuzz_isakmp
else
  ninja -C "$dir"
fi
