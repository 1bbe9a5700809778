#!/usr/bin/python3
"""drop's per-protocol counters against an independent implementation: scapy.

Builds a capture of a random mix of frames (IPv4/IPv6 with TCP, UDP, ICMP, ICMPv6, ESP, GRE,
SCTP; IPv4 options; IPv6 extension headers; 802.1Q and QinQ tags; ARP and other non-IP
frames; a jumbo frame; IPv6 chains of every skippable kind, long ones, ones that run into a
multi-buffer frame's fragments and ones past drop's walk limit), counts packets and bytes per
upper-layer protocol with scapy's own dissection of the file, runs `xdpkit --json run drop
--pcap FILE --out OUT`, and compares: proto_counters (non-IP frames in slot 256, frames whose
chain cannot be walked in slot 257, `unparsed`), the verdicts, and the --out file read back by
scapy. Prints both tables; exits 1 on any mismatch.

The xdpkit binary is $XDPKIT (meson passes it). $XDPKIT_SEED replays a run; the seed is
printed either way.
"""
import json
import logging
import os
import random
import subprocess
import sys
import tempfile

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
try:
    from scapy.all import (ARP, GRE, ICMP, IP, SCTP, TCP, UDP, Dot1AD, Dot1Q, Ether,
                           ICMPv6EchoRequest, IPOption_Router_Alert, IPv6,
                           IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                           IPv6ExtHdrRouting, PadN, Raw, rdpcap, wrpcap)
    from scapy.layers.inet6 import MIP6MH_BRR
    from scapy.layers.ipsec import AH, ESP
except ImportError as e:  # a failure, not a skip: the check did not run
    sys.exit(f"FAIL: python3-scapy is needed ({e}); run scripts/deps.sh")

NON_IP = 256  # drop's DROP_PROTO_NON_IP (include/xdpkit/drop.h)
UNPARSED = 257  # DROP_PROTO_UNPARSED
WALK_LIMIT = 16  # XDPKIT_IPV6_EXT_MAX (include/xdpkit/common.h)
# The extension headers drop skips (RFC 8200 §4, AH, Mobility, HIP, Shim6).
EXT_TYPES = {0, 43, 44, 51, 60, 135, 139, 140}
V4 = ("198.18.0.1", "198.18.0.2")
V6 = ("fc00:dead:cafe::1", "fc00:dead:cafe::2")


def random_bytes(rng, n):
    return bytes(rng.randrange(256) for _ in range(n))


def payload(rng):
    return Raw(random_bytes(rng, rng.randint(0, 200)))


def stack(headers):
    head = headers[0]
    for h in headers[1:]:
        head = head / h
    return head


def short_ext(rng):
    return rng.choice([lambda: IPv6ExtHdrHopByHop(), lambda: IPv6ExtHdrDestOpt(),
                       lambda: IPv6ExtHdrRouting(addresses=[V6[1]]),
                       lambda: IPv6ExtHdrFragment(id=rng.randrange(1 << 32))])()


def long_chain(rng, n):
    """n extension headers of random kinds, in no particular order."""
    return stack([short_ext(rng) for _ in range(n)])


def big_dst_opts():
    """A 2048-byte destination-options header: two of them run past the 3520 bytes of a
    BPF_PROG_RUN frame's first buffer."""
    return IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\0" * 253)] * 8)


def ah(nh):
    """AH with a 12-byte ICV (RFC 4302 §2.2: payloadlen 4 is 24 bytes)."""
    return AH(nh=nh, payloadlen=4, spi=0x100, seq=1, icv=b"\0" * 12)


def ipv6_ext_chain(rng):
    """Up to three extension headers, in RFC 8200 order."""
    chain = []
    if rng.random() < 0.5:
        chain.append(IPv6ExtHdrHopByHop())
    if rng.random() < 0.5:
        chain.append(IPv6ExtHdrRouting(addresses=[V6[1]]))
    if rng.random() < 0.5:
        chain.append(IPv6ExtHdrFragment(id=rng.randrange(1 << 32)))
    if not chain:
        chain.append(IPv6ExtHdrDestOpt())
    head = chain[0]
    for h in chain[1:]:
        head = head / h
    return head


