# SPDX-License-Identifier: MIT
"""Probe agent of the packet lab: runs inside one network namespace.

Driven by lab.py over a pipe, one JSON object per line on stdin, one JSON
reply per line on stdout.  A single select loop serves the listeners (TCP
echo, UDP echo) and runs probe batches at the same time, so every namespace
answers the others while it probes.  Every wait is bounded.

Requests (each carries an "id" the reply repeats):
  {"op": "listen", "tcp": [ports], "udp": [ports]}
  {"op": "unlisten", "tcp": [ports]}
  {"op": "probe", "probes": [{"key", "proto", "dst", "port", "sport", "pass", "src"?}],
   "min_wait": s, "max_wait": s}
  {"op": "ftp_serve", "port": p, "pasv_port": p, "data": hex, "timeout": s}
  {"op": "ftp_get", "host": addr, "port": p, "timeout": s}
  {"op": "quit"}
"""

import errno
import ftplib
import io
import json
import os
import resource
import selectors
import socket
import struct
import sys
import threading
import time

SEL = selectors.DefaultSelector()
OUT_LOCK = threading.Lock()


def reply(obj):
    data = (json.dumps(obj, sort_keys=True) + "\n").encode()
    with OUT_LOCK:
        view = memoryview(data)
        while view:
            n = os.write(1, view)
            view = view[n:]


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def wildcard(fam):
    return "::" if fam == socket.AF_INET6 else "0.0.0.0"


# ---- listeners --------------------------------------------------------------

LISTENERS = {}  # (proto, port, family) -> socket


def tcp_accept(lsock, _mask):
    try:
        conn, _ = lsock.accept()
    except OSError:
        return
    conn.setblocking(False)
    SEL.register(conn, selectors.EVENT_READ, (tcp_echo, None))


def tcp_echo(conn, _mask):
    try:
        data = conn.recv(256)
    except OSError:
        data = b""
    if data:
        try:
            conn.send(data)
        except OSError:
            pass
    SEL.unregister(conn)
    conn.close()


# Linux: IP_PKTINFO (struct in_pktinfo), IPV6_RECVPKTINFO/IPV6_PKTINFO (struct in6_pktinfo).
IP_PKTINFO = getattr(socket, "IP_PKTINFO", 8)


def pktinfo_on(sock, fam):
    """Asks for each datagram's destination address, so that a host with
    several addresses answers from the one the request was sent to."""
    if fam == socket.AF_INET6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
    else:
        sock.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)


def reply_source(ancdata):
    """The ancillary data that sends a reply from the request's destination."""
    for level, kind, data in ancdata:
        if level == socket.IPPROTO_IP and kind == IP_PKTINFO and len(data) >= 12:
            # ifindex 0, source (spec_dst) = the request's destination (addr)
            return [(level, kind, struct.pack("=i4s4s", 0, data[8:12], bytes(4)))]
        if level == socket.IPPROTO_IPV6 and kind == socket.IPV6_PKTINFO and len(data) >= 20:
            return [(level, kind, data[:16] + struct.pack("=i", 0))]
    return []


def udp_echo(sock, _mask):
    for _ in range(64):
        try:
            data, ancdata, _flags, peer = sock.recvmsg(256, 256)
        except OSError:
            return
        try:
            sock.sendmsg([data], reply_source(ancdata), 0, peer)
        except OSError:
            pass


def listen(proto, port, errors):
    for fam in (socket.AF_INET, socket.AF_INET6):
        key = (proto, port, fam)
        if key in LISTENERS:
            continue
        kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
        s = socket.socket(fam, kind)
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if fam == socket.AF_INET6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s.bind((wildcard(fam), port))
            if proto == "udp":
                pktinfo_on(s, fam)
            if proto == "tcp":
                s.listen(128)
            s.setblocking(False)
        except OSError as e:
            errors.append("%s/%d %s: %s" % (proto, port, fam.name, e))
            s.close()
            continue
        SEL.register(s, selectors.EVENT_READ, (tcp_accept if proto == "tcp" else udp_echo, None))
        LISTENERS[key] = s


def unlisten(proto, port):
    for fam in (socket.AF_INET, socket.AF_INET6):
        s = LISTENERS.pop((proto, port, fam), None)
        if s is not None:
            SEL.unregister(s)
            s.close()


# ---- probes -----------------------------------------------------------------


def outcome(err):
    """A failed probe's result: refused (RST, ICMP unreachable) or another error."""
    if err == errno.ECONNREFUSED:
        return "refused"
    return "error: %s" % os.strerror(err or 0)


