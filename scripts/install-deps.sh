#!/usr/bin/env bash
# Installs every Debian 12 package keyway, its tests and its benchmark need.
# Idempotent: does nothing (and needs no network) when all are present.
set -euo pipefail

packages=(
  # build
  g++ meson ninja-build pkg-config
  # data plane and crypto
  libdpdk-dev dpdk libipsec-mb-dev libssl-dev libpcap-dev openssl
  # tests; clang for the libFuzzer targets
  libgtest-dev libgmock-dev clang
  # independent implementations the tests check keyway against
  python3 python3-scapy python3-cryptography tshark
  # strongSwan as a real IKE/ESP peer (tests/strongswan): charon itself
  # (strongswan-charon; swanctl does not pull it in), swanctl, the
  # kernel-libipsec plugin (libcharon-extra-plugins), pki
  strongswan-charon strongswan-swanctl libcharon-extra-plugins strongswan-pki
  # network namespaces for labs; traffic, capture and NIC settings in them
  iproute2 iputils-ping iperf3 tcpdump ethtool
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}; run as root (or with sudo)" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# wireshark-common asks whether non-root users may capture; the answer does
# not matter for keyway (tests run tshark on files as root).
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
