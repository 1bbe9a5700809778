#!/usr/bin/python3
"""Writes an ESP capture and its SA file, encrypted by scapy, for `xdpkit accel`.

  python3 scripts/esp_capture.py --alg cbc-sha1|cbc-sha256|gcm --count N --payload B \
      --sa-file sas.txt --pcap esp.pcap

ESP tunnel mode, outer IPv4 198.18.0.1 -> 198.18.0.2, SPI 0x1000, sequence numbers 1..N; the
inner packet is IPv4/UDP 198.18.1.1:1024 -> 198.18.1.2:9 with B bytes of UDP payload. The keys
are fixed test keys (written into the SA file), never for real traffic. docs/performance.md
measures the engine with these captures.
"""
import argparse
import logging
import sys

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import IP, UDP, Ether, Raw, wrpcap  # noqa: E402
from scapy.layers.ipsec import ESP, SecurityAssociation  # noqa: E402

ALGS = {  # scapy crypt, scapy auth, xdpkit cipher, xdpkit auth, auth key length
    "cbc-sha1": ("AES-CBC", "HMAC-SHA1-96", "aes-cbc-128", "hmac-sha1-96", 20),
    "cbc-sha256": ("AES-CBC", "SHA2-256-128", "aes-cbc-128", "hmac-sha256-128", 32),
    "gcm": ("AES-GCM", None, "aes-gcm-128", "none", 0),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--alg", choices=ALGS, default="cbc-sha1")
    ap.add_argument("--count", type=int, default=4096)
    ap.add_argument("--payload", type=int, default=1386)
    ap.add_argument("--sa-file", required=True)
    ap.add_argument("--pcap", required=True)
    a = ap.parse_args()
    crypt, auth, cipher, auth_name, aklen = ALGS[a.alg]
    key = bytes(range(16))
    auth_key = bytes(range(0x10, 0x10 + aklen))
    salt = bytes([0xca, 0xfe, 0xf0, 0x0d]) if a.alg == "gcm" else b""
    spi = 0x1000
    sa = SecurityAssociation(ESP, spi=spi, crypt_algo=crypt, crypt_key=key + salt,
                             auth_algo=auth, auth_key=auth_key or None,
                             tunnel_header=IP(src="198.18.0.1", dst="198.18.0.2"))
    inner = IP(src="198.18.1.1", dst="198.18.1.2") / UDP(sport=1024, dport=9) / Raw(b"\x5a" * a.payload)
    eth = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
    frames = [eth / sa.encrypt(inner, seq_num=seq) for seq in range(1, a.count + 1)]
    wrpcap(a.pcap, frames)
    line = (f"--spi {spi:#x} --dst 198.18.0.2 --action xsk:0 --cipher {cipher} --auth {auth_name} "
            f"--key {key.hex()}")
    line += f" --auth-key {auth_key.hex()}" if auth_key else ""
    line += f" --salt {salt.hex()}" if salt else ""
    with open(a.sa_file, "w") as f:
        f.write(line + "\n")
    print(f"{a.count} ESP frames of {len(frames[0])} bytes ({a.alg}, tunnel, {a.payload} B inner "
          f"UDP payload) in {a.pcap}; SA in {a.sa_file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