class Batch:
    """One probe batch: finishes when every probe has an outcome, or when the
    probes expected to pass are done and a grace period has passed (a probe
    expected to fail only ever "fails" by waiting), or at max_wait."""

    def __init__(self, req):
        self.req_id = req["id"]
        self.start = time.monotonic()
        self.min_wait = float(req.get("min_wait", 1.0))
        self.max_wait = float(req.get("max_wait", 5.0))
        self.results = {}
        self.pending = {}
        self.pass_pending = 0
        self.last_pass_done = 0.0
        for p in req["probes"]:
            self.start_probe(p)

    def start_probe(self, p):
        key = p["key"]
        fam = family_of(p["dst"])
        udp = p["proto"] == "udp"
        s = socket.socket(fam, socket.SOCK_DGRAM if udp else socket.SOCK_STREAM)
        token = ("%s\n" % key).encode()
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.setblocking(False)
            if p.get("sport") or p.get("src"):
                # "src": send from that address of this host (the lab's
                # spoofed source), not the one the route would pick.
                s.bind((p.get("src") or wildcard(fam), int(p.get("sport") or 0)))
            if udp:
                s.connect((p["dst"], int(p["port"])))
                s.send(token)
                events = selectors.EVENT_READ
            else:
                rc = s.connect_ex((p["dst"], int(p["port"])))
                if rc not in (0, errno.EINPROGRESS):
                    raise OSError(rc, os.strerror(rc))
                events = selectors.EVENT_WRITE
        except OSError as e:
            s.close()
            self.results[key] = "error: %s" % (e.strerror or e)
            return
        st = {"sock": s, "token": token, "udp": udp, "sent": time.monotonic(),
              "connected": udp, "pass": bool(p.get("pass"))}
        self.pending[key] = st
        if st["pass"]:
            self.pass_pending += 1
        SEL.register(s, events, (self.event, key))

    def finish(self, key, outcome):
        st = self.pending.pop(key, None)
        if st is None:
            return
        try:
            SEL.unregister(st["sock"])
        except (KeyError, ValueError):
            pass
        if not st["udp"]:
            # Close with a reset: a probe that closed normally would leave
            # its 4-tuple in TIME_WAIT, and the source port is reused once
            # the lab's range wraps (EADDRINUSE on a later probe).
            try:
                st["sock"].setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                      struct.pack("ii", 1, 0))
            except OSError:
                pass
        st["sock"].close()
        self.results[key] = outcome
        if st["pass"]:
            self.pass_pending -= 1
            self.last_pass_done = time.monotonic() - self.start

    def event(self, sock, _mask, key):
        st = self.pending.get(key)
        if st is None:
            return
        if not st["connected"]:
            err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                self.finish(key, outcome(err))
                return
            st["connected"] = True
            try:
                sock.send(st["token"])
            except OSError as e:
                self.finish(key, "error: %s" % e.strerror)
                return
            SEL.modify(sock, selectors.EVENT_READ, (self.event, key))
            return
        try:
            data = sock.recv(256)
        except BlockingIOError:
            return
        except OSError as e:
            self.finish(key, outcome(e.errno))
            return
        if data == st["token"]:
            self.finish(key, "ok")
        elif st["udp"]:
            return  # a stray datagram; keep waiting
        else:
            self.finish(key, "error: bad echo %r" % data[:32])

    def tick(self):
        """Retransmits UDP requests; returns True when the batch is over."""
        now = time.monotonic()
        for key, st in list(self.pending.items()):
            if st["udp"] and now - st["sent"] >= 0.4:
                st["sent"] = now
                try:
                    st["sock"].send(st["token"])
                except OSError as e:
                    self.finish(key, outcome(e.errno))
        elapsed = now - self.start
        if not self.pending:
            return True
        if elapsed >= self.max_wait:
            return True
        if self.pass_pending == 0 and elapsed >= max(self.min_wait, 3 * self.last_pass_done):
            return True
        return False

    def close(self):
        for key in list(self.pending):
            self.finish(key, "timeout")
        reply({"id": self.req_id, "results": self.results,
               "elapsed": round(time.monotonic() - self.start, 3)})


# ---- FTP (the conntrack helper test) ----------------------------------------


