#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The two ends of an SSH-like session for the apply tests.

  peer.py serve PORT...          echo every line back on each PORT; prints "ready"
  peer.py client ADDR PORT       connects once, prints "ready", then for each line on
                                 stdin sends it and prints the echo ("<timeout>" if none)
  peer.py probe ADDR PORT SECS   exit 0 if a new connection opens within SECS
"""
import selectors
import socket
import sys


def serve(ports):
    sel = selectors.DefaultSelector()
    for port in ports:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", port))
        s.listen(16)
        sel.register(s, selectors.EVENT_READ, "listen")
    print("ready", flush=True)
    while True:
        for key, _ in sel.select():
            if key.data == "listen":
                conn, _ = key.fileobj.accept()
                sel.register(conn, selectors.EVENT_READ, "conn")
                continue
            try:
                data = key.fileobj.recv(4096)
            except OSError:
                data = b""
            if data:
                key.fileobj.sendall(data)
            else:
                sel.unregister(key.fileobj)
                key.fileobj.close()


def client(addr, port):
    s = socket.create_connection((addr, port), timeout=5)
    s.settimeout(5)
    print("ready", flush=True)
    for line in sys.stdin:
        s.sendall(line.encode())
        try:
            got = s.recv(4096).decode().strip()
        except socket.timeout:
            got = "<timeout>"
        print(got or "<closed>", flush=True)


def probe(addr, port, secs):
    try:
        socket.create_connection((addr, port), timeout=secs).close()
    except OSError:
        sys.exit(1)


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "serve":
        serve([int(p) for p in sys.argv[2:]])
    elif mode == "client":
        client(sys.argv[2], int(sys.argv[3]))
    else:
        probe(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
