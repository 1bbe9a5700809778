#!/usr/bin/python3
"""xdpkit accel (offline) against an independent ESP implementation: scapy's.

Builds ESP packets with scapy.layers.ipsec.SecurityAssociation — AES-CBC + HMAC-SHA1-96,
AES-CBC + HMAC-SHA256-128 and AES-GCM-128; tunnel and transport; IPv4 and IPv6 outer headers;
NAT-T (UDP 4500) — writes the SA file and a capture, runs
`xdpkit --json accel --backend B --sa-file F --pcap IN --out OUT` for openssl and ipsec-mb
(and ipsec-mb with --pattern 2, the crypto on a second thread behind SPSC rings), and checks
every inner packet byte for byte against scapy's own decryption. Then, per backend:
a flipped ciphertext bit and a flipped ICV bit are auth-fail and do not move the replay window
(the intact packet with the same sequence number afterwards is ok), a repeated sequence number
is a replay, and `--backend qat` fails with one "no QAT device" line. Bad padding with a valid
ICV cannot be made with scapy (it always pads right): tests/unit/esp_decap_test.cpp does it.

No privileges needed. The xdpkit binary is $XDPKIT (meson passes it). Exits 1 on a mismatch.
"""
import json
import logging
import os
import subprocess
import sys
import tempfile

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
try:
    from scapy.all import IP, UDP, Ether, IPv6, IPv6ExtHdrDestOpt, Raw, rdpcap, wrpcap
    from scapy.layers.ipsec import ESP, SecurityAssociation
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
    from scapy_esp import V4, V6, XDPKIT, check, esp_frame, verdict
except ImportError as e:  # a failure, not a skip: the check did not run
    sys.exit(f"FAIL: python3-scapy is needed ({e}); run scripts/deps.sh")

ETH = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")

# name: (scapy crypt, scapy auth, xdpkit cipher, xdpkit auth, key bytes, auth key bytes)
ALGS = {
    "cbc-sha1": ("AES-CBC", "HMAC-SHA1-96", "aes-cbc-128", "hmac-sha1-96", 16, 20),
    "cbc-sha256": ("AES-CBC", "SHA2-256-128", "aes-cbc-128", "hmac-sha256-128", 16, 32),
    "gcm": ("AES-GCM", None, "aes-gcm-128", "none", 16, 0),
}



class Case:
    """One SA and the packets encrypted with it."""

    def __init__(self, spi, alg, family, tunnel, natt=False):
        self.spi, self.alg, self.family, self.tunnel, self.natt = spi, alg, family, tunnel, natt
        crypt, auth, _, _, klen, aklen = ALGS[alg]
        self.key = bytes((spi + i) & 0xff for i in range(klen))
        self.salt = bytes([0xa0, 0xa1, 0xa2, spi & 0xff]) if alg == "gcm" else b""
        self.auth_key = bytes((spi * 3 + i) & 0xff for i in range(aklen))
        src, dst = V6 if family == 6 else V4
        outer = (IPv6 if family == 6 else IP)(src=src, dst=dst)
        self.sa = SecurityAssociation(
            ESP, spi=spi, crypt_algo=crypt, crypt_key=self.key + self.salt,
            auth_algo=auth, auth_key=self.auth_key or None,
            tunnel_header=outer if tunnel else None,
            nat_t_header=UDP(sport=4500, dport=4500) if natt else None)
        self.dst = dst

    def sa_line(self):
        _, _, cipher, auth, _, _ = ALGS[self.alg]
        line = (f"--spi {self.spi:#x} --dst {self.dst} --action xsk:0 --cipher {cipher} "
                f"--auth {auth} --key {self.key.hex()}")
        if self.auth_key:
            line += f" --auth-key {self.auth_key.hex()}"
        if self.salt:
            line += f" --salt {self.salt.hex()}"
        return line

    def sa_json(self):
        """The same SA in the SA file's JSON form."""
        _, _, cipher, auth, _, _ = ALGS[self.alg]
        j = {"spi": f"{self.spi:#x}", "dst": self.dst, "action": "xsk:0", "cipher": cipher,
             "auth": auth, "key": self.key.hex()}
        if self.auth_key:
            j["auth_key"] = self.auth_key.hex()
        if self.salt:
            j["salt"] = self.salt.hex()
        return j

    def plain(self, seq):
        """A different inner packet per case and sequence number."""
        body = Raw(bytes((seq * 7 + i) & 0xff for i in range(40 + seq % 23)))
        if self.tunnel:  # the inner family differs from the outer one in half the cases
            if (self.spi + seq) % 2:
                return IPv6(src="fc00:dead:cafe:1::1", dst="fc00:dead:cafe:1::2") / UDP(
                    sport=1000 + seq, dport=9) / body
            return IP(src="198.18.1.1", dst="198.18.1.2") / UDP(sport=1000 + seq, dport=9) / body
        src, dst = V6 if self.family == 6 else V4
        if self.family == 6:
            return IPv6(src=src, dst=dst) / IPv6ExtHdrDestOpt() / UDP(sport=1000 + seq, dport=9) / body
        return IP(src=src, dst=dst) / UDP(sport=1000 + seq, dport=9) / body

    def encrypt(self, seq):
        """(the ESP frame's bytes, scapy's decryption of it as bytes)."""
        return esp_frame(self.sa, self.plain(seq), seq, self.family, self.natt, ETH.src, ETH.dst)

