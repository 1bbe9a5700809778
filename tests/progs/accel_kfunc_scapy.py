#!/usr/bin/python3
"""The inline kfunc path against an independent ESP implementation: scapy's.

Builds ESP packets with scapy.layers.ipsec.SecurityAssociation — AES-CBC with auth NULL
(`--auth none`) and AES-CBC + HMAC-SHA1-96 (`--unverified`: the ICV is cut unchecked); tunnel
mode with IPv4 and IPv6 inside and outside, NAT-T, and the 1386-byte UDP payload of the
benchmark — and checks that `xdpkit accel --backend kfunc` and `xdpkit run ipsec --sa-file`
(the same program, through BPF_PROG_RUN) both turn every one into Ethernet + scapy's own
decryption, byte for byte. Then: a repeated sequence number is a replay, transport mode is
dropped as not-tunnel, traffic-flow-confidentiality padding is cut at the inner IP header's
length as the user-space engine cuts it, and an SA the kernel cannot decrypt (GCM, or HMAC without --unverified)
fails with one line naming it.

Loads BPF: progs tier, root. The xdpkit binary is $XDPKIT (meson passes it). Exits 1 on a
mismatch.
"""
import json
import logging
import os
import subprocess
import sys
import tempfile

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
try:
    from scapy.all import IP, UDP, Ether, IPv6, Raw, rdpcap, wrpcap
    from scapy.layers.ipsec import ESP, SecurityAssociation
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
    from scapy_esp import V4, V6, XDPKIT, check, esp_frame, verdict
except ImportError as e:  # a failure, not a skip: the check did not run
    sys.exit(f"FAIL: python3-scapy is needed ({e}); run scripts/deps.sh")

ETH_SRC, ETH_DST = "02:00:00:00:00:01", "02:00:00:00:00:02"



class Case:
    """One SA (tunnel mode, AES-CBC-128) and the packets encrypted with it."""

    def __init__(self, spi, family, auth=None, natt=False, transport=False, size=None, tfc=0):
        self.spi, self.family, self.auth, self.natt, self.size = spi, family, auth, natt, size
        self.transport, self.tfc = transport, tfc
        self.key = bytes((spi + i) & 0xff for i in range(16))
        self.auth_key = bytes((spi * 3 + i) & 0xff for i in range(20)) if auth else b""
        src, dst = V6 if family == 6 else V4
        outer = (IPv6 if family == 6 else IP)(src=src, dst=dst)
        self.sa = SecurityAssociation(
            ESP, spi=spi, crypt_algo="AES-CBC", crypt_key=self.key,
            auth_algo="HMAC-SHA1-96" if auth else "NULL", auth_key=self.auth_key or None,
            tunnel_header=None if transport else outer,
            nat_t_header=UDP(sport=4500, dport=4500) if natt else None)
        self.dst = dst

    def sa_line(self):
        line = (f"--spi {self.spi:#x} --dst {self.dst} --action inline --cipher aes-cbc-128 "
                f"--key {self.key.hex()}")
        if self.auth:
            line += f" --auth hmac-sha1-96 --auth-key {self.auth_key.hex()} --unverified"
        else:
            line += " --auth none"
        return line

    def name(self, seq):
        return (f"v{self.family}{' hmac-unverified' if self.auth else ''}"
                f"{' nat-t' if self.natt else ''}{' transport' if self.transport else ''}"
                f"{f' tfc {self.tfc}' if self.tfc else ''}"
                f"{f' {self.size}B' if self.size else ''} seq {seq}")

    def plain(self, seq):
        n = self.size if self.size else 30 + (seq * 11) % 57
        body = Raw(bytes((seq * 5 + i) & 0xff for i in range(n)))
        src, dst = V6 if self.family == 6 else V4
        if self.transport:
            return (IPv6 if self.family == 6 else IP)(src=src, dst=dst) / UDP(sport=4000, dport=9) / body
        # The inner family differs from the outer one on odd sequence numbers.
        if (self.family == 6) != bool(seq % 2):
            return IPv6(src="fc00:dead:cafe:1::1", dst="fc00:dead:cafe:1::2") / UDP(
                sport=1000 + seq, dport=9) / body
        return IP(src="198.18.1.1", dst="198.18.1.2") / UDP(sport=1000 + seq, dport=9) / body

    def encrypt(self, seq):
        """(the ESP frame's bytes, the frame the program must leave: Ethernet + scapy's inner)."""
        plain = self.plain(seq)
        if self.tfc:
            # RFC 4303 §2.7: traffic-flow-confidentiality padding after the inner packet, inside
            # the encrypted payload. scapy keeps it (a Padding layer) in what it decrypts; the
            # receiver cuts the inner packet at its own IP header's length.
            inner = bytes(plain)
            plain = plain.__class__(inner + bytes((0xa5 + i) & 0xff for i in range(self.tfc)))
            frame, _ = esp_frame(self.sa, plain, seq, self.family, self.natt, ETH_SRC, ETH_DST)
        else:
            frame, inner = esp_frame(self.sa, plain, seq, self.family, self.natt, ETH_SRC,
                                     ETH_DST)
        inner_type = 0x86dd if inner[0] >> 4 == 6 else 0x0800
        return frame, bytes(Ether(src=ETH_SRC, dst=ETH_DST, type=inner_type)) + inner

