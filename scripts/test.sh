#!/usr/bin/env bash
# Installs, builds and runs every test tier (unit, progs, lab). Needs root: the progs and lab
# tiers load BPF programs and build network namespaces, and fail (never skip) without it.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/build.sh || exit 1

# A lab left by a killed earlier run would only get in the way; ours are named xkt<pid>-*,
# and their pins sit under /sys/fs/bpf/xdpkit/<netns>.
for ns in $(ip netns list 2>/dev/null | awk '$1 ~ /^xkt[0-9]+-/ {print $1}'); do
  ip netns del "$ns" 2>/dev/null || true
done
rm -rf /sys/fs/bpf/xdpkit/xkt[0-9]*-* 2>/dev/null || true

meson test -C build --print-errorlogs --num-processes 1 "$@"
status=$?
python3 scripts/test_summary.py build/meson-logs/testlog.junit.xml "$status"
exit "$status"
