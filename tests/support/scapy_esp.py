"""What the scapy-checked ESP tests (tests/unit/accel_scapy.py, tests/progs/accel_kfunc_scapy.py)
share: ESP frames from scapy's SecurityAssociation with scapy's own decryption of each, the
reference the programs and engines are held to; the lab addresses; the mismatch bookkeeping."""
import os

from scapy.all import Ether

XDPKIT = os.environ.get("XDPKIT", "build/loader/xdpkit")
# The lab ranges (DESIGN.md): the only addresses a packet here may carry.
V4 = ("198.18.0.1", "198.18.0.2")
V6 = ("fc00:dead:cafe::1", "fc00:dead:cafe::2")

# Every mismatch, printed as it is found; the script fails when this is not empty at the end.
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print(f"MISMATCH: {what}")


def verdict():
    """The exit status: 1 after any mismatch, with the count; else 0 and PASS."""
    if failures:
        print(f"FAIL: {len(failures)} mismatch(es)")
        return 1
    print("PASS")
    return 0


def esp_frame(sa, plain, seq, family, natt, eth_src, eth_dst):
    """(the ESP frame's bytes, scapy's decryption of it as bytes, from the inner IP header on)."""
    raw = bytearray(bytes(sa.encrypt(plain, seq_num=seq)))
    if natt:
        # scapy 2.5.0 writes the NAT-T UDP length wrong (8): patch it, and zero the UDP
        # checksum, in the bytes; the IP length is right. (A zero UDP checksum is not allowed
        # over IPv6, RFC 8200 §8.1, but the engine, like the stack's ESP-in-UDP, ignores it.)
        udp = 40 if family == 6 else (raw[0] & 0x0f) * 4
        raw[udp + 4:udp + 6] = (len(raw) - udp).to_bytes(2, "big")
        raw[udp + 6:udp + 8] = b"\0\0"
    frame = bytes(Ether(src=eth_src, dst=eth_dst, type=0x86dd if family == 6 else 0x0800))
    frame += bytes(raw)
    # scapy's decrypt takes the packet apart in place: give it a copy of its own.
    return frame, bytes(sa.decrypt(Ether(frame).payload))
