# SPDX-License-Identifier: MIT
"""The packet lab's network: namespaces, links, routes and probe agents.

    peer ---- outside ---- router ---- inside (+ spoof)
                             |           |
                    (eth1) appliance (eth2)

* outside   198.51.100.10   2001:db8:2::10   (forwards for the peer;
            198.51.100.123  2001:db8:2::123  is its second address, the NTP server)
* peer      203.0.113.70    2001:db8:3::70   (the cluster peer, out there)
* inside    192.0.2.10      2001:db8:1::10   (the inside network is 192.0.2.0/24, 2001:db8:1::/64;
            192.0.2.53      2001:db8:1::53   is its second address, the DNS server)
* spoof     198.51.100.99   2001:db8:2::99   (outside addresses, held by the inside host:
                                              an outside source on the inside interface)
* appliance 203.0.113.10    2001:db8:4::10   (eth1 towards the router; eth2 straight to
                                              the inside host, used when the appliance has
                                              an interface per zone)
* router    .1 / ::1 on each segment; interfaces r-out, r-in, r-app
"""

import atexit
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

from failures import LabError
from shell import run

HERE = os.path.dirname(os.path.abspath(__file__))
AGENT = os.path.join(HERE, "agent.py")
PREFIX = "pslab-"

INSIDE_NETS = ["192.0.2.0/24", "2001:db8:1::/64"]

# name -> (v4, v6); the hosts the probes run between
HOSTS = {
    "outside": ("198.51.100.10", "2001:db8:2::10"),
    "inside": ("192.0.2.10", "2001:db8:1::10"),
    "peer": ("203.0.113.70", "2001:db8:3::70"),
    "appliance": ("203.0.113.10", "2001:db8:4::10"),
    # Second addresses of the inside and outside hosts: the servers the
    # standalone profile narrows DNS and NTP to (profile key server=).
    "inside-srv": ("192.0.2.53", "2001:db8:1::53"),
    "outside-srv": ("198.51.100.123", "2001:db8:2::123"),
    # Outside addresses that the inside host holds: its packets reach the
    # filter on the inside interface with an outside source, as a spoofing
    # host's would, and the replies find their way back to it.
    "spoof": ("198.51.100.99", "2001:db8:2::99"),
}
NAMESPACE_OF = {"inside-srv": "inside", "outside-srv": "outside", "spoof": "inside"}
# Hosts that only matter as destinations, and hosts whose probes must be
# sent from their own address (the agent binds it).
DEST_ONLY = {"inside-srv", "outside-srv"}
BIND_SOURCE = {"spoof"}
AGENT_HOSTS = ["outside", "inside", "peer", "appliance"]
SERVERS = ["dns:%s" % a for a in HOSTS["inside-srv"]] + ["ntp:%s" % a for a in HOSTS["outside-srv"]]
PEERS = list(HOSTS["peer"])
APPLIANCE = list(HOSTS["appliance"])
ROUTER_IF = {"outside": "r-out", "inside": "r-in", "appliance": "r-app"}
# Host mode with an interface per zone: the appliance's interface facing each zone.
APPLIANCE_IF = {"outside": "eth1", "inside": "eth2"}
# The direct appliance-inside link's addresses (link-local next hops for IPv6).
LINK_LOCAL = {"appliance": "fe80::a", "inside": "fe80::b"}

# Where each remote host's traffic crosses the filtering machine.
SIDE = {"outside": "outside", "outside-srv": "outside", "peer": "outside",
        "inside": "inside", "inside-srv": "inside", "spoof": "inside"}


def via(host, mode, zoning):
    """The filter's interface that a remote host's traffic crosses: the
    router's in gateway mode, the appliance's in host mode (one interface
    unless it has one per zone)."""
    if mode == "gateway":
        return ROUTER_IF[SIDE[host]]
    if zoning == "interface":
        return APPLIANCE_IF[SIDE[host]]
    return APPLIANCE_IF["outside"]


# ---- namespaces -------------------------------------------------------------------


def netns_list():
    p = run(["ip", "netns", "list"], check=False)
    return [line.split()[0] for line in p.stdout.splitlines() if line.strip()]


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale(prefix=PREFIX):
    """Removes namespaces with this prefix left by runs whose process is gone."""
    for name in netns_list():
        m = re.match(r"^%s(\d+)-" % re.escape(prefix), name)
        if m and not pid_alive(int(m.group(1))):
            kill_netns_pids(name)
            run(["ip", "netns", "del", name], check=False)


