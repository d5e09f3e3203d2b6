# SPDX-License-Identifier: MIT
"""Probes: the connections the lab tries, and what it makes of their outcome.

Every flow of the policy gets a real TCP connection (with an echo) or UDP
exchange that must succeed; every listed port from every other host and in
the other direction, the neighbouring ports, the other protocol and a few
unlisted ports get one whose outcome the flows decide (mostly: must fail).
"""

import os
import time

from expectations import allowed
from failures import Failure, Kind, LabError
from topology import BIND_SOURCE, DEST_ONLY, HOSTS, NAMESPACE_OF, via

# Ports probed in addition to the listed ones and their neighbours.
EXTRA_PORTS = [1, 80, 514, 3306, 8080, 50021, 65535]
FTP_PASV_PORT = 50021
SPORT_FIRST, SPORT_LAST = 40000, 60999


class Context:
    """Where the rules sit and how the profile knows its zones: the mode,
    zones by address or by interface, and the interface of each zone that
    has one."""

    def __init__(self, mode, zoning, zone_ifaces):
        self.mode = mode
        self.zoning = zoning
        self.zone_ifaces = zone_ifaces

    def via(self, host):
        return via(host, self.mode, self.zoning)


class Probe:
    __slots__ = ("key", "src", "dst", "family", "proto", "port", "direction", "flow",
                 "sport", "result", "via")

    def describe(self):
        a = HOSTS[self.src][0 if self.family == 4 else 1]
        b = HOSTS[self.dst][0 if self.family == 4 else 1]
        why = ("allowed by %s %s %s (%s)" % (self.flow["service"], self.flow["direction"],
                                               self.flow["zone"], self.flow["level"])
               if self.flow else "no flow allows it")
        return "%s [%s] -> %s [%s] %s/%d %s: %s" % (self.src, a, self.dst, b, self.proto,
                                                  self.port, self.direction, why)

    def remote(self):
        """The end that is not the appliance."""
        return self.dst if self.src == "appliance" else self.src


class SourcePorts:
    def __init__(self):
        self.next = SPORT_FIRST

    def take(self):
        p = self.next
        self.next = SPORT_FIRST if p >= SPORT_LAST else p + 1
        return p


