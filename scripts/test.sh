#!/usr/bin/env bash
# Installs, builds and runs every test tier (unit, progs, lab). Needs root: the progs and lab
# tiers load BPF programs and build network namespaces, and fail (never skip) without it.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/build.sh || exit 1

# A lab left by a killed earlier run would only get in the way. Ours are named xkt<pid>-*
# (tests) and xkb<pid>-* (bench),
# with their pins under /sys/fs/bpf/xdpkit/<netns>; a lab whose test process still runs (a
# second test run alongside) is left alone.
labs=$( (ip netns list 2>/dev/null | awk '{print $1}'; ls /sys/fs/bpf/xdpkit 2>/dev/null) |
  grep -E '^xk[tb][0-9]+-' | sort -u)
for ns in $labs; do
  pid=${ns#xk?}; pid=${pid%%-*}
  [ -d "/proc/$pid" ] && continue
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "/sys/fs/bpf/xdpkit/$ns" 2>/dev/null || true
done

meson test -C build --print-errorlogs --num-processes 1 "$@"
status=$?
python3 scripts/test_summary.py build/meson-logs/testlog.junit.xml "$status"
exit "$status"