def kill_netns_pids(name):
    p = run(["ip", "netns", "pids", name], check=False)
    for tok in p.stdout.split():
        try:
            os.kill(int(tok), signal.SIGKILL)
        except (ValueError, ProcessLookupError, PermissionError):
            pass


class Agent:
    """One probe agent in a namespace, driven over its stdin/stdout."""

    def __init__(self, ns):
        self.ns = ns
        self.proc = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, AGENT],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, bufsize=0)
        self.replies = {}
        self.cond = threading.Condition()
        self.next_id = 1
        self.stderr = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_err, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            with self.cond:
                self.replies.setdefault(obj.get("id"), []).append(obj)
                self.cond.notify_all()
        with self.cond:
            self.replies.setdefault("eof", []).append({})
            self.cond.notify_all()

    def _read_err(self):
        for line in self.proc.stderr:
            self.stderr.append(line.decode(errors="replace"))

    def send(self, obj):
        with self.cond:
            rid = self.next_id
            self.next_id += 1
        obj = dict(obj, id=rid)
        try:
            self.proc.stdin.write((json.dumps(obj) + "\n").encode())
            self.proc.stdin.flush()
        except OSError as e:
            raise LabError("agent in %s is gone: %s %s" % (self.ns, e, "".join(self.stderr)))
        return rid

    def wait(self, rid, timeout, nth=0):
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.replies.get(rid, [])) <= nth:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise LabError("agent in %s: no answer within %.1f s" % (self.ns, timeout))
                if "eof" in self.replies:
                    raise LabError("agent in %s exited: %s" % (self.ns, "".join(self.stderr)))
                self.cond.wait(left)
            return self.replies[rid][nth]

    def call(self, obj, timeout=30):
        return self.wait(self.send(obj), timeout)

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(b'{"op": "quit"}\n')
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=2)


def _up(ifname, *addrs):
    s = "".join("ip addr add %s dev %s nodad\n" % (a, ifname) if ":" in a else
                "ip addr add %s dev %s\n" % (a, ifname) for a in addrs)
    # Spoofed and asymmetric sources are the point of some probes: no
    # reverse-path filter may drop them before the rules see them.
    return (s + "echo 0 > /proc/sys/net/ipv6/conf/%s/accept_dad\n" % ifname
            + "echo 0 > /proc/sys/net/ipv4/conf/%s/rp_filter\n" % ifname
            + "ip link set %s up\n" % ifname)


# Routes of the direct appliance-inside link (host mode, an interface per
# zone): inside traffic and the spoofed outside source use eth2.
# The links carry no global address of their own: each route names the
# source, or the kernel could pick the spoofed one.
DIRECT_ROUTES = {
    "appliance": ["ip route %s 192.0.2.0/24 dev eth2 src 203.0.113.10",
                  "ip route %s 198.51.100.99/32 dev eth2 src 203.0.113.10",
                  "ip -6 route %s 2001:db8:1::/64 via fe80::b dev eth2 src 2001:db8:4::10",
                  "ip -6 route %s 2001:db8:2::99/128 via fe80::b dev eth2 src 2001:db8:4::10"],
    "inside": ["ip route %s 203.0.113.10/32 dev eth1 src 192.0.2.10",
               "ip -6 route %s 2001:db8:4::10/128 via fe80::a dev eth1 src 2001:db8:1::10"],
}