def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def write_inputs(tmp, frames, sa_lines):
    pcap, sa_file = os.path.join(tmp, "in.pcap"), os.path.join(tmp, "sas.txt")
    wrpcap(pcap, [Ether(f) for f in frames])
    with open(sa_file, "w") as f:
        f.write("\n".join(sa_lines) + "\n")
    return pcap, sa_file


def check_decryption(tmp):
    cases = [Case(0x1000, 4), Case(0x1001, 6), Case(0x1002, 4, auth="sha1"),
             Case(0x1003, 6, auth="sha1"), Case(0x1004, 4, natt=True),
             Case(0x1005, 4, size=1386), Case(0x1006, 6, size=1386)]
    frames, want, names = [], [], []
    for c in cases:
        for seq in (1, 2, 7):
            f, w = c.encrypt(seq)
            frames.append(f)
            want.append(w)
            names.append(c.name(seq))
    pcap, sa_file = write_inputs(tmp, frames, [c.sa_line() for c in cases])

    out = os.path.join(tmp, "accel.pcap")
    rc, stdout, err = run([XDPKIT, "--json", "accel", "--backend", "kfunc", "--sa-file", sa_file,
                           "--pcap", pcap, "--out", out])
    if rc != 0:
        sys.exit(f"FAIL: accel --backend kfunc exited {rc}: {err.strip()}")
    report = json.loads(stdout)
    for name, p in zip(names, report["packets"]):
        check(p["result"] == "ok", f"accel: {name}: result {p['result']}, want ok")
    got = [bytes(f) for f in rdpcap(out)]
    check(len(got) == len(want), f"accel: {len(got)} frames out, want {len(want)}")
    for name, g, w in zip(names, got, want):
        check(g == w, f"accel: {name}: differs from scapy\n  got  {g.hex()}\n  want {w.hex()}")

    # The same program through `xdpkit run`: every frame as the program left it.
    out = os.path.join(tmp, "run.pcap")
    rc, stdout, err = run([XDPKIT, "--json", "run", "ipsec", "--sa-file", sa_file, "--pcap", pcap,
                           "--out", out])
    if rc != 0:
        sys.exit(f"FAIL: run ipsec exited {rc}: {err.strip()}")
    got = [bytes(f) for f in rdpcap(out)]
    for name, g, w in zip(names, got, want):
        check(g == w, f"run: {name}: differs from scapy\n  got  {g.hex()}\n  want {w.hex()}")
    sas = json.loads(stdout)["state"]["sas"]
    for sa in sas:
        check(sa["counters"]["decrypted"] == 3 and sa["replay_top"] == 7,
              f"run: SA {sa['spi']}: counters {sa['counters']}, replay_top {sa['replay_top']}")
    print(f"kfunc: {len(frames)} packets from {len(cases)} SAs decrypted as scapy does "
          "(accel and run)")