# Each kind builds the part after the Ethernet header (and tags).
KINDS = {
    "ipv4 udp": lambda r: IP(src=V4[0], dst=V4[1]) / UDP(sport=r.randint(1, 65535), dport=9) / payload(r),
    "ipv4 tcp": lambda r: IP(src=V4[0], dst=V4[1]) / TCP(dport=80, flags="S") / payload(r),
    "ipv4 icmp": lambda r: IP(src=V4[0], dst=V4[1]) / ICMP() / payload(r),
    "ipv4 options udp": lambda r: IP(src=V4[0], dst=V4[1], options=[IPOption_Router_Alert()]) / UDP() / payload(r),
    "ipv4 fragment": lambda r: IP(src=V4[0], dst=V4[1], proto=17, frag=r.randint(1, 100)) / payload(r),
    "ipv4 esp": lambda r: IP(src=V4[0], dst=V4[1]) / ESP(spi=r.randint(1, 1 << 30), seq=1, data=random_bytes(r, 32)),
    "ipv4 gre": lambda r: IP(src=V4[0], dst=V4[1]) / GRE() / IP(src=V4[0], dst=V4[1]) / UDP() / payload(r),
    "ipv4 sctp": lambda r: IP(src=V4[0], dst=V4[1]) / SCTP(sport=1, dport=2) / payload(r),
    "ipv4 udp jumbo": lambda r: IP(src=V4[0], dst=V4[1]) / UDP() / Raw(b"j" * r.randint(4000, 8900)),
    "ipv6 udp": lambda r: IPv6(src=V6[0], dst=V6[1]) / UDP() / payload(r),
    "ipv6 tcp": lambda r: IPv6(src=V6[0], dst=V6[1]) / TCP(dport=443) / payload(r),
    "ipv6 icmpv6": lambda r: IPv6(src=V6[0], dst=V6[1]) / ICMPv6EchoRequest() / payload(r),
    "ipv6 esp": lambda r: IPv6(src=V6[0], dst=V6[1]) / ESP(spi=7, seq=2, data=random_bytes(r, 48)),
    "ipv6 ext udp": lambda r: IPv6(src=V6[0], dst=V6[1]) / ipv6_ext_chain(r) / UDP() / payload(r),
    "ipv6 ext tcp": lambda r: IPv6(src=V6[0], dst=V6[1]) / ipv6_ext_chain(r) / TCP() / payload(r),
    "ipv6 ext icmpv6": lambda r: IPv6(src=V6[0], dst=V6[1]) / ipv6_ext_chain(r) / ICMPv6EchoRequest(),
    "ipv6 long chain udp": lambda r: IPv6(src=V6[0], dst=V6[1]) / long_chain(r, r.randint(7, WALK_LIMIT)) / UDP() / payload(r),
    "ipv6 chain past the limit": lambda r: IPv6(src=V6[0], dst=V6[1]) / long_chain(r, r.randint(WALK_LIMIT + 1, WALK_LIMIT + 8)) / UDP() / payload(r),
    "ipv6 chain into fragments": lambda r: IPv6(src=V6[0], dst=V6[1]) / big_dst_opts() / big_dst_opts() / IPv6ExtHdrDestOpt() / UDP() / payload(r),
    "ipv6 ah udp": lambda r: IPv6(src=V6[0], dst=V6[1], nh=51) / ah(17) / UDP() / payload(r),
    "ipv6 dst-opts ah tcp": lambda r: IPv6(src=V6[0], dst=V6[1]) / IPv6ExtHdrDestOpt(nh=51) / ah(6) / TCP() / payload(r),
    "ipv6 mobility": lambda r: IPv6(src=V6[0], dst=V6[1]) / MIP6MH_BRR(),
    "ipv6 later fragment": lambda r: IPv6(src=V6[0], dst=V6[1]) / IPv6ExtHdrFragment(offset=r.randint(1, 100), nh=r.choice([17, 60])) / payload(r),
    "arp": lambda r: ARP(psrc=V4[0], pdst=V4[1]),
    "lldp-like": lambda r: Raw(random_bytes(r, 40)),  # EtherType set below: not IP
}
RAW_ETHERTYPE = {"lldp-like": 0x88CC}


def frame(kind, rng):
    eth = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
    tags = rng.choice(["none", "dot1q", "qinq"])
    if tags == "dot1q":
        eth = eth / Dot1Q(vlan=rng.randint(1, 4094))
    elif tags == "qinq":
        eth = eth / Dot1AD(vlan=rng.randint(1, 4094)) / Dot1Q(vlan=rng.randint(1, 4094))
    if kind in RAW_ETHERTYPE:
        eth.lastlayer().type = RAW_ETHERTYPE[kind]
    return eth / KINDS[kind](rng)