class Topology:
    """The namespaces, links and agents of one lab run.  close() is idempotent
    and registered with atexit; the caller also calls it from finally."""

    def __init__(self, sub=""):
        self.tag = "%s%d-%s" % (PREFIX, os.getpid(), sub)
        self.ns = {}
        self.agents = {}
        self.closed = False
        self.direct = False
        self.lock = threading.Lock()
        atexit.register(self.close)

    def name(self, role):
        return self.tag + role

    def nsexec(self, role, argv, **kw):
        return run(["ip", "netns", "exec", self.ns[role]] + argv, **kw)

    def sh(self, role, script):
        return self.nsexec(role, ["sh", "-ec", script])

    def build(self):
        for role in ("router", "outside", "inside", "peer", "appliance"):
            name = self.name(role)
            with self.lock:  # close() may run in another thread
                if self.closed:
                    raise LabError("the lab is shutting down")
                self.ns[role] = name
                run(["ip", "netns", "add", name])

        def veth(a, ifa, b, ifb):
            run(["ip", "link", "add", ifa, "netns", self.ns[a], "type", "veth",
                 "peer", "name", ifb, "netns", self.ns[b]])

        veth("router", "r-out", "outside", "eth0")
        veth("router", "r-in", "inside", "eth0")
        veth("router", "r-app", "appliance", "eth1")
        veth("outside", "o-peer", "peer", "eth0")
        veth("appliance", "eth2", "inside", "eth1")

        # /proc/sys/net is the namespace's own; no DAD delay on lab links.
        common = ("echo 0 > /proc/sys/net/ipv6/conf/all/accept_dad\n"
                  "echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad\n"
                  "echo 0 > /proc/sys/net/ipv4/conf/all/rp_filter\n"
                  "ip link set lo up\n")
        spoof = HOSTS["spoof"]
        self.sh("router", common
                + "echo 1 > /proc/sys/net/ipv4/ip_forward\n"
                + "echo 1 > /proc/sys/net/ipv6/conf/all/forwarding\n"
                + _up("r-out", "198.51.100.1/24", "2001:db8:2::1/64")
                + _up("r-in", "192.0.2.1/24", "2001:db8:1::1/64")
                + _up("r-app", "203.0.113.1/26", "2001:db8:4::1/64")
                + "ip route add 203.0.113.64/26 via 198.51.100.10\n"
                + "ip -6 route add 2001:db8:3::/64 via 2001:db8:2::10\n"
                # The spoofed addresses live inside: their replies go there.
                + "ip route add %s/32 via 192.0.2.10\n" % spoof[0]
                + "ip -6 route add %s/128 via 2001:db8:1::10\n" % spoof[1])
        self.sh("outside", common
                + "echo 1 > /proc/sys/net/ipv4/ip_forward\n"
                + "echo 1 > /proc/sys/net/ipv6/conf/all/forwarding\n"
                + _up("eth0", "198.51.100.10/24", "2001:db8:2::10/64",
                      "198.51.100.123/24", "2001:db8:2::123/64")
                + _up("o-peer", "203.0.113.65/26", "2001:db8:3::1/64")
                + "ip route add default via 198.51.100.1\n"
                + "ip -6 route add default via 2001:db8:2::1\n")
        self.sh("peer", common
                + _up("eth0", "203.0.113.70/26", "2001:db8:3::70/64")
                + "ip route add default via 203.0.113.65\n"
                + "ip -6 route add default via 2001:db8:3::1\n")
        self.sh("inside", common
                + _up("eth0", "192.0.2.10/24", "2001:db8:1::10/64",
                      "192.0.2.53/24", "2001:db8:1::53/64")
                # On lo, so that no connection of the inside host picks them
                # as its source unless a probe binds them.
                + "ip addr add %s/32 dev lo\n" % spoof[0]
                + "ip addr add %s/128 dev lo nodad\n" % spoof[1]
                + _up("eth1", "%s/64" % LINK_LOCAL["inside"])
                + "ip route add default via 192.0.2.1\n"
                + "ip -6 route add default via 2001:db8:1::1\n")
        self.sh("appliance", common
                + _up("eth1", "203.0.113.10/26", "2001:db8:4::10/64")
                + _up("eth2", "%s/64" % LINK_LOCAL["appliance"])
                + "ip route add default via 203.0.113.1\n"
                + "ip -6 route add default via 2001:db8:4::1\n")

        for role in AGENT_HOSTS:
            with self.lock:
                if self.closed:
                    raise LabError("the lab is shutting down")
                self.agents[role] = Agent(self.ns[role])
        for role, agent in self.agents.items():
            agent.wait(0, 30)

    def use_direct_link(self, on):
        """Host mode with an interface per zone sends inside traffic (and the
        spoofed source) over eth2; every other configuration over eth1."""
        if on == self.direct:
            return
        for role, cmds in DIRECT_ROUTES.items():
            for cmd in cmds:
                self.sh(role, cmd % "replace" if on else cmd.split(" src ")[0] % "del")
        self.direct = on

    def close(self):
        with self.lock:
            if self.closed:
                return
            self.closed = True
        with self.lock:
            agents, names = list(self.agents.values()), list(self.ns.values())
        for agent in agents:
            try:
                agent.stop()
            except Exception:  # cleanup goes on whatever happens
                pass
        # Anything with our tag, including what a partial build left behind.
        for name in names + [n for n in netns_list() if n.startswith(self.tag)]:
            try:
                kill_netns_pids(name)
                run(["ip", "netns", "del", name], check=False)
            except Exception:
                pass