def probe_ports(flows):
    """Every listed port, the neighbours of each range and a few unlisted ones."""
    ports = set(EXTRA_PORTS)
    for f in flows:
        first, last = f["port"], f["port_last"]
        ports.update((first, last, (first + last) // 2))
        ports.update(p for p in (first - 1, last + 1) if 1 <= p <= 65535)
    return sorted(ports)


def make_probes(flows, families, ports, sports, ctx):
    probes = []
    remotes = [h for h in HOSTS if h != "appliance"]
    for family in families:
        idx = 0 if family == 4 else 1
        for proto in ("tcp", "udp"):
            for port in ports:
                for remote in remotes:
                    # The second addresses only matter as destinations.
                    for direction in (("outbound",) if remote in DEST_ONLY
                                      else ("inbound", "outbound")):
                        p = Probe()
                        p.family, p.proto, p.port, p.direction = family, proto, port, direction
                        p.src, p.dst = ((remote, "appliance") if direction == "inbound"
                                        else ("appliance", remote))
                        p.via = ctx.via(remote)
                        p.flow = allowed(flows, direction, HOSTS[remote][idx], proto, port,
                                         p.via, ctx.zone_ifaces)
                        p.sport = sports.take()
                        p.key = "%d" % len(probes)
                        p.result = None
                        probes.append(p)
    return probes


def check_coverage(flows, probes, families, ctx):
    """Every flow has a probe that must pass, in every family."""
    missing = []
    for f in flows:
        for family in families:
            if not any(p.family == family and p.flow is not None
                       and allowed([f], p.direction, HOSTS[p.remote()][0 if family == 4 else 1],
                                   p.proto, p.port, p.via, ctx.zone_ifaces)
                       for p in probes):
                missing.append("%s %s %s %s/%d-%d IPv%d" % (f["service"], f["direction"],
                                                           f["zone"], f["protocol"], f["port"],
                                                           f["port_last"], family))
    return missing


def run_batch(topo, probes, timing, expect_all_pass=False):
    """Runs the probes from their source namespaces at once.  A batch ends
    when every probe that must pass is done and the ones that must fail had
    fail_wait seconds (and three times as long as the slowest pass) to get
    through, or after timeout seconds."""
    fail_wait, timeout = timing
    by_src = {}
    for p in probes:
        by_src.setdefault(NAMESPACE_OF.get(p.src, p.src), []).append(p)
    pending = {}
    for src, ps in by_src.items():
        agent = topo.agents[src]
        req = {"op": "probe", "min_wait": fail_wait, "max_wait": timeout, "probes": []}
        for p in ps:
            idx = 0 if p.family == 4 else 1
            one = {"key": p.key, "proto": p.proto, "port": p.port, "sport": p.sport,
                   "dst": HOSTS[p.dst][idx], "pass": expect_all_pass or p.flow is not None}
            if p.src in BIND_SOURCE:
                one["src"] = HOSTS[p.src][idx]
            req["probes"].append(one)
        pending[src] = (agent, agent.send(req))
    elapsed = 0.0
    for src, (agent, rid) in pending.items():
        rep = agent.wait(rid, timeout + 10)
        elapsed = max(elapsed, rep.get("elapsed", 0))
        for p in by_src[src]:
            p.result = rep["results"].get(p.key, "missing")
    return elapsed


def violations(probes, label="", expect_all_pass=False):
    bad = []
    prefix = label + ": " if label else ""
    for p in probes:
        must_pass = expect_all_pass or p.flow is not None
        ok = p.result == "ok"
        if must_pass and not ok:
            bad.append(Failure(Kind.MUST_PASS, "%sMUST PASS, got %s: %s" % (prefix, p.result,
                                                                           p.describe())))
        elif not must_pass and ok:
            bad.append(Failure(Kind.MUST_FAIL, "%sMUST FAIL, got through: %s" % (
                prefix, p.describe())))
    return bad


def ftp_check(topo, family, timeout):
    """Passive FTP from the appliance to the inside server through the rules."""
    inside, appliance = topo.agents["inside"], topo.agents["appliance"]
    inside.call({"op": "unlisten", "tcp": [21, FTP_PASV_PORT]})
    try:
        data = os.urandom(48 * 1024)
        upload = os.urandom(32 * 1024)
        rid = inside.send({"op": "ftp_serve", "port": 21, "pasv_port": FTP_PASV_PORT,
                           "data": data.hex(), "timeout": timeout})
        inside.wait(rid, 10, nth=0)
        host = HOSTS["inside"][0 if family == 4 else 1]
        got = appliance.call({"op": "ftp_get", "host": host, "port": 21,
                              "upload": upload.hex(), "timeout": timeout}, timeout=timeout * 4 + 5)
        srv = inside.wait(rid, timeout * 4 + 5, nth=1)
        if not got.get("ok"):
            return "FTP (IPv%d) from the appliance to %s failed: %s" % (family, host,
                                                                     got.get("error"))
        if bytes.fromhex(got.get("retrieved", "")) != data:
            return "FTP (IPv%d): the downloaded file differs" % family
        if bytes.fromhex(srv.get("stored", "")) != upload:
            return "FTP (IPv%d): the uploaded file differs (%s)" % (family, srv.get("error"))
        return None
    finally:
        # The FTP session's sockets on the data port may take a moment to
        # leave the port (closing states); listening again is idempotent.
        for _attempt in range(40):
            rep = inside.call({"op": "listen", "tcp": [21, FTP_PASV_PORT]})
            if not rep.get("errors"):
                break
            time.sleep(0.25)
        else:
            raise LabError("listeners after the FTP test: %s" % "; ".join(rep["errors"]))
