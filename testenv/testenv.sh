#!/usr/bin/env bash
# testenv.sh — the veth lab a person uses by hand (docs/testenv.md).
#
# A lab NAME is two network namespaces joined by one veth pair:
#   NAME       (device under test)  veth0  198.18.K.1/24  fc00:dead:cafe:K::1/64
#   NAME-peer  (traffic source)     veth1  198.18.K.2/24  fc00:dead:cafe:K::2/64
# Both ends live in namespaces this script creates, so the root namespace's links,
# routes and firewall are never touched and no frame can leave the machine
# (DESIGN.md, "Network lab rules"). Addresses come only from 198.18.0.0/15 and
# fc00:dead:cafe::/48.
set -euo pipefail

readonly STATE_DIR=/run/xdpkit-testenv
readonly NETNS_DIR=/run/netns
readonly BPFFS_PIN_ROOT=/sys/fs/bpf/xdpkit
readonly DEFAULT_NAME=xklab
readonly IF_DUT_NAME=veth0
readonly IF_PEER_NAME=veth1
# Short enough that "NAME-peer" and per-run prefixes stay readable in `ip netns`;
# letters first so a name never looks like an option or a number.
readonly NAME_RE='^[a-z][a-z0-9-]{0,9}$'
# Prefix of the labs the test suite creates; `teardown --all` sweeps these up after
# killed runs even when no state file was written.
readonly TEST_PREFIX=xk

PROG=$(basename "$0")
readonly PROG
readonly MSG_PREFIX=testenv

usage() {
  cat <<EOF
Usage: $PROG COMMAND [OPTIONS]

A veth lab in two network namespaces: NAME holds veth0 (the device under test),
NAME-peer holds veth1. The root namespace is never touched.

Commands:
  setup    [--name N] [--queues Q] [--mtu M]   create lab N (Q default: nproc, M: 1500)
  teardown [--name N | --all]                  delete lab N, or every lab; idempotent
  status   [--name N]                          list labs; with --name, details of one
  exec     [--name N] [--peer] -- CMD...       run CMD in the DUT (or peer) namespace
  enter    [--name N] [--peer]                 interactive shell in that namespace
  ping     [--name N] [-4|-6] [--count C]      ping the DUT from the peer (default v4+v6, 3)
  tcpdump  [--name N] [--peer] [-- ARGS...]    tcpdump -nei veth0 (veth1 with --peer)
  alias                                        print "alias t='<this script>'" for eval
  help                                         this text

--name defaults to the last lab set up (remembered in $STATE_DIR/current), else $DEFAULT_NAME.
NAME must match $NAME_RE.
Everything but help and alias needs root.
EOF
}

die() { # die STATUS MESSAGE — the one-line error every user-caused failure ends in
  local status=$1
  shift
  echo "$MSG_PREFIX: $*" >&2
  exit "$status"
}

usage_error() { # one line naming the problem, then the usage, exit 2
  echo "$MSG_PREFIX: $*" >&2
  usage >&2
  exit 2
}

need_root() {
  ((EUID == 0)) || die 1 "must run as root (it creates and enters network namespaces); rerun with sudo"
}

validate_name() {
  [[ $1 =~ $NAME_RE ]] || die 2 "invalid lab name '$1': must match $NAME_RE"
}

default_name() {
  local n=""
  [[ -r $STATE_DIR/current ]] && n=$(<"$STATE_DIR/current")
  if [[ $n =~ $NAME_RE ]]; then echo "$n"; else echo "$DEFAULT_NAME"; fi
}

ns_exists() { [[ -e $NETNS_DIR/$1 ]]; }

state_file() { echo "$STATE_DIR/$1.env"; }

# Sets NS_DUT/NS_PEER/IF_DUT/IF_PEER from the name alone, so exec/enter/tcpdump/teardown
# also work on a lab whose state file is gone (e.g. one left behind by a killed test).
derive_names() {
  NS_DUT=$1
  NS_PEER=$1-peer
  IF_DUT=$IF_DUT_NAME
  IF_PEER=$IF_PEER_NAME
}

load_state() { # load_state NAME — sources NAME.env; fails if there is none
  local f
  f=$(state_file "$1")
  [[ -r $f ]] || return 1
  # shellcheck source=/dev/null
  . "$f"
}

require_lab() { # the namespace(s) a command is about to enter must exist
  local ns
  for ns in "$@"; do
    ns_exists "$ns" ||
      die 1 "lab $NAME does not exist (no netns $ns); create it with: $PROG setup --name $NAME"
  done
}

