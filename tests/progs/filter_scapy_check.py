#!/usr/bin/python3
"""The filter program against a reference matcher written in Python from docs/filter.md.

Random rule sets (prefixes inside the lab ranges, both families, protocols, port ranges,
allow and deny, priorities 0..63) and random frames built with scapy (IPv4 and IPv6, TCP, UDP,
ICMP, later IPv4 fragments, IPv4-mapped IPv6 sources, ARP), each set run through `xdpkit --json
run filter --rules FILE --pcap FILE`; every frame's verdict and every rule's counter must be
what the reference says. At least 10,000 frames in all. Exits 1 on any mismatch.

The xdpkit binary is $XDPKIT (meson passes it). $XDPKIT_SEED replays a run; the seed is
printed either way.
"""
import ipaddress
import json
import logging
import os
import random
import subprocess
import sys
import tempfile

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
try:
    from scapy.all import ARP, ICMP, IP, TCP, UDP, Ether, IPv6, Raw, wrpcap
except ImportError as e:  # a failure, not a skip: the check did not run
    sys.exit(f"FAIL: python3-scapy is needed ({e}); run scripts/deps.sh")

XDPKIT = os.environ.get("XDPKIT", "build/loader/xdpkit")
V4_NET = ipaddress.ip_network("198.18.0.0/15")
V6_NET = ipaddress.ip_network("fc00:dead:cafe::/48")
ROUNDS, RULES, FRAMES = 10, 14, 1000
# Given, never resolved: scapy would otherwise look them up (routes, ARP) on this host.
ETH = {"src": "02:00:00:00:00:01", "dst": "02:00:00:00:00:02"}


def random_prefix(rng, six):
    """A prefix around one of the addresses random_address draws from, so rules hit."""
    length = rng.randint(48, 128) if six else rng.randint(15, 32)
    return ipaddress.ip_interface(f"{random_address(rng, six)}/{length}").network


