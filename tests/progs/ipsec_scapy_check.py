#!/usr/bin/python3
"""The ipsec program against an independent ESP implementation: scapy's SecurityAssociation.

Encrypts packets with scapy (tunnel and transport mode; IPv4; IPv6 with hop-by-hop and routing
headers in front of ESP; NAT-T over IPv4 and IPv6; AES-CBC with HMAC-SHA1-96 and
HMAC-SHA256-128, AES-GCM), with random SPIs and random, increasing sequence numbers per SA, adds
IKE, a NAT-keepalive, an unknown SPI and plain UDP, and ESP behind long IPv6 chains (up to the
walk limit of 16 headers, into a multi-buffer frame's fragments, and past the limit: unparsed,
dropped since some SA drops), writes the SA file and the capture, runs
`xdpkit --json run ipsec --pcap F --sa-file S`, and checks:
  - each packet's verdict is the one its SA's action (or its kind) calls for;
  - each SA counted exactly its packets and bytes, and its highest sequence number is the one
    scapy wrote (read back from scapy's own dissection of the capture), so SPI and sequence
    number were read where scapy put them;
  - esp_events counts each kind exactly.
Exits 1 on any mismatch, printing both sides. $XDPKIT is the binary; $XDPKIT_SEED replays.
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
    from scapy.all import (IP, UDP, Ether, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrHopByHop,
                           IPv6ExtHdrRouting, PadN, Raw, rdpcap, wrpcap)
    from scapy.layers.ipsec import ESP, SecurityAssociation
except ImportError as e:  # a failure, not a skip: the check did not run
    sys.exit(f"FAIL: python3-scapy is needed ({e}); run scripts/deps.sh")

XDPKIT = os.environ.get("XDPKIT", "build/loader/xdpkit")
SEED = int(os.environ.get("XDPKIT_SEED", random.randrange(1 << 32)))
print(f"seed {SEED} (XDPKIT_SEED={SEED} replays this run)")
rng = random.Random(SEED)

V4_SRC, V4_DST = "198.18.0.1", "198.18.0.2"
V6_SRC, V6_DST = "fc00:dead:cafe::1", "fc00:dead:cafe::2"
VERDICT = {"drop": "drop", "pass": "pass", "cpu:0": "redirect", "xsk:0": "pass"}
WALK_LIMIT = 16  # XDPKIT_IPV6_EXT_MAX (include/xdpkit/common.h)

# name, scapy algorithms, xdpkit algorithms, outer family, mode, NAT-T, action
SHAPES = [
    ("v4-tunnel-cbc-sha1", "AES-CBC", "HMAC-SHA1-96", "aes-cbc-128", "hmac-sha1-96", 4, "tunnel", False, "drop"),
    ("v4-transport-cbc-sha256", "AES-CBC", "SHA2-256-128", "aes-cbc-128", "hmac-sha256-128", 4, "transport", False, "pass"),
    ("v6-transport-ext-gcm", "AES-GCM", None, "aes-gcm-128", "none", 6, "transport", False, "cpu:0"),
    ("v6-tunnel-cbc-sha1", "AES-CBC", "HMAC-SHA1-96", "aes-cbc-128", "hmac-sha1-96", 6, "tunnel", False, "drop"),
    ("v4-natt-tunnel-cbc-sha1", "AES-CBC", "HMAC-SHA1-96", "aes-cbc-128", "hmac-sha1-96", 4, "tunnel", True, "xsk:0"),
    ("v6-natt-tunnel-gcm", "AES-GCM", None, "aes-gcm-128", "none", 6, "tunnel", True, "pass"),
]


def make_sa(shape, spi):
    name, calg, aalg, ccli, acli, fam, mode, natt, action = shape
    key, salt = bytes(rng.randrange(256) for _ in range(16)), bytes(rng.randrange(256) for _ in range(4))
    auth_key = bytes(rng.randrange(256) for _ in range(32 if aalg == "SHA2-256-128" else 20))
    src, dst = (V4_SRC, V4_DST) if fam == 4 else (V6_SRC, V6_DST)
    outer = IP(src=src, dst=dst) if fam == 4 else IPv6(src=src, dst=dst)
    kw = dict(spi=spi, crypt_algo=calg, crypt_key=key + salt if calg == "AES-GCM" else key)
    if aalg:
        kw.update(auth_algo=aalg, auth_key=auth_key)
    if mode == "tunnel":
        kw["tunnel_header"] = outer
    if natt:
        kw["nat_t_header"] = UDP(sport=4500, dport=4500)
    entry = {"spi": hex(spi), "dst": dst, "action": action, "cipher": ccli, "auth": acli,
             "key": key.hex()}
    if aalg:
        entry["auth_key"] = auth_key.hex()
    if calg == "AES-GCM":
        entry["salt"] = salt.hex()
    return SecurityAssociation(ESP, **kw), entry, outer


def inner(fam, n):
    """A UDP datagram of n random bytes. The ports are ones scapy binds no protocol to: with
    UDP's default source port 53, scapy re-dissects the random bytes as DNS when it rebuilds
    the packet and can recurse until Python gives up."""
    payload = Raw(bytes(rng.randrange(256) for _ in range(n)))
    udp = UDP(sport=rng.randrange(40000, 50000), dport=9)
    if fam == 4:
        return IP(src="198.18.1.1", dst="198.18.1.2") / udp / payload
    return IPv6(src="fc00:dead:cafe:1::1", dst="fc00:dead:cafe:1::2") / udp / payload


def behind_chain(esp_packet, sizes):
    """The IPv6 ESP packet with destination-options headers between its IPv6 header and its
    ESP: "small" is 8 bytes, "big" 2048."""
    chain = [IPv6ExtHdrDestOpt(nh=60, options=[PadN(optdata=bytes(253))] * 8 if n == "big" else [])
             for n in sizes]
    chain[-1].nh = 50
    pkt = IPv6(src=esp_packet[IPv6].src, dst=esp_packet[IPv6].dst)
    for h in chain:
        pkt = pkt / h
    return pkt / Raw(bytes(esp_packet[ESP]))


def frame_of(pkt):
    """The Ethernet frame of an encrypted packet. scapy 2.5.0 writes 8 as the UDP length of
    NAT-T over IPv4 (its ESP then dissects as padding): set it to what the IP header says,
    with a zero checksum, which is what RFC 3948 §2.1 says a sender should write."""
    b = bytearray(bytes(Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / pkt))
    if IP in pkt and UDP in pkt and pkt[UDP].dport == 4500:
        ihl = (b[14] & 0x0F) * 4
        udp_len = int.from_bytes(b[16:18], "big") - ihl
        b[14 + ihl + 4:14 + ihl + 6] = udp_len.to_bytes(2, "big")
        b[14 + ihl + 6:14 + ihl + 8] = b"\0\0"
    return Ether(bytes(b))


def main():
    frames, expect, sa_entries, per_sa = [], [], [], {}
    events = {"esp-ipv4": 0, "esp-ipv6": 0, "esp-in-udp": 0, "ike": 0, "nat-keepalive": 0,
              "not-esp": 0, "unknown-spi": 0, "steer-failed": 0, "unparsed": 0}
    deep_sa = None
    spis = rng.sample(range(0x100, 1 << 32), len(SHAPES) + 1)
    for shape, spi in zip(SHAPES, spis):
        sa, entry, outer = make_sa(shape, spi)
        sa_entries.append(entry)
        fam, mode, natt, action = shape[5], shape[6], shape[7], shape[8]
        seq = rng.randrange(1, 1 << 20)
        per_sa[spi] = {"packets": 0, "bytes": 0, "highest_seq": 0}
        for _ in range(rng.randrange(2, 6)):
            seq += rng.randrange(1, 1000)
            sa.seq_num = seq
            clear = inner(fam, rng.randrange(0, 1200))
            if mode == "transport":
                clear = (IP(src=V4_SRC, dst=V4_DST) if fam == 4 else
                         IPv6(src=V6_SRC, dst=V6_DST) / IPv6ExtHdrHopByHop() / IPv6ExtHdrRouting()) / clear.payload
            frame = frame_of(sa.encrypt(clear))
            frames.append(frame)
            expect.append(VERDICT[action])
            per_sa[spi]["packets"] += 1
            per_sa[spi]["bytes"] += len(frame)
            events["esp-in-udp" if natt else f"esp-ipv{fam}"] += 1
            if action == "xsk:0":
                events["steer-failed"] += 1  # no socket in a run: passed, counted
        if shape[0] == "v6-tunnel-cbc-sha1":
            deep_sa = (sa, spi, fam, seq)
    # ESP of the IPv6 drop SA behind long chains: 7 up to the limit of small headers, and two
    # of 2048 bytes that put ESP past the first buffer (3520 bytes in BPF_PROG_RUN). Found and
    # dropped as the SA says; past the limit, unparsed — dropped too, as an SA drops.
    sa, spi, fam, seq = deep_sa
    # Past the limit first: its sequence number stays below the others', so the highest scapy
    # reads back is one xdpkit counted.
    for sizes in (["small"] * (WALK_LIMIT + 1), ["small"] * rng.randrange(7, WALK_LIMIT + 1),
                  ["big", "big", "small"]):
        seq += rng.randrange(1, 1000)
        sa.seq_num = seq
        frame = frame_of(behind_chain(sa.encrypt(inner(fam, 200)), sizes))
        frames.append(frame)
        expect.append("drop")
        if len(sizes) > WALK_LIMIT:
            events["unparsed"] += 1
            continue
        per_sa[spi]["packets"] += 1
        per_sa[spi]["bytes"] += len(frame)
        per_sa[spi]["highest_seq"] = seq
        events["esp-ipv6"] += 1
    # The kinds that pass without a lookup, and an SPI no SA has (unknown-spi=pass).
    natt4 = Ether() / IP(src=V4_SRC, dst=V4_DST) / UDP(sport=4500, dport=4500)
    frames += [Ether(bytes(natt4 / Raw(b"\x00\x00\x00\x00" + bytes(60)))),
               Ether(bytes(natt4 / Raw(b"\xff"))),
               Ether(bytes(Ether() / IP(src=V4_SRC, dst=V4_DST) / UDP(dport=53) / Raw(bytes(30)))),
               Ether(bytes(Ether() / IP(src=V4_SRC, dst=V4_DST, proto=50) /
                           Raw(spis[-1].to_bytes(4, "big") + (7).to_bytes(4, "big") + bytes(60))))]
    expect += ["pass"] * 4
    events["ike"] += 1
    events["nat-keepalive"] += 1
    events["not-esp"] += 1
    events["esp-ipv4"] += 1
    events["unknown-spi"] += 1

    with tempfile.TemporaryDirectory() as tmp:
        pcap, sa_file = os.path.join(tmp, "esp.pcap"), os.path.join(tmp, "sas.json")
        wrpcap(pcap, frames)
        with open(sa_file, "w") as f:
            json.dump(sa_entries, f)
        # What scapy itself reads back: SPI and sequence number of every ESP frame.
        for pkt in rdpcap(pcap):
            if ESP in pkt and pkt[ESP].spi in per_sa:
                s = per_sa[pkt[ESP].spi]
                s["highest_seq"] = max(s["highest_seq"], pkt[ESP].seq)
        out = subprocess.run([XDPKIT, "--json", "run", "ipsec", "--pcap", pcap, "--sa-file", sa_file],
                             capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"FAIL: xdpkit run exited {out.returncode}: {out.stderr.strip()}")
        report = json.loads(out.stdout)

    failures = []
    got = [p["verdict"] for p in report["packets"]]
    for i, (g, e) in enumerate(zip(got, expect)):
        if g != e:
            failures.append(f"packet {i + 1}: verdict {g}, expected {e}")
    if len(got) != len(expect):
        failures.append(f"{len(got)} verdicts for {len(expect)} packets")
    print(f"{'spi':>12} {'packets':>8} {'bytes':>8} {'highest seq (xdpkit / scapy)':>30}")
    for sa in report["state"]["sas"]:
        spi = int(sa["spi"], 16)
        want, c = per_sa[spi], sa["counters"]
        print(f"{spi:#12x} {c['packets']:>8} {c['bytes']:>8} {c['highest_seq']:>15} / {want['highest_seq']}")
        for k in ("packets", "bytes", "highest_seq"):
            if c[k] != want[k]:
                failures.append(f"SA {spi:#x}: {k} {c[k]}, scapy says {want[k]}")
    rows = {r["event"]: r["packets"] for r in report["counters"].get("esp_events", [])}
    for name, n in events.items():
        print(f"  {name:<14} {rows.get(name, 0):>5} (expected {n})")
        if rows.get(name, 0) != n:
            failures.append(f"esp_events {name}: {rows.get(name, 0)}, expected {n}")
    extra = set(rows) - set(events)
    if extra:
        failures.append(f"unexpected events: {sorted(extra)}")
    if failures:
        print("FAIL:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print(f"ok: {len(frames)} packets, {len(per_sa)} SAs agree with scapy")


if __name__ == "__main__":
    main()
