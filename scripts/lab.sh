#!/usr/bin/env bash
# keyway's main job: the seed's two-router lab on this machine (two keyway
# routers in network namespaces, the two-CA PKI, the seed's R1/R2
# configurations), from a fresh Debian 12 machine. Installs what is missing,
# builds the release configuration, and runs tests/lab/seed_lab.py with any
# arguments given here:
#   bash scripts/lab.sh                                  # IKEv1, R1 initiates (works)
#   bash scripts/lab.sh --initiator R2                   # IKEv1, R2 initiates (fails, as in the seed)
#   bash scripts/lab.sh --scenario ikev1-multi-cert-reenrolled --initiator R2
#   bash scripts/lab.sh --list                           # every scenario
#   bash scripts/lab.sh --all                            # all of them, one after the other
# Needs root for the namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh release >/dev/null
exec /usr/bin/python3 tests/lab/seed_lab.py ./build/control/cli/keyway "$@"