def random_rule(rng, priority):
    r = {"priority": priority, "deny": rng.random() < 0.6, "src": [], "dst": [], "proto": None,
         "sport": [], "dport": []}
    if rng.random() < 0.6:
        r["src"] = [random_prefix(rng, rng.random() < 0.4) for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.3:
        r["dst"] = [random_prefix(rng, rng.random() < 0.4)]
    if rng.random() < 0.5:
        r["proto"] = rng.choice([6, 17, 1])
    if rng.random() < 0.5 and r["proto"] != 1:
        lo = rng.randrange(40)
        r["dport"] = [(lo, lo + rng.randrange(10))]
    if rng.random() < 0.2 and r["proto"] != 1:
        r["sport"] = [(1000, 1003)]
    return r


def rule_line(r):
    words = [f"--priority {r['priority']}", "--action " + ("deny" if r["deny"] else "allow")]
    words += [f"--src {p}" for p in r["src"]] + [f"--dst {p}" for p in r["dst"]]
    if r["proto"] is not None:
        words.append(f"--proto {r['proto']}")
    for key in ("sport", "dport"):
        if r[key]:
            words.append(f"--{key} " + ",".join(f"{a}-{b}" for a, b in r[key]))
    return " ".join(words)


def random_address(rng, six):
    net = V6_NET if six else V4_NET
    host = int(net.network_address) + (rng.randrange(4) << (net.max_prefixlen - net.prefixlen - 8))
    return ipaddress.ip_address(host + rng.randrange(1 << 10))


def random_frame(rng):
    """(the frame, what the reference needs: family, src, dst, proto, sport, dport, ports)."""
    kind = rng.random()
    if kind < 0.03:
        return Ether(**ETH) / ARP(psrc="198.18.0.1", pdst="198.18.0.2",
                                  hwsrc=ETH["src"]), None
    six = kind < 0.4
    mapped = six and rng.random() < 0.2
    src, dst = random_address(rng, six and not mapped), random_address(rng, six)
    proto = rng.choice([6, 17, 17, 1])
    sport, dport = rng.randrange(999, 1005), rng.randrange(45)
    later_fragment = not six and rng.random() < 0.05
    if six:
        s = f"::ffff:{src}" if mapped else str(src)
        ip = IPv6(src=s, dst=str(dst), nh=proto if proto != 1 else 58)
    else:
        ip = IP(src=str(src), dst=str(dst), proto=proto, frag=8 if later_fragment else 0)
    if proto == 6 and not later_fragment:
        l4 = TCP(sport=sport, dport=dport)
    elif proto == 17 and not later_fragment:
        l4 = UDP(sport=sport, dport=dport)
    else:
        l4 = Raw(b"\x00" * 8)
    if proto == 1 and six:
        proto = 58
    facts = {"src": src, "dst": dst, "proto": proto, "sport": sport, "dport": dport,
             "ports": proto in (6, 17) and not later_fragment}
    return Ether(**ETH) / ip / l4 / Raw(b"x" * rng.randrange(20)), facts


def reference(rules, facts):
    """The priority of the rule that decides, or None (docs/filter.md, 'Which rule wins')."""
    def in_prefixes(prefixes, addr):
        return not prefixes or any(addr.version == p.version and addr in p for p in prefixes)

    def in_ports(ranges, port):
        return not ranges or (facts["ports"] and any(a <= port <= b for a, b in ranges))

    for r in sorted(rules, key=lambda r: r["priority"]):
        if (in_prefixes(r["src"], facts["src"]) and in_prefixes(r["dst"], facts["dst"]) and
                (r["proto"] is None or r["proto"] == facts["proto"]) and
                in_ports(r["sport"], facts["sport"]) and in_ports(r["dport"], facts["dport"])):
            return r["priority"]
    return None


def main():
    seed = int(os.environ.get("XDPKIT_SEED", random.randrange(1 << 32)))
    print(f"seed {seed} (XDPKIT_SEED={seed} replays it)")
    rng = random.Random(seed)
    mismatches = frames_run = 0
    with tempfile.TemporaryDirectory() as tmp:
        pcap, rules_file = os.path.join(tmp, "frames.pcap"), os.path.join(tmp, "rules.txt")
        for rnd in range(ROUNDS):
            priorities = rng.sample(range(64), RULES)
            rules = [random_rule(rng, p) for p in priorities]
            with open(rules_file, "w") as f:
                f.write("\n".join(rule_line(r) for r in rules) + "\n")
            built = [random_frame(rng) for _ in range(FRAMES)]
            wrpcap(pcap, [frame for frame, _ in built])
            p = subprocess.run([XDPKIT, "--json", "run", "filter", "--rules", rules_file,
                                "--pcap", pcap], capture_output=True, text=True)
            if p.returncode != 0:
                sys.exit(f"FAIL: run filter exited {p.returncode}: {p.stderr.strip()}")
            report = json.loads(p.stdout)
            by_priority = {r["priority"]: r for r in rules}
            want_counts = {r["priority"]: 0 for r in rules}
            for i, ((frame, facts), got) in enumerate(zip(built, report["packets"])):
                frames_run += 1
                hit = reference(rules, facts) if facts else None
                if hit is not None:
                    want_counts[hit] += 1
                want = "drop" if hit is not None and by_priority[hit]["deny"] else "pass"
                if got["verdict"] != want:
                    mismatches += 1
                    print(f"MISMATCH round {rnd} frame {i}: {frame.summary()}: got "
                          f"{got['verdict']}, want {want} (rule {hit})")
            for r in report["state"]["rules"]:
                if r["counters"]["packets"] != want_counts[r["priority"]]:
                    mismatches += 1
                    print(f"MISMATCH round {rnd} rule {r['priority']}: counted "
                          f"{r['counters']['packets']}, want {want_counts[r['priority']]}")
    print(f"{frames_run} frames over {ROUNDS} random rule sets of {RULES} rules: "
          f"{mismatches} mismatches")
    if mismatches or frames_run < 10000:
        print("FAIL")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
