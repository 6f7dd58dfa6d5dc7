#!/usr/bin/env python3
"""Counts every frame the namespace it runs in sends, on every interface, until SIGTERM; then prints one JSON object.

Run inside the listener's network namespace (ip netns exec NS python3 capture-egress.py). An AF_PACKET socket sees
each outgoing frame once, with pkttype PACKET_OUTGOING; the summary says what each one was (ethertype, IP protocol,
destination, UDP/TCP ports, IGMP/ICMPv6 type), so the listen-mode lab test can show that only group joins left.
"""
import json
import signal
import socket
import struct
import sys

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4

frames = []
stop = False


def on_term(_signum, _frame):
    global stop
    stop = True


def describe(interface, frame):
    entry = {"interface": interface, "bytes": len(frame)}
    if interface == "lo":
        entry["kind"] = "loopback"
        return entry
    if len(frame) < 14:
        entry["kind"] = "runt"
        return entry
    ethertype = struct.unpack("!H", frame[12:14])[0]
    entry["ethertype"] = ethertype
    payload = frame[14:]
    if ethertype == 0x0800 and len(payload) >= 20:
        header = (payload[0] & 0x0F) * 4
        protocol = payload[9]
        entry["protocol"] = protocol
        entry["destination"] = socket.inet_ntoa(payload[16:20])
        if protocol == 2 and len(payload) > header:
            entry["kind"] = "igmp"
            entry["igmpType"] = payload[header]
        elif protocol in (6, 17) and len(payload) >= header + 4:
            entry["kind"] = "tcp" if protocol == 6 else "udp"
            entry["destinationPort"] = struct.unpack("!H", payload[header + 2:header + 4])[0]
        else:
            entry["kind"] = "ipv4"
    elif ethertype == 0x86DD and len(payload) >= 40:
        next_header = payload[6]
        entry["kind"] = "ipv6"
        # Hop-by-hop options come first in MLD reports; the ICMPv6 type follows them.
        offset = 40
        if next_header == 0 and len(payload) >= 42:
            next_header = payload[40]
            offset = 40 + (payload[41] + 1) * 8
        if next_header == 58 and len(payload) > offset:
            entry["kind"] = "icmpv6"
            entry["icmpv6Type"] = payload[offset]
    elif ethertype == 0x0806:
        entry["kind"] = "arp"
    else:
        entry["kind"] = "other"
    return entry


def main():
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.settimeout(0.1)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while not stop:
        try:
            frame, address = sock.recvfrom(65535)
        except socket.timeout:
            continue
        except InterruptedError:
            continue
        if address[2] == PACKET_OUTGOING:
            frames.append(describe(address[0], frame))
    sys.stdout.write(json.dumps({"frames": frames}) + "\n")
    sys.stdout.flush()


main()
