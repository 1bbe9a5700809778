#!/usr/bin/env bash
# Installs every Debian package xdpkit's build, tests and lab need (DESIGN.md, "Dependencies").
# Idempotent: packages already present are left alone, and apt is not touched at all then.
set -euo pipefail

packages=(
  # BPF toolchain: clang >= 15 keeps btf_type_tag (kptrs for the crypto kfuncs); we pin 19.
  clang-19 llvm-19 bpftool libbpf-dev libxdp-dev libelf-dev zlib1g-dev
  # C++ build and libraries
  g++ meson ninja-build pkg-config libcli11-dev libfmt-dev nlohmann-json3-dev libgtest-dev
  libnl-3-dev libnl-route-3-dev libnl-genl-3-dev libpcap-dev
  # software crypto backends
  libssl-dev libipsec-mb-dev
  # the lab and the tests' independent packet implementation
  iproute2 iputils-ping ethtool tcpdump python3-scapy util-linux
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#packages[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "deps: missing ${missing[*]}; run as root to install them" >&2
  exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: installed ${#missing[@]} packages"
