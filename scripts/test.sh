#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs what is
# missing, builds the release and the sanitizer configuration, runs every
# test in the release build, the unit, config and pki tests under ASan+UBSan,
# and bounded libFuzzer runs of the configuration and PKI parsers.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh || exit 1
bash scripts/build.sh release || exit 1
bash scripts/build.sh asan || exit 1
bash scripts/build.sh fuzz || exit 1

status=0
meson test -C build --print-errorlogs --num-processes 2 || status=1
# DPDK's EAL keeps allocations until exit by design; leak reports from it
# would drown real ones, so the sanitizer run checks memory errors and UB.
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  meson test -C build-asan --suite unit --suite config --suite pki --print-errorlogs --num-processes 2 || status=1
# Bounded, deterministic libFuzzer runs (fixed seed and run count) over the
# parsers that read user text and network bytes.
ASAN_OPTIONS=detect_leaks=0 meson test -C build-fuzz --suite fuzz --suite fuzz-ikev2 --suite fuzz-ikev1 --no-rebuild --print-errorlogs \
  --num-processes 2 || status=1

# One closing line for whoever reads the log: totals over both runs.
/usr/bin/python3 - <<'PY'
import json, pathlib
passed = failed = skipped = 0
for d in ("build", "build-asan", "build-fuzz"):
    log = pathlib.Path(d, "meson-logs", "testlog.json")
    if not log.exists():
        continue
    for line in log.read_text().splitlines():
        r = json.loads(line).get("result")
        # EXPECTEDFAIL is a test that must fail (e.g. a file that has to be
        # rejected) and did: a pass.
        if r in ("OK", "EXPECTEDFAIL"): passed += 1
        elif r in ("SKIP",): skipped += 1
        else: failed += 1
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
PY
exit $status