def ftp_serve(req):
    """A minimal passive-mode FTP server for one session (RETR and STOR)."""
    payload = bytes.fromhex(req["data"])
    timeout = float(req.get("timeout", 5.0))
    pasv_port = int(req["pasv_port"])
    result = {"id": req["id"], "ok": False, "stored": ""}
    listeners = []
    try:
        for fam in (socket.AF_INET, socket.AF_INET6):
            s = socket.socket(fam, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if fam == socket.AF_INET6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s.bind((wildcard(fam), int(req["port"])))
            s.listen(4)
            listeners.append(s)
        reply({"id": req["id"], "ready": True})
        sel = selectors.DefaultSelector()
        for s in listeners:
            sel.register(s, selectors.EVENT_READ)
        ready = sel.select(timeout)
        sel.close()
        if not ready:
            result["error"] = "no control connection"
            return
        ctrl, _ = ready[0][0].fileobj.accept()
        ctrl.settimeout(timeout)
        local = ctrl.getsockname()[0]
        rfile = ctrl.makefile("rb")
        data_listener = None

        def send(line):
            ctrl.sendall((line + "\r\n").encode())

        def data_conn():
            if data_listener is None:
                return None
            conn, _ = data_listener.accept()
            conn.settimeout(timeout)
            return conn

        send("220 portspec lab")
        while True:
            line = rfile.readline(512)
            if not line:
                break
            cmd, _, arg = line.decode("latin-1").strip().partition(" ")
            cmd = cmd.upper()
            if cmd == "USER":
                send("331 password please")
            elif cmd == "PASS":
                send("230 logged in")
            elif cmd == "TYPE":
                send("200 type set")
            elif cmd in ("PASV", "EPSV"):
                if data_listener is not None:
                    data_listener.close()
                fam = family_of(local)
                data_listener = socket.socket(fam, socket.SOCK_STREAM)
                data_listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                data_listener.bind((local, pasv_port))
                data_listener.listen(1)
                data_listener.settimeout(timeout)
                if cmd == "PASV":
                    send("227 Entering Passive Mode (%s,%d,%d)" % (
                        local.replace(".", ","), pasv_port >> 8, pasv_port & 255))
                else:
                    send("229 Entering Extended Passive Mode (|||%d|)" % pasv_port)
            elif cmd == "RETR":
                send("150 sending")
                conn = data_conn()
                conn.sendall(payload)
                conn.close()
                send("226 done")
            elif cmd == "STOR":
                send("150 receiving")
                conn = data_conn()
                chunks = []
                while True:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    chunks.append(chunk)
                conn.close()
                result["stored"] = b"".join(chunks).hex()
                send("226 stored")
            elif cmd == "QUIT":
                send("221 bye")
                result["ok"] = True
                break
            else:
                send("502 not implemented")
        ctrl.close()
        if data_listener is not None:
            data_listener.close()
    except OSError as e:
        result["error"] = str(e)
    finally:
        for s in listeners:
            s.close()
        reply(result)


def ftp_get(req):
    """Downloads and uploads one file in passive mode with ftplib."""
    timeout = float(req.get("timeout", 5.0))
    result = {"id": req["id"], "ok": False}
    try:
        ftp = ftplib.FTP(timeout=timeout)
        ftp.connect(req["host"], int(req.get("port", 21)))
        ftp.login("lab", "lab")
        ftp.set_pasv(True)
        buf = io.BytesIO()
        ftp.retrbinary("RETR backup.tar", buf.write)
        result["retrieved"] = buf.getvalue().hex()
        ftp.storbinary("STOR backup.tar", io.BytesIO(bytes.fromhex(req["upload"])))
        ftp.quit()
        result["ok"] = True
    except (OSError, EOFError, ftplib.Error) as e:
        result["error"] = "%s: %s" % (type(e).__name__, e)
    reply(result)


# ---- the loop ---------------------------------------------------------------


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < min(hard, 16384):
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 16384), hard))
    os.set_blocking(0, False)
    inbuf = b""
    batch = None
    queued = []
    SEL.register(0, selectors.EVENT_READ, (None, None))
    reply({"id": 0, "ready": True, "pid": os.getpid()})
    eof = False
    while not (eof and batch is None and not queued):
        if batch is None and queued:
            batch = Batch(queued.pop(0))
        timeout = 0.05 if batch is not None else 1.0
        for key, mask in SEL.select(timeout):
            cb, arg = key.data
            if key.fileobj == 0:
                try:
                    chunk = os.read(0, 65536)
                except BlockingIOError:
                    continue
                if not chunk:
                    eof = True
                    SEL.unregister(0)
                    continue
                inbuf += chunk
                while b"\n" in inbuf:
                    line, inbuf = inbuf.split(b"\n", 1)
                    if not line.strip():
                        continue
                    req = json.loads(line)
                    op = req.get("op")
                    if op == "quit":
                        return
                    if op == "listen":
                        errors = []
                        for port in req.get("tcp", []):
                            listen("tcp", int(port), errors)
                        for port in req.get("udp", []):
                            listen("udp", int(port), errors)
                        reply({"id": req["id"], "errors": errors})
                    elif op == "unlisten":
                        for port in req.get("tcp", []):
                            unlisten("tcp", int(port))
                        for port in req.get("udp", []):
                            unlisten("udp", int(port))
                        reply({"id": req["id"]})
                    elif op == "probe":
                        queued.append(req)
                    elif op == "ftp_serve":
                        threading.Thread(target=ftp_serve, args=(req,), daemon=True).start()
                    elif op == "ftp_get":
                        threading.Thread(target=ftp_get, args=(req,), daemon=True).start()
                    else:
                        reply({"id": req.get("id"), "error": "unknown op %r" % op})
            elif arg is None:
                cb(key.fileobj, mask)
            else:
                cb(key.fileobj, mask, arg)
        if batch is not None and batch.tick():
            batch.close()
            batch = None


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