def check_outcomes(tmp):
    tunnel, transport = Case(0x2000, 4), Case(0x2001, 4, transport=True)
    good, _ = tunnel.encrypt(3)
    frames = [good, good, tunnel.encrypt(2)[0], transport.encrypt(1)[0]]
    want = ["ok", "replay", "ok", "not-tunnel"]
    pcap, sa_file = write_inputs(tmp, frames, [tunnel.sa_line(), transport.sa_line()])
    rc, stdout, err = run([XDPKIT, "--json", "accel", "--backend", "kfunc", "--sa-file", sa_file,
                           "--pcap", pcap])
    if rc != 0:
        sys.exit(f"FAIL: accel --backend kfunc exited {rc}: {err.strip()}")
    got = [p["result"] for p in json.loads(stdout)["packets"]]
    check(got == want, f"outcomes: {got}, want {want}")
    print("kfunc: a repeated sequence number is a replay, transport mode is not-tunnel")


def check_tfc_padding(tmp):
    """The inner packet ends where its IP header says, TFC padding or not, on the inline path
    and in the user-space engine alike; an inner header claiming more than the payload holds is
    malformed on both."""
    # HMAC: the openssl backend has no aes-cbc without it (the kfunc path cuts it unchecked).
    cases = [Case(0x4000, 4, "sha1", tfc=16), Case(0x4001, 6, "sha1", tfc=16),
             Case(0x4002, 4, "sha1", tfc=1), Case(0x4003, 6, "sha1", tfc=200)]
    frames, want, names = [], [], []
    for c in cases:
        for seq in (1, 2):
            f, w = c.encrypt(seq)
            frames.append(f)
            want.append(w)
            names.append(c.name(seq))
    # An inner IPv4 header whose total length is 100 bytes past the payload's end.
    liar = Case(0x4004, 4, "sha1")
    lie = bytearray(bytes(liar.plain(2)))
    lie[2:4] = (len(lie) + 100).to_bytes(2, "big")
    frames.append(esp_frame(liar.sa, IP(bytes(lie)), 2, 4, False, ETH_SRC, ETH_DST)[0])
    pcap, sa_file = write_inputs(tmp, frames, [c.sa_line() for c in cases + [liar]])
    for backend in ("kfunc", "openssl"):
        out = os.path.join(tmp, f"tfc-{backend}.pcap")
        rc, stdout, err = run([XDPKIT, "--json", "accel", "--backend", backend, "--sa-file",
                               sa_file, "--pcap", pcap, "--out", out])
        if rc != 0:
            sys.exit(f"FAIL: accel --backend {backend} exited {rc}: {err.strip()}")
        got = [p["result"] for p in json.loads(stdout)["packets"]]
        check(got == ["ok"] * len(want) + ["malformed"],
              f"tfc {backend}: results {got}")
        out_frames = [bytes(f) for f in rdpcap(out)]
        check(len(out_frames) == len(want),
              f"tfc {backend}: {len(out_frames)} frames out, want {len(want)}")
        for name, g, w in zip(names, out_frames, want):
            check(g == w, f"tfc {backend}: {name}: not cut at the inner IP length\n"
                          f"  got  {g.hex()}\n  want {w.hex()}")
    print(f"kfunc and openssl: {len(want)} TFC-padded packets cut at the inner IP length; an "
          "inner length that lies is malformed")


def check_refusals(tmp):
    pcap, _ = write_inputs(tmp, [Case(0x3000, 4).encrypt(1)[0]], [])
    for what, line in [
        ("gcm", "--spi 0x3001 --dst 198.18.0.2 --action xsk:0 --cipher aes-gcm-128 --auth none "
                "--key 000102030405060708090a0b0c0d0e0f --salt 01020304"),
        ("hmac", "--spi 0x3002 --dst 198.18.0.2 --action xsk:0 --cipher aes-cbc-128 "
                 "--auth hmac-sha1-96 --key 000102030405060708090a0b0c0d0e0f "
                 "--auth-key 0102030405060708090a0b0c0d0e0f1011121314"),
    ]:
        sa_file = os.path.join(tmp, f"{what}.txt")
        with open(sa_file, "w") as f:
            f.write(line + "\n")
        rc, _, err = run([XDPKIT, "accel", "--backend", "kfunc", "--sa-file", sa_file,
                          "--pcap", pcap])
        lines = err.strip().splitlines()
        check(rc != 0 and len(lines) == 1 and "0x300" in lines[0],
              f"refusal {what}: exit {rc}, stderr {err!r}")
    print("kfunc: SAs the kernel cannot decrypt are refused by name")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        check_decryption(tmp)
        check_outcomes(tmp)
        check_tfc_padding(tmp)
        check_refusals(tmp)
    return verdict()


if __name__ == "__main__":
    sys.exit(main())
