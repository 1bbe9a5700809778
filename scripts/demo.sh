#!/usr/bin/env bash
# The main job, end to end: install, build, make a lab, attach drop, send traffic, show the
# counters rising, detach, and tear the lab down (always, even on failure or Ctrl-C).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/build.sh
xdpkit=$PWD/build/loader/xdpkit
lab=xkdemo
testenv() { bash testenv/testenv.sh "$@"; }

trap 'testenv teardown --name "$lab" >/dev/null' EXIT
testenv teardown --name "$lab" >/dev/null
testenv setup --name "$lab" --queues 2 >/dev/null

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "lab $lab: veth0 in netns $lab, veth1 in netns $lab-peer"
testenv ping --name "$lab" --count 2

step "xdpkit -n $lab attach drop veth0"
"$xdpkit" -n "$lab" attach drop veth0

for round in 1 2; do
  step "ping again (round $round): every request is dropped by XDP"
  testenv ping --name "$lab" --count 3 && { echo "unexpected: ping went through"; exit 1; }
  step "xdpkit -n $lab status veth0"
  "$xdpkit" -n "$lab" status veth0
done

step "xdpkit -n $lab detach veth0"
"$xdpkit" -n "$lab" detach veth0
testenv ping --name "$lab" --count 2
step "done: the lab is torn down on exit"