# Serialises setup and teardown so two setups never pick the same index and
# `teardown --all` never races a half-built lab. flock (util-linux, like nsenter)
# releases the lock by itself if we are killed.
take_lock() {
  mkdir -p "$STATE_DIR"
  exec 9>"$STATE_DIR/.lock"
  flock 9
}

# Runs a command inside a namespace. nsenter --net changes only the network namespace;
# `ip netns exec` would also unshare the mount namespace and remount /sys for the new
# netns, which hides /sys/fs/bpf — and xdpkit keeps its pinned links there.
in_ns() { # in_ns NS CMD...
  local ns=$1
  shift
  nsenter --net="$NETNS_DIR/$ns" -- "$@"
}

mac_of() { # mac_of NS IFACE
  local mac
  mac=$(ip -n "$1" -o link show dev "$2" | sed -n 's/.*link\/ether \([0-9a-f:]\{17\}\).*/\1/p')
  [[ -n $mac ]] || return 1
  echo "$mac"
}

list_state_names() {
  local f n
  [[ -d $STATE_DIR ]] || return 0
  for f in "$STATE_DIR"/*.env; do
    [[ -e $f ]] || continue
    n=$(basename "$f" .env)
    [[ $n =~ $NAME_RE ]] && echo "$n"
  done
  return 0
}

list_netns() { # first field only: `ip netns list` appends "(id: N)" to named namespaces with an id
  ip netns list 2>/dev/null | awk '{print $1}'
}

# Labs without a state file that look like ours: NAME starts with the test prefix and
# NAME-peer exists too. Anything else in `ip netns` belongs to someone else.
list_orphan_pairs() {
  local all n
  all=$(list_netns)
  while read -r n; do
    [[ -n $n && $n == "$TEST_PREFIX"* && $n != *-peer ]] || continue
    grep -qxF -- "$n-peer" <<<"$all" || continue
    [[ -e $(state_file "$n") ]] && continue
    echo "$n"
  done <<<"$all"
  return 0
}

pick_index() {
  local used=" " n k idx
  while read -r n; do
    [[ -n $n ]] || continue
    idx=$(sed -n 's/^INDEX=//p' "$(state_file "$n")")
    used+="$idx "
  done < <(list_state_names)
  for ((k = 1; k <= 250; k++)); do
    [[ $used == *" $k "* ]] || {
      echo "$k"
      return 0
    }
  done
  return 1
}

# ---------------------------------------------------------------------------- setup

SETUP_DONE=0
SETUP_NS_CREATED=()

setup_rollback() {
  local rc=$? ns
  ((SETUP_DONE)) && return 0
  for ns in "${SETUP_NS_CREATED[@]}"; do
    ip netns del "$ns" 2>/dev/null || true
  done
  rm -f "$(state_file "$NAME")" "$(state_file "$NAME").tmp"
  echo "$MSG_PREFIX: setup of lab $NAME failed; removed what it had created" >&2
  exit "$((rc ? rc : 1))"
}

step() { # step CMD... — a setup step; on failure say which one (ip's own message precedes it)
  "$@" && return 0
  if [[ $1 == in_ns ]]; then
    die 1 "setup step failed (in netns $2): ${*:3}"
  fi
  die 1 "setup step failed: $*"
}

cmd_setup() {
  local queues=$1 mtu=$2 index

  take_lock
  if [[ -e $(state_file "$NAME") ]] || ns_exists "$NAME" || ns_exists "$NAME-peer"; then
    die 1 "lab $NAME already exists; remove it first with: $PROG teardown --name $NAME"
  fi
  index=$(pick_index) || die 1 "all 250 lab indices are in use; tear some labs down ($PROG status)"

  derive_names "$NAME"
  INDEX=$index
  IP4_DUT=198.18.$INDEX.1
  IP4_PEER=198.18.$INDEX.2
  IP6_DUT=fc00:dead:cafe:$INDEX::1
  IP6_PEER=fc00:dead:cafe:$INDEX::2

  # INT/TERM become an exit so the EXIT trap can undo a half-built lab.
  trap setup_rollback EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  # A pin directory for a namespace that did not exist can only be a leftover of an
  # earlier lab of the same name; its links point at deleted devices.
  local d
  for d in "$BPFFS_PIN_ROOT/$NS_DUT" "$BPFFS_PIN_ROOT/$NS_PEER"; do
    if [[ -e $d ]]; then
      echo "removing stale pins $d"
      rm -rf -- "$d"
    fi
  done

  step ip netns add "$NS_DUT"
  SETUP_NS_CREATED+=("$NS_DUT")
  step ip netns add "$NS_PEER"
  SETUP_NS_CREATED+=("$NS_PEER")
  step ip -n "$NS_DUT" link set lo up
  step ip -n "$NS_PEER" link set lo up
  # Quiet IPv6 on the links made next (the namespaces' own sysctls): no duplicate address
  # detection, no router solicitations, MLD reports at once rather than over seconds — so
  # the counters of a program under test move only with the traffic a person sends.
  local ns
  for ns in "$NS_DUT" "$NS_PEER"; do
    step in_ns "$ns" sysctl -q -w net.ipv6.conf.all.accept_dad=0 \
      net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.router_solicitations=0 \
      net.ipv6.conf.default.router_solicitations=0 \
      net.ipv6.conf.default.mldv1_unsolicited_report_interval=0 \
      net.ipv6.conf.default.mldv2_unsolicited_report_interval=0
  done

  # Created inside the DUT namespace with the peer end placed straight into NAME-peer:
  # the pair never exists, even for a moment, in the root namespace.
  step ip -n "$NS_DUT" link add "$IF_DUT" numtxqueues "$queues" numrxqueues "$queues" \
    type veth peer name "$IF_PEER" netns "$NS_PEER" numtxqueues "$queues" numrxqueues "$queues"
  step ip -n "$NS_DUT" link set dev "$IF_DUT" mtu "$mtu"
  step ip -n "$NS_PEER" link set dev "$IF_PEER" mtu "$mtu"

  # veth peer-NAPI rule (drivers/net/veth.c, veth_xdp_xmit): a frame XDP sends into a
  # veth is queued on the *other* end's NAPI ring, which exists only while that end has
  # an XDP program or GRO on; otherwise it is dropped, silently. GRO on veth1 makes
  # redirects into veth0 reach the peer, GRO on veth0 the same the other way round.
  # XDP_TX is stricter: after it veth kicks the receiving NAPI only if the receiver has
  # an XDP program (veth_xdp_flush), so with GRO alone the DUT's XDP_TX frames are
  # accepted but wait in veth1's ring — hence the hint to attach a program to veth1.
  step in_ns "$NS_DUT" ethtool -K "$IF_DUT" gro on
  step in_ns "$NS_PEER" ethtool -K "$IF_PEER" gro on

  # nodad: the addresses are usable at once instead of "tentative" for a second or two.
  step ip -n "$NS_DUT" addr add "$IP4_DUT/24" dev "$IF_DUT"
  step ip -n "$NS_DUT" addr add "$IP6_DUT/64" dev "$IF_DUT" nodad
  step ip -n "$NS_PEER" addr add "$IP4_PEER/24" dev "$IF_PEER"
  step ip -n "$NS_PEER" addr add "$IP6_PEER/64" dev "$IF_PEER" nodad

  MAC_DUT=$(mac_of "$NS_DUT" "$IF_DUT") || die 1 "cannot read the MAC address of $IF_DUT"
  MAC_PEER=$(mac_of "$NS_PEER" "$IF_PEER") || die 1 "cannot read the MAC address of $IF_PEER"

  # Permanent neighbours: a program under test that drops or rewrites ARP/ND would
  # otherwise break the ping that is supposed to show what it does to IP traffic.
  step ip -n "$NS_DUT" neigh add "$IP4_PEER" lladdr "$MAC_PEER" dev "$IF_DUT" nud permanent
  step ip -n "$NS_DUT" neigh add "$IP6_PEER" lladdr "$MAC_PEER" dev "$IF_DUT" nud permanent
  step ip -n "$NS_PEER" neigh add "$IP4_DUT" lladdr "$MAC_DUT" dev "$IF_PEER" nud permanent
  step ip -n "$NS_PEER" neigh add "$IP6_DUT" lladdr "$MAC_DUT" dev "$IF_PEER" nud permanent

  step ip -n "$NS_DUT" link set dev "$IF_DUT" up
  step ip -n "$NS_PEER" link set dev "$IF_PEER" up

  local f
  f=$(state_file "$NAME")
  {
    local v
    for v in NAME INDEX NS_DUT NS_PEER IF_DUT IF_PEER MAC_DUT MAC_PEER \
      IP4_DUT IP4_PEER IP6_DUT IP6_PEER; do
      printf '%s=%q\n' "$v" "${!v}"
    done
  } >"$f.tmp"
  mv -f -- "$f.tmp" "$f"
  echo "$NAME" >"$STATE_DIR/current.tmp"
  mv -f -- "$STATE_DIR/current.tmp" "$STATE_DIR/current"

  SETUP_DONE=1
  trap - EXIT INT TERM

  echo "lab $NAME is up (index $INDEX, $queues queues, mtu $mtu, GRO on both ends, static neighbours)"
  printf '  %-4s  netns %-16s %-6s %s  %-15s %s\n' \
    DUT "$NS_DUT" "$IF_DUT" "$MAC_DUT" "$IP4_DUT/24" "$IP6_DUT/64" \
    peer "$NS_PEER" "$IF_PEER" "$MAC_PEER" "$IP4_PEER/24" "$IP6_PEER/64"
  echo "next:"
  echo "  xdpkit -n $NS_DUT attach drop $IF_DUT"
  echo "  $PROG ping --name $NAME"
  echo "  xdpkit -n $NS_DUT status"
  echo "  $PROG teardown --name $NAME"
  echo "for XDP_TX on $IF_DUT, also attach a program to $IF_PEER: xdpkit -n $NS_PEER attach pass $IF_PEER"
}

# ------------------------------------------------------------------------- teardown

# teardown_one NAME — prints what it did; returns 1 if there was nothing to remove
teardown_one() {
  local n=$1 found=0 ns pids d
  for ns in "$n" "$n-peer"; do
    ns_exists "$ns" || continue
    found=1
    # Deleting the name does not free a namespace a process is still in (a shell from
    # `enter`, a tcpdump): its veth lives on until they exit. Say so; killing them is
    # the user's call.
    pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
    ip netns del "$ns" || die 1 "cannot delete netns $ns"
    [[ -z ${pids// /} ]] ||
      echo "$MSG_PREFIX: note: processes still in netns $ns keep its veth alive until they exit: $pids" >&2
  done
  for d in "$BPFFS_PIN_ROOT/$n" "$BPFFS_PIN_ROOT/$n-peer"; do
    [[ -e $d ]] || continue
    found=1
    rm -rf -- "$d"
  done
  if [[ -e $(state_file "$n") ]]; then
    found=1
    rm -f -- "$(state_file "$n")"
  fi
  ((found)) || return 1
  echo "lab $n removed"
}

cmd_teardown() {
  local all=$1 n names

  take_lock
  if ((!all)); then
    teardown_one "$NAME" || echo "$MSG_PREFIX: lab $NAME does not exist, nothing to do"
    return 0
  fi

  names=$( (list_state_names; list_orphan_pairs) | sort -u)
  if [[ -z $names ]]; then
    echo "$MSG_PREFIX: no labs to tear down"
  else
    while read -r n; do
      teardown_one "$n" || true
    done <<<"$names"
  fi
  # .lock stays: deleting a lock file others may be waiting on would let two holders in.
  rm -f -- "$STATE_DIR/current"
}

# --------------------------------------------------------------------------- status

yes_no() { if ns_exists "$1"; then echo yes; else echo no; fi; }

cmd_status_all() {
  local n cur idx any=0
  cur=$(default_name)
  while read -r n; do
    [[ -n $n ]] || continue
    any=1
    idx=$(sed -n 's/^INDEX=//p' "$(state_file "$n")")
    printf '%s %-10s index %-3s netns %s: %-3s  netns %s: %s\n' \
      "$([[ $n == "$cur" ]] && echo '*' || echo ' ')" "$n" "$idx" \
      "$n" "$(yes_no "$n")" "$n-peer" "$(yes_no "$n-peer")"
  done < <(list_state_names)
  while read -r n; do
    [[ -n $n ]] || continue
    any=1
    if [[ $n =~ $NAME_RE ]]; then
      printf '  %-10s no state file (left by a killed run?); remove with: %s teardown --name %s\n' "$n" "$PROG" "$n"
    else
      printf '  %-10s no state file (left by a killed run?); remove with: %s teardown --all\n' "$n" "$PROG"
    fi
  done < <(list_orphan_pairs)
  ((any)) || echo "no labs; create one with: $PROG setup"
}

show_end() { # show_end ROLE NS IFACE
  local role=$1 ns=$2 ifc=$3 detail
  echo "== $role: netns $ns, $ifc"
  if ! ns_exists "$ns"; then
    echo "   (netns $ns missing)"
    return 0
  fi
  # Deleting either end of a veth deletes both, so one missing namespace leaves the
  # other without its interface.
  if ! ip -n "$ns" link show dev "$ifc" >/dev/null 2>&1; then
    echo "   ($ifc missing)"
    return 0
  fi
  ip -n "$ns" addr show dev "$ifc"
  ip -n "$ns" neigh show dev "$ifc" | sed 's/^/    neigh /'
  # The first line of `ip link` carries "xdp"/"xdpgeneric"/"xdpoffload" when a program
  # is attached; the details (-d) then add "prog/xdp id N name ..." lines.
  detail=$(ip -d -n "$ns" link show dev "$ifc")
  if grep -q ' xdp' <<<"$(head -n1 <<<"$detail")"; then
    grep -E 'xdp|prog/' <<<"$detail" | sed -n '2,$p'
  fi
}

cmd_status_one() {
  derive_names "$NAME"
  if ! ns_exists "$NS_DUT" && ! ns_exists "$NS_PEER" && ! [[ -e $(state_file "$NAME") ]]; then
    die 1 "lab $NAME does not exist; create it with: $PROG setup --name $NAME"
  fi
  if load_state "$NAME"; then
    echo "lab $NAME (index $INDEX)"
  else
    echo "lab $NAME (no state file)"
  fi
  show_end DUT "$NS_DUT" "$IF_DUT"
  show_end peer "$NS_PEER" "$IF_PEER"
}

# ----------------------------------------------------------------- exec, enter, ping

target_ns() { # target_ns PEER(0|1)
  derive_names "$NAME"
  if (($1)); then echo "$NS_PEER"; else echo "$NS_DUT"; fi
}

cmd_exec() {
  local ns=$1
  shift
  require_lab "$ns"
  exec nsenter --net="$NETNS_DIR/$ns" -- "$@"
}

cmd_enter() {
  local ns=$1 sh=${SHELL:-/bin/bash} ps1
  require_lab "$ns"
  [[ -x $sh ]] || sh=/bin/bash
  ps1="[netns $ns] \\u@\\h:\\w\\\$ "
  export TESTENV_NETNS=$ns
  if [[ $(basename "$sh") == bash ]]; then
    # Set PS1 after the user's bashrc, which would otherwise overwrite it.
    local rc
    rc=$(printf '[ -r ~/.bashrc ] && . ~/.bashrc\nPS1=%q\n' "$ps1")
    exec nsenter --net="$NETNS_DIR/$ns" -- "$sh" --rcfile <(echo "$rc") -i
  fi
  PS1=$ps1 exec nsenter --net="$NETNS_DIR/$ns" -- "$sh" -i
}

cmd_ping() {
  local want4=$1 want6=$2 count=$3 failed=0
  derive_names "$NAME"
  require_lab "$NS_DUT" "$NS_PEER"
  load_state "$NAME" ||
    die 1 "lab $NAME has no state file ($(state_file "$NAME")); recreate it: $PROG teardown --name $NAME && $PROG setup --name $NAME"

  local -a cmd
  if ((want4)); then
    cmd=(nsenter --net="$NETNS_DIR/$NS_PEER" -- ping -4 -c "$count" -i 0.2 -W 1 "$IP4_DUT")
    echo "+ ${cmd[*]}"
    "${cmd[@]}" || failed=1
  fi
  if ((want6)); then
    cmd=(nsenter --net="$NETNS_DIR/$NS_PEER" -- ping -6 -c "$count" -i 0.2 -W 1 "$IP6_DUT")
    echo "+ ${cmd[*]}"
    "${cmd[@]}" || failed=1
  fi
  ((failed)) && die 1 "ping from $NS_PEER to $NS_DUT failed"
  return 0
}

cmd_tcpdump() {
  local peer=$1 ns ifc
  shift
  derive_names "$NAME"
  if ((peer)); then ns=$NS_PEER ifc=$IF_PEER; else ns=$NS_DUT ifc=$IF_DUT; fi
  require_lab "$ns"
  echo "+ nsenter --net=$NETNS_DIR/$ns -- tcpdump -nei $ifc $*" >&2
  exec nsenter --net="$NETNS_DIR/$ns" -- tcpdump -nei "$ifc" "$@"
}

cmd_alias() {
  local self
  self=$(readlink -f -- "$0")
  printf "alias t='%s'\n" "$self"
}

# ---------------------------------------------------------------------- arguments

(($# > 0)) || usage_error "missing command"
CMD=$1
shift

case $CMD in
help | -h | --help)
  usage
  exit 0
  ;;
alias)
  (($# == 0)) || usage_error "unknown option $1"
  cmd_alias
  exit 0
  ;;
setup | teardown | status | exec | enter | ping | tcpdump) ;;
*) usage_error "unknown command $CMD" ;;
esac

NAME=""
name_given=0
opt_all=0 opt_peer=0 opt_queues="" opt_mtu=1500 opt_count=3 opt_v4=0 opt_v6=0
rest=()

# allowed OPT — whether the current command takes OPT
allowed() {
  case $CMD:$1 in
  *:--name | setup:--queues | setup:--mtu | teardown:--all | \
    exec:--peer | enter:--peer | tcpdump:--peer | \
    ping:-4 | ping:-6 | ping:--count) return 0 ;;
  esac
  return 1
}

while (($# > 0)); do
  arg=$1
  val=""
  has_val=0
  if [[ $arg == --*=* ]]; then
    val=${arg#*=}
    arg=${arg%%=*}
    has_val=1
  fi
  case $arg in
  --)
    shift
    rest=("$@")
    break
    ;;
  -*)
    allowed "$arg" || usage_error "unknown option $1"
    case $arg in
    --name | --queues | --mtu | --count)
      if ((!has_val)); then
        (($# >= 2)) || usage_error "option $arg needs a value"
        val=$2
        shift
      fi
      case $arg in
      --name) NAME=$val name_given=1 ;;
      --queues) opt_queues=$val ;;
      --mtu) opt_mtu=$val ;;
      --count) opt_count=$val ;;
      esac
      ;;
    *)
      ((!has_val)) || usage_error "option $arg takes no value"
      case $arg in
      --all) opt_all=1 ;;
      --peer) opt_peer=1 ;;
      -4) opt_v4=1 ;;
      -6) opt_v6=1 ;;
      esac
      ;;
    esac
    shift
    ;;
  *)
    # exec and tcpdump take the first non-option word as the start of what they run.
    case $CMD in
    exec | tcpdump)
      rest=("$@")
      break
      ;;
    *) usage_error "unknown option $1" ;;
    esac
    ;;
  esac
done

((!opt_all || !name_given)) || usage_error "--name and --all exclude each other"
((name_given)) || NAME=$(default_name)
validate_name "$NAME"

is_uint() { [[ $1 =~ ^[1-9][0-9]*$ ]]; }
if [[ $CMD == setup ]]; then
  [[ -n $opt_queues ]] || opt_queues=$(nproc)
  if ! is_uint "$opt_queues" || ((opt_queues > 4096)); then
    die 2 "--queues must be 1..4096, not '$opt_queues'"
  fi
  if ! is_uint "$opt_mtu" || ((opt_mtu < 68 || opt_mtu > 65535)); then
    die 2 "--mtu must be 68..65535, not '$opt_mtu'"
  fi
fi
if [[ $CMD == ping ]]; then
  is_uint "$opt_count" || die 2 "--count must be a positive integer, not '$opt_count'"
  ((opt_v4 || opt_v6)) || opt_v4=1 opt_v6=1
fi
if [[ $CMD == exec ]] && ((${#rest[@]} == 0)); then
  usage_error "exec needs a command after --"
fi
if [[ $CMD == enter || $CMD == status || $CMD == setup || $CMD == teardown || $CMD == ping ]] &&
  ((${#rest[@]} > 0)); then
  usage_error "unknown option ${rest[0]}"
fi

need_root

case $CMD in
setup) cmd_setup "$opt_queues" "$opt_mtu" ;;
teardown) cmd_teardown "$opt_all" ;;
status)
  # Without an explicit --name, status lists every lab.
  if ((name_given)); then
    cmd_status_one
  else
    cmd_status_all
  fi
  ;;
exec) cmd_exec "$(target_ns "$opt_peer")" "${rest[@]}" ;;
enter) cmd_enter "$(target_ns "$opt_peer")" ;;
ping) cmd_ping "$opt_v4" "$opt_v6" "$opt_count" ;;
tcpdump) cmd_tcpdump "$opt_peer" "${rest[@]}" ;;
esac
