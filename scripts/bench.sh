#!/usr/bin/env bash
# The ESP benchmark on one core (keyway bench), from a fresh
# Debian 12 machine. Installs what is missing, builds the release
# configuration, and runs `keyway bench` with any arguments given here
# (e.g. --json, --size 1420, --transform aes128gcm).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh release >/dev/null
exec ./build/control/cli/keyway bench "$@"