def upper_protocol(pkt):
    """The IP protocol after any extension headers, from scapy's dissection: NON_IP for other
    EtherTypes, UNPARSED where drop's walk gives up (past WALK_LIMIT headers, a later fragment
    naming an extension header)."""
    layer = pkt.payload
    while isinstance(layer, (Dot1Q, Dot1AD)):
        layer = layer.payload
    if isinstance(layer, IP):
        return layer.proto
    if not isinstance(layer, IPv6):
        return NON_IP
    nh, layer, walked = layer.nh, layer.payload, 0
    while nh in EXT_TYPES:
        if walked == WALK_LIMIT:
            return UNPARSED
        walked += 1
        if nh == 51:
            # scapy leaves what AH protects undissected (Raw); its next header is byte 0. The
            # capture only has AH right before the upper layer.
            nxt = layer.nh if isinstance(layer, AH) else bytes(layer)[0]
            assert nxt not in EXT_TYPES, "AH before another extension header"
            return nxt
        if isinstance(layer, IPv6ExtHdrFragment) and layer.offset:
            return UNPARSED if layer.nh in EXT_TYPES else layer.nh
        if nh in (135, 139, 140) and layer.nh == 59:
            return nh  # Mobility/HIP/Shim6 ending the chain are the protocol
        nh, layer = layer.nh, layer.payload
    return nh


def scapy_counts(path):
    counts = {}
    for pkt in rdpcap(path):
        p, b = counts.get(upper_protocol(pkt), (0, 0))
        counts[upper_protocol(pkt)] = (p + 1, b + len(bytes(pkt)))
    return counts


def print_tables(scapy, xdpkit, names):
    print(f"{'index':>5}  {'protocol':<10} {'scapy packets':>13} {'bytes':>9}   "
          f"{'xdpkit packets':>14} {'bytes':>9}")
    for index in sorted(set(scapy) | set(xdpkit)):
        s, x = scapy.get(index, (0, 0)), xdpkit.get(index, (0, 0))
        mark = "" if s == x else "   <-- differs"
        print(f"{index:>5}  {names.get(index, '-'):<10} {s[0]:>13} {s[1]:>9}   "
              f"{x[0]:>14} {x[1]:>9}{mark}")


def main():
    xdpkit = os.environ.get("XDPKIT")
    if not xdpkit:
        sys.exit("FAIL: set XDPKIT to the xdpkit binary")
    seed = int(os.environ.get("XDPKIT_SEED", random.randrange(1 << 32)))
    print(f"seed {seed} (XDPKIT_SEED={seed} replays this run)")
    rng = random.Random(seed)

    kinds = [k for k in KINDS for _ in range(rng.randint(1, 6))]
    rng.shuffle(kinds)
    frames = [frame(k, rng) for k in kinds]
    for i, f in enumerate(frames):
        f.time = 1700000000 + i / 1000

    failures = []
    with tempfile.TemporaryDirectory(prefix="xdpkit-scapy-") as tmp:
        pcap, out = os.path.join(tmp, "mixed.pcap"), os.path.join(tmp, "out.pcap")
        wrpcap(pcap, frames)
        expected = scapy_counts(pcap)
        wire = [bytes(p) for p in rdpcap(pcap)]

        run = subprocess.run([xdpkit, "--json", "run", "drop", "--pcap", pcap, "--param",
                              "action=drop", "--out", out], capture_output=True, text=True)
        if run.returncode != 0:
            sys.exit(f"FAIL: xdpkit exited {run.returncode}: {run.stderr.strip()}")
        report = json.loads(run.stdout)
        rows = report["counters"]["proto_counters"]
        # `unparsed` is shown even at zero; scapy's table has only what it saw.
        got = {r["index"]: (r["packets"], r["bytes"]) for r in rows if r["packets"] or r["bytes"]}
        names = {r["index"]: r["protocol"] for r in rows}

        print(f"{len(frames)} frames of {len(KINDS)} kinds")
        print_tables(expected, got, names)
        if got != expected:
            failures.append("proto_counters differ from scapy's dissection")

        total = (len(wire), sum(len(w) for w in wire))
        verdicts = {r["verdict"]: (r["packets"], r["bytes"])
                    for r in report["counters"]["action_counters"]}
        if verdicts != {"drop": total}:
            failures.append(f"action_counters {verdicts}, expected drop {total}")
        for pkt, w in zip(report["packets"], wire):
            if pkt["verdict"] != "drop" or pkt["len_in"] != len(w) or pkt["len_out"] != len(w):
                failures.append(f"packet {pkt['index']}: {pkt} (frame of {len(w)} bytes)")
        if len(report["packets"]) != len(wire):
            failures.append(f"{len(report['packets'])} packets reported, {len(wire)} in the capture")

        written = rdpcap(out)
        if [bytes(p) for p in written] != wire:
            failures.append("--out differs from the input (drop rewrites nothing)")
        if [p.time for p in written] != [f.time for f in rdpcap(pcap)]:
            failures.append("--out timestamps differ from the input's")

    for f in failures:
        print(f"FAIL: {f}")
    if failures:
        return 1
    print("OK: xdpkit's counts equal scapy's")
    return 0


if __name__ == "__main__":
    sys.exit(main())