def cases():
    out, spi = [], 0x1000
    for alg in ALGS:
        for family in (4, 6):
            for tunnel in (True, False):
                out.append(Case(spi, alg, family, tunnel))
                spi += 1
    out.append(Case(spi, "cbc-sha1", 4, True, natt=True))
    out.append(Case(spi + 1, "gcm", 4, False, natt=True))
    out.append(Case(spi + 2, "cbc-sha256", 6, True, natt=True))
    return out


def accel(tmp, backend, frames, sa_text, want_out=True):
    """backend: "openssl", "ipsec-mb", or "ipsec-mb/2" for --pattern 2 (a crypto thread)."""
    backend, _, pattern = backend.partition("/")
    pcap, out, sa_file = (os.path.join(tmp, n) for n in ("in.pcap", "out.pcap", "sas.txt"))
    wrpcap(pcap, [Ether(f) for f in frames])
    with open(sa_file, "w") as f:
        f.write(sa_text)
    cmd = [XDPKIT, "--json", "accel", "--backend", backend, "--sa-file", sa_file, "--pcap", pcap,
           "--pattern", pattern or "1"]
    if want_out:
        cmd += ["--out", out]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"FAIL: {' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()}")
    report = json.loads(p.stdout)
    outs = [bytes(f) for f in rdpcap(out)] if want_out and report["counters"]["results"]["ok"] else []
    return report, outs


def check_decryption(tmp, backend, all_cases):
    frames, expected, names = [], [], []
    for c in all_cases:
        for seq in (1, 2, 5):
            f, inner = c.encrypt(seq)
            frames.append(f)
            expected.append(inner)
            names.append(f"{c.alg} v{c.family} {'tunnel' if c.tunnel else 'transport'}"
                         f"{' nat-t' if c.natt else ''} seq {seq}")
    report, outs = accel(tmp, backend, frames, "\n".join(c.sa_line() for c in all_cases) + "\n")
    results = [p["result"] for p in report["packets"]]
    for name, r in zip(names, results):
        check(r == "ok", f"{backend}: {name}: result {r}, want ok")
    check(len(outs) == len(expected), f"{backend}: {len(outs)} inner packets, want {len(expected)}")
    for name, got, want in zip(names, outs, expected):
        # The inner packet keeps the outer Ethernet header; scapy's decryption is from IP on.
        check(got[14:] == want, f"{backend}: {name}: inner packet differs from scapy's\n"
              f"  got  {got[14:].hex()}\n  want {want.hex()}")
        check(got[:12] == bytes(ETH)[:12], f"{backend}: {name}: Ethernet addresses changed")
    print(f"{backend}: {len(frames)} packets from {len(all_cases)} SAs decrypted as scapy does")


def check_integrity(tmp, backend, all_cases):
    """Flipped bits → auth-fail without moving the window; a repeat → replay."""
    frames, want = [], []
    for c in all_cases:
        good, _ = c.encrypt(9)
        ct = bytearray(good)
        ct[len(ct) - 40] ^= 0x04  # inside the ciphertext (every packet has 40+ bytes of it)
        icv = bytearray(good)
        icv[-1] ^= 0x80  # the ICV's last byte
        frames += [bytes(ct), bytes(icv), good, good]
        want += ["auth-fail", "auth-fail", "ok", "replay"]
    # This time the SA file in its JSON form.
    report, _ = accel(tmp, backend, frames, json.dumps([c.sa_json() for c in all_cases]),
                      want_out=False)
    got = [p["result"] for p in report["packets"]]
    for i, (g, w) in enumerate(zip(got, want)):
        check(g == w, f"{backend}: integrity packet {i + 1}: {g}, want {w}")
    counts = report["counters"]["results"]
    n = len(all_cases)
    check(counts["auth-fail"] == 2 * n and counts["ok"] == n and counts["replay"] == n,
          f"{backend}: counters {counts}")
    print(f"{backend}: tampered ciphertext and ICV are auth-fail, the window stays, replays caught")


def check_qat(tmp):
    sa_file = os.path.join(tmp, "sas.txt")
    pcap = os.path.join(tmp, "in.pcap")
    p = subprocess.run([XDPKIT, "accel", "--backend", "qat", "--sa-file", sa_file, "--pcap", pcap],
                       capture_output=True, text=True)
    lines = p.stderr.strip().splitlines()
    check(p.returncode != 0, "qat: exit status 0")
    check(len(lines) == 1 and "no QAT device" in lines[0] and "0x8086" in lines[0],
          f"qat: stderr {p.stderr!r}")
    print(f"qat: {lines[0] if lines else '(nothing)'}")
    # Live mode on an interface that is not there: one line, before anything is set up.
    p = subprocess.run([XDPKIT, "accel", "xk-nosuch0", "--backend", "openssl"],
                       capture_output=True, text=True)
    check(p.returncode == 1 and "no interface 'xk-nosuch0'" in p.stderr
          and len(p.stderr.splitlines()) == 1,
          f"accel IFACE: exit {p.returncode}, stderr {p.stderr!r}")


def main():
    all_cases = cases()
    with tempfile.TemporaryDirectory(prefix="xdpkit-accel-") as tmp:
        for backend in ("openssl", "ipsec-mb", "ipsec-mb/2"):
            check_decryption(tmp, backend, all_cases)
            check_integrity(tmp, backend, all_cases)
        check_qat(tmp)
    return verdict()


if __name__ == "__main__":
    sys.exit(main())
