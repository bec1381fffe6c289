#!/usr/bin/python3
"""dns_server.py DIR — a tiny authoritative DNS server for the tests (stdlib only).

Listens on UDP 127.0.0.1:<ephemeral>, writes the port to DIR/port once it
answers. Each query reads DIR/answer again: lines "NAME ADDRESS TTL" (IPv4);
an A query for NAME gets those addresses with that TTL, AAAA gets no data,
any other name NXDOMAIN; while DIR/servfail exists, every query gets
SERVFAIL. Every query is appended to DIR/queries.
"""
import os
import socket
import struct
import sys

DIR = sys.argv[1]


def records():
    table = {}
    try:
        with open(os.path.join(DIR, "answer")) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3:
                    table.setdefault(parts[0].lower().rstrip("."), []).append(
                        (parts[1], int(parts[2])))
    except OSError:
        pass
    return table


def parse_question(msg):
    labels, i = [], 12
    while msg[i]:
        n = msg[i]
        labels.append(msg[i + 1:i + 1 + n].decode("ascii", "replace"))
        i += 1 + n
    qtype, qclass = struct.unpack("!HH", msg[i + 1:i + 5])
    return ".".join(labels).lower(), qtype, qclass, msg[12:i + 5]


def answer(msg):
    (qid, flags, qd, _, _, _) = struct.unpack("!HHHHHH", msg[:12])
    name, qtype, _, question = parse_question(msg)
    table = records()
    rd = flags & 0x0100
    rrs = b""
    count = 0
    rcode = 0
    if os.path.exists(os.path.join(DIR, "servfail")):
        rcode = 2  # SERVFAIL
    elif name not in table:
        rcode = 3  # NXDOMAIN
    elif qtype == 1:
        for addr, ttl in table[name]:
            rrs += struct.pack("!HHHIH", 0xC00C, 1, 1, ttl, 4) + socket.inet_aton(addr)
            count += 1
    header = struct.pack("!HHHHHH", qid, 0x8400 | rd | rcode, 1, count, 0, 0)
    with open(os.path.join(DIR, "queries"), "a") as f:
        f.write("%s %d %d\n" % (name, qtype, count))
    return header + question + rrs


def main():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    tmp = os.path.join(DIR, "port.tmp")
    with open(tmp, "w") as f:
        f.write("%d\n" % s.getsockname()[1])
    os.rename(tmp, os.path.join(DIR, "port"))
    while True:
        msg, peer = s.recvfrom(4096)
        try:
            s.sendto(answer(msg), peer)
        except (IndexError, struct.error):
            continue


main()
