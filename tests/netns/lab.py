#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Packet lab: proves rendered iptables, ip6tables and nft rules on a real kernel.

Five network namespaces joined by veth pairs, documentation addresses only:

    peer ---- outside ---- router ---- inside
                             |
                         appliance (eth1)

* outside   198.51.100.10   2001:db8:2::10   (forwards for the peer;
            198.51.100.123  2001:db8:2::123  is its second address, the NTP server)
* peer      203.0.113.70    2001:db8:3::70   (the cluster peer, out there)
* inside    192.0.2.10      2001:db8:1::10   (the inside network is 192.0.2.0/24, 2001:db8:1::/64;
            192.0.2.53      2001:db8:1::53   is its second address, the DNS server)
* appliance 203.0.113.10    2001:db8:4::10   (one interface, eth1)
* router    .1 / ::1 on each segment; interfaces r-out, r-in, r-app

Host mode loads the rules in the appliance (zones by address, one
interface); the router forwards freely.  Gateway mode loads them in the
router (FORWARD) and leaves the appliance open, with zones by address and
with zones by interface.  Rules come from `portspec render`, the expected
flows from `portspec list --format json`, both with the same --set options.

Every flow of the policy gets a real TCP connection (with an echo) or UDP
exchange that must succeed; every listed port from every other host and in
the other direction, the neighbouring ports, the other protocol and a few
unlisted ports get one whose outcome the flows decide (mostly: must fail).
A run without rules first proves the plumbing.  With the FTP flow, a passive
FTP transfer from the appliance to the inside server must pass through the
conntrack helper while a direct connection to the same data port must not.

Exit status: 0 all good, 1 a probe disagreed with the policy (or an error),
77 skipped (not root, no `ip netns`) -- except with CI=true, where a missing
capability is a failure.
"""

import argparse
import atexit
import ipaddress
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
AGENT = os.path.join(HERE, "agent.py")
PREFIX = "pslab-"
SKIP = 77

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
}
NAMESPACE_OF = {"inside-srv": "inside", "outside-srv": "outside"}
AGENT_HOSTS = ["outside", "inside", "peer", "appliance"]
SERVERS = ["dns:%s" % a for a in HOSTS["inside-srv"]] + ["ntp:%s" % a for a in HOSTS["outside-srv"]]
PEERS = list(HOSTS["peer"])
APPLIANCE = list(HOSTS["appliance"])
ROUTER_IF = {"outside": "r-out", "inside": "r-in", "appliance": "r-app"}

# Ports probed in addition to the listed ones and their neighbours.
EXTRA_PORTS = [1, 80, 514, 3306, 8080, 50021, 65535]
FTP_PASV_PORT = 50021
SPORT_FIRST, SPORT_LAST = 40000, 60999


def log(msg):
    print(msg, flush=True)


def fail_or_skip(reason):
    """A missing capability: skip (77), or fail in CI where it must run."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        log("FAIL: %s (CI=true: the packet lab must run here)" % reason)
        sys.exit(1)
    log("SKIP: %s" % reason)
    sys.exit(SKIP)


def run(argv, input_text=None, check=True, timeout=30):
    try:
        p = subprocess.run(argv, input=input_text, capture_output=True, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        raise LabError("%s did not finish within %d s" % (" ".join(argv), timeout))
    if check and p.returncode != 0:
        raise LabError("%s failed (%d): %s" % (" ".join(argv), p.returncode,
                                                (p.stderr or p.stdout).strip()))
    return p


class LabError(Exception):
    pass


# ---- namespaces ---------------------------------------------------------------


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


def remove_stale():
    """Removes lab namespaces left by runs whose process is gone."""
    for name in netns_list():
        m = re.match(r"^%s(\d+)-" % re.escape(PREFIX), name)
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


class Topology:
    """The namespaces, links and agents of one lab run.  close() is idempotent
    and registered with atexit; the caller also calls it from finally."""

    def __init__(self, sub=""):
        self.tag = "%s%d-%s" % (PREFIX, os.getpid(), sub)
        self.ns = {}
        self.agents = {}
        self.closed = False
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

        # /proc/sys/net is the namespace's own; no DAD delay on lab links.
        common = ("echo 0 > /proc/sys/net/ipv6/conf/all/accept_dad\n"
                  "echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad\n"
                  "ip link set lo up\n")

        def up(ifname, *addrs):
            s = "".join("ip addr add %s dev %s nodad\n" % (a, ifname) if ":" in a else
                        "ip addr add %s dev %s\n" % (a, ifname) for a in addrs)
            return (s + "echo 0 > /proc/sys/net/ipv6/conf/%s/accept_dad\n" % ifname
                    + "ip link set %s up\n" % ifname)

        self.sh("router", common
                + "echo 1 > /proc/sys/net/ipv4/ip_forward\n"
                + "echo 1 > /proc/sys/net/ipv6/conf/all/forwarding\n"
                + up("r-out", "198.51.100.1/24", "2001:db8:2::1/64")
                + up("r-in", "192.0.2.1/24", "2001:db8:1::1/64")
                + up("r-app", "203.0.113.1/26", "2001:db8:4::1/64")
                + "ip route add 203.0.113.64/26 via 198.51.100.10\n"
                + "ip -6 route add 2001:db8:3::/64 via 2001:db8:2::10\n")
        self.sh("outside", common
                + "echo 1 > /proc/sys/net/ipv4/ip_forward\n"
                + "echo 1 > /proc/sys/net/ipv6/conf/all/forwarding\n"
                + up("eth0", "198.51.100.10/24", "2001:db8:2::10/64",
                     "198.51.100.123/24", "2001:db8:2::123/64")
                + up("o-peer", "203.0.113.65/26", "2001:db8:3::1/64")
                + "ip route add default via 198.51.100.1\n"
                + "ip -6 route add default via 2001:db8:2::1\n")
        self.sh("peer", common
                + up("eth0", "203.0.113.70/26", "2001:db8:3::70/64")
                + "ip route add default via 203.0.113.65\n"
                + "ip -6 route add default via 2001:db8:3::1\n")
        self.sh("inside", common
                + up("eth0", "192.0.2.10/24", "2001:db8:1::10/64",
                     "192.0.2.53/24", "2001:db8:1::53/64")
                + "ip route add default via 192.0.2.1\n"
                + "ip -6 route add default via 2001:db8:1::1\n")
        self.sh("appliance", common
                + up("eth1", "203.0.113.10/26", "2001:db8:4::10/64")
                + "ip route add default via 203.0.113.1\n"
                + "ip -6 route add default via 2001:db8:4::1\n")

        for role in AGENT_HOSTS:
            with self.lock:
                if self.closed:
                    raise LabError("the lab is shutting down")
                self.agents[role] = Agent(self.ns[role])
        for role, agent in self.agents.items():
            agent.wait(0, 30)

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


# ---- policy and rules -----------------------------------------------------------


def zones_of(addr, peers=PEERS):
    """The spec's zones an address belongs to: outside is the complement of inside."""
    ip = ipaddress.ip_address(addr)
    inside = any(ip in ipaddress.ip_network(n) for n in INSIDE_NETS)
    zones = {"inside"} if inside else {"outside"}
    if addr in peers:
        zones.add("cluster")
    return zones


def allowed(flows, direction, remote, proto, port):
    """The flow that allows this connection, or None."""
    zones = zones_of(remote)
    ip = ipaddress.ip_address(remote)
    for f in flows:
        if f["direction"] != direction or f["protocol"] != proto or f["zone"] not in zones:
            continue
        if not f["port"] <= port <= f["port_last"]:
            continue
        addrs = f.get("addresses") or []
        if addrs and not any(ip in ipaddress.ip_network(a, strict=False) for a in addrs):
            continue
        return f
    return None


def portspec_sets(role, zoning):
    sets = ["inside=%s" % n for n in INSIDE_NETS]
    sets += ["appliance=%s" % a for a in APPLIANCE]
    sets += ["cluster-peer=%s" % a for a in PEERS]
    sets += ["role=%s" % role]
    if role == "standalone":
        # A narrower site: DNS only inside, NTP only outside, some options off.
        sets += ["dns=inside", "ntp=outside", "disable=ssh", "disable=snmp", "disable=ftp"]
        sets += ["server=%s" % s for s in SERVERS]
    if zoning == "interface":
        sets += ["outside-interface=%s" % ROUTER_IF["outside"],
                 "inside-interface=%s" % ROUTER_IF["inside"],
                 "appliance-interface=%s" % ROUTER_IF["appliance"]]
    args = []
    for s in sets:
        args += ["--set", s]
    return args


def portspec_flows(exe, sets):
    p = run([exe, "list", "--format", "json"] + sets)
    flows = json.loads(p.stdout)
    for f in flows:
        f["port"] = int(f["port"])
        f["port_last"] = int(f.get("port_last") or f["port"])
    return flows


def portspec_render(exe, backend, mode, fragment, sets):
    argv = [exe, "render", "--backend", backend, "--mode", mode]
    if fragment:
        argv.append("--fragment")
    return run(argv + sets).stdout


def fragment_hooks(text, backend, mode):
    """How to send traffic through an iptables fragment: the commands its
    header documents ("#   iptables [-t raw] -A HOOK -j CHAIN"), or, if it
    documents none, a jump to its chain from the standard hooks of each table."""
    tool = "iptables" if backend == "iptables" else "ip6tables"
    cmds = []
    for m in re.finditer(r"^#\s+%s\s+(.*-j\s+\S+)\s*$" % tool, text, re.M):
        cmds.append(m.group(1).split())
    if cmds:
        return cmds
    hooks = {"raw": ["PREROUTING", "OUTPUT"],
             "filter": ["INPUT", "OUTPUT"] if mode == "host" else ["FORWARD"]}
    table = None
    chains = {}
    for line in text.splitlines():
        if line.startswith("*"):
            table = line[1:].strip()
        elif line.startswith(":") and table in hooks:
            chains.setdefault(table, line[1:].split()[0])
    for table, chain in chains.items():
        for hook in hooks[table]:
            cmds.append(["-t", table, "-A", hook, "-j", chain])
    return cmds


def base_ruleset(backend, mode):
    """A minimal existing ruleset for a fragment to drop into: default drop
    where the fragment works, loopback and ICMP (neighbour discovery) open, no
    state rule -- so only the fragment can let a flow or its replies through."""
    icmp = "icmp" if backend == "iptables" else "ipv6-icmp"
    policy = {"host": ("DROP", "ACCEPT", "DROP"), "gateway": ("ACCEPT", "DROP", "ACCEPT")}[mode]
    lines = ["*raw", ":PREROUTING ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", "COMMIT", "*filter"]
    for chain, pol in zip(("INPUT", "FORWARD", "OUTPUT"), policy):
        lines.append(":%s %s [0:0]" % (chain, pol))
    if mode == "host":
        lines += ["-A INPUT -i lo -j ACCEPT", "-A OUTPUT -o lo -j ACCEPT",
                  "-A INPUT -p %s -j ACCEPT" % icmp, "-A OUTPUT -p %s -j ACCEPT" % icmp]
    lines.append("COMMIT")
    return "\n".join(lines) + "\n"


def nft_base_ruleset(fragment, mode):
    """The base chains that hook an nft fragment: the example its header
    documents (the commented lines after `include`), or else base chains in
    the fragment's table that drop by default and jump to its chain."""
    lines = fragment.splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^#\s+include\s", line):
            example = []
            for follow in lines[i + 1:]:
                m = re.match(r"^#   (.*)$", follow)
                if not m:
                    break
                example.append(m.group(1))
            if example:
                return "\n".join(example) + "\n"
    m = re.search(r"^table\s+(\S+)\s+(\S+)\s*\{", fragment, re.M)
    family, table = m.group(1), m.group(2)
    chain = re.findall(r"^\s*chain\s+(\S+)\s*\{", fragment, re.M)[0]
    out = ["table %s %s {" % (family, table)]
    for hook in (["input", "output"] if mode == "host" else ["forward"]):
        out += ["\tchain %s {" % hook,
                "\t\ttype filter hook %s priority filter; policy drop;" % hook]
        if mode == "host":
            out.append("\t\t%s \"lo\" accept" % ("iifname" if hook == "input" else "oifname"))
        out += ["\t\tjump %s" % chain, "\t}"]
    out.append("}")
    return "\n".join(out) + "\n"


class Firewall:
    """Loads and resets rules in one namespace."""

    def __init__(self, topo, role, backend, variant):
        self.topo = topo
        self.role = role
        self.backend = backend
        legacy = variant == "legacy"
        self.restore = {"iptables": "iptables-legacy-restore" if legacy else "iptables-restore",
                        "ip6tables": "ip6tables-legacy-restore" if legacy else "ip6tables-restore"}

    def reset(self):
        self.topo.nsexec(self.role, ["nft", "flush", "ruleset"])
        # Source ports are reused once the range wraps: a connection tracked
        # under the previous ruleset would pass the next one as ESTABLISHED
        # (and let a mutant survive), so every ruleset starts with no state.
        self.topo.nsexec(self.role, ["conntrack", "-F"])
        if self.backend in self.restore and "legacy" in self.restore[self.backend]:
            empty = ("*filter\n:INPUT ACCEPT\n:FORWARD ACCEPT\n:OUTPUT ACCEPT\nCOMMIT\n"
                     "*raw\n:PREROUTING ACCEPT\n:OUTPUT ACCEPT\nCOMMIT\n")
            self.topo.nsexec(self.role, [self.restore[self.backend]], input_text=empty)

    def load(self, text):
        if self.backend == "nft":
            self.topo.nsexec(self.role, ["nft", "-f", "-"], input_text=text)
        else:
            self.topo.nsexec(self.role, [self.restore[self.backend]], input_text=text)

    def load_fragment(self, text, mode):
        if self.backend == "nft":
            self.load(text)
            self.load(nft_base_ruleset(text, mode))
            return
        self.load(base_ruleset(self.backend, mode))
        self.topo.nsexec(self.role, [self.restore[self.backend], "--noflush"], input_text=text)
        tool = self.restore[self.backend].replace("-restore", "")
        for cmd in fragment_hooks(text, self.backend, mode):
            self.topo.nsexec(self.role, [tool] + cmd)

    def dump(self):
        if self.backend == "nft" or "legacy" not in self.restore.get(self.backend, ""):
            return self.topo.nsexec(self.role, ["nft", "list", "ruleset"], check=False).stdout
        save = self.restore[self.backend].replace("-restore", "-save")
        return self.topo.nsexec(self.role, [save], check=False).stdout


# ---- probes -------------------------------------------------------------------


class Probe:
    __slots__ = ("key", "src", "dst", "family", "proto", "port", "direction", "flow",
                 "sport", "result")

    def describe(self):
        a = HOSTS[self.src][0 if self.family == 4 else 1]
        b = HOSTS[self.dst][0 if self.family == 4 else 1]
        why = ("allowed by %s %s %s (%s)" % (self.flow["service"], self.flow["direction"],
                                               self.flow["zone"], self.flow["level"])
               if self.flow else "no flow allows it")
        return "%s [%s] -> %s [%s] %s/%d %s: %s" % (self.src, a, self.dst, b, self.proto,
                                                  self.port, self.direction, why)


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


def make_probes(flows, families, ports, sports):
    probes = []
    remotes = [h for h in HOSTS if h != "appliance"]
    for family in families:
        idx = 0 if family == 4 else 1
        for proto in ("tcp", "udp"):
            for port in ports:
                for remote in remotes:
                    # The second addresses only matter as destinations.
                    for direction in (("outbound",) if remote in NAMESPACE_OF
                                      else ("inbound", "outbound")):
                        p = Probe()
                        p.family, p.proto, p.port, p.direction = family, proto, port, direction
                        p.src, p.dst = ((remote, "appliance") if direction == "inbound"
                                        else ("appliance", remote))
                        p.flow = allowed(flows, direction, HOSTS[remote][idx], proto, port)
                        p.sport = sports.take()
                        p.key = "%d" % len(probes)
                        p.result = None
                        probes.append(p)
    return probes


def remote_address(p):
    """The address of the probe's end that is not the appliance."""
    return HOSTS[p.dst if p.src == "appliance" else p.src][0 if p.family == 4 else 1]


def check_coverage(flows, probes, families):
    """Every flow has a probe that must pass, in every family."""
    missing = []
    for f in flows:
        for family in families:
            if not any(p.family == family and p.flow is not None
                       and allowed([f], p.direction, remote_address(p), p.proto, p.port)
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
        req = {"op": "probe", "min_wait": fail_wait, "max_wait": timeout,
               "probes": [{"key": p.key, "proto": p.proto, "port": p.port, "sport": p.sport,
                           "dst": HOSTS[p.dst][0 if p.family == 4 else 1],
                           "pass": expect_all_pass or p.flow is not None} for p in ps]}
        pending[src] = (agent, agent.send(req))
    elapsed = 0.0
    for src, (agent, rid) in pending.items():
        rep = agent.wait(rid, timeout + 10)
        elapsed = max(elapsed, rep.get("elapsed", 0))
        for p in by_src[src]:
            p.result = rep["results"].get(p.key, "missing")
    return elapsed


def violations(probes, expect_all_pass=False):
    bad = []
    for p in probes:
        must_pass = expect_all_pass or p.flow is not None
        ok = p.result == "ok"
        if must_pass and not ok:
            bad.append("MUST PASS, got %s: %s" % (p.result, p.describe()))
        elif not must_pass and ok:
            bad.append("MUST FAIL, got through: %s" % p.describe())
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


# ---- the lab ------------------------------------------------------------------


def preflight(args):
    if os.geteuid() != 0:
        fail_or_skip("the packet lab needs root (network namespaces, netfilter)")
    xt = []
    if args.backend != "nft":
        xt = [args.backend + ("-legacy" if args.iptables_variant == "legacy" else "")]
    for tool in ["ip", "nft"] + xt + [t + "-restore" for t in xt]:
        if shutil.which(tool) is None:
            fail_or_skip("%s is not installed" % tool)
    probe = "%s%d-preflight" % (PREFIX, os.getpid())
    p = run(["ip", "netns", "add", probe], check=False)
    if p.returncode != 0:
        fail_or_skip("`ip netns add` does not work here: %s" % p.stderr.strip())
    try:
        q = run(["ip", "netns", "exec", probe, "nft", "list", "ruleset"], check=False)
        if q.returncode != 0:
            fail_or_skip("nftables does not work in a network namespace: %s" % q.stderr.strip())
        for tool in xt:
            q = run(["ip", "netns", "exec", probe, tool, "-S"], check=False)
            if q.returncode != 0:
                fail_or_skip("%s does not work in a network namespace: %s"
                             % (tool, q.stderr.strip()))
    finally:
        run(["ip", "netns", "del", probe], check=False)
    if not args.ruleset and not (args.portspec and os.access(args.portspec, os.X_OK)):
        raise LabError("no portspec executable: build it, or give --portspec PATH")


def find_portspec():
    """The CLI of the build: $PORTSPEC_BUILDDIR (set by meson test), else ./build."""
    builds = [os.environ.get("PORTSPEC_BUILDDIR", ""),
              os.path.join(HERE, "..", "..", "build")]
    for build in filter(None, builds):
        for rel in (("cli", "portspec"),):
            path = os.path.join(build, *rel)
            if os.path.isfile(path) and os.access(path, os.X_OK):
                return os.path.normpath(path)
    return None


def configs(args):
    zonings = ["address"] if args.mode == "host" else (
        ["address", "interface"] if args.zones == "both" else [args.zones])
    roles = ["central", "member", "standalone"] if args.role == "all" else [args.role]
    shapes = ["complete", "fragment"] if args.shape == "both" else [args.shape]
    for zoning in zonings:
        for role in roles:
            for shape in shapes:
                yield zoning, role, shape


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--backend", choices=["iptables", "ip6tables", "nft"], required=True)
    ap.add_argument("--mode", choices=["host", "gateway"], required=True)
    ap.add_argument("--portspec", help="the portspec executable")
    ap.add_argument("--shape", choices=["complete", "fragment", "both"], default="both")
    ap.add_argument("--zones", choices=["address", "interface", "both"], default="both",
                    help="gateway mode: zones by address, by interface or both")
    ap.add_argument("--role", choices=["central", "member", "standalone", "all"], default="all",
                    help="central, member (cluster flows) or standalone (a narrower profile: "
                         "DNS inside, NTP outside, each narrowed to one server; ssh, snmp "
                         "and ftp off)")
    ap.add_argument("--fail-wait", type=float, default=1.0,
                    help="seconds a probe that must fail is given to get through (default 1)")
    ap.add_argument("--timeout", type=float, default=8.0,
                    help="seconds a probe that must pass may take; bounds every wait (default 8)")
    ap.add_argument("--iptables-variant", choices=["default", "legacy"], default="default")
    ap.add_argument("--no-ftp", action="store_true", help="skip the FTP helper test")
    ap.add_argument("--ruleset", help="load this complete ruleset instead of rendering one")
    ap.add_argument("--flows", help="expected flows (list --format json output) for --ruleset")
    ap.add_argument("--mutants", action="store_true",
                    help="prove the lab sensitive: render one complete ruleset and probe it "
                         "without each of its flow and helper rules in turn; each must fail")
    ap.add_argument("--parallel", type=int, default=3,
                    help="labs (sets of namespaces) probing rulesets at the same time (default 3)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every probe")
    args = ap.parse_args(argv)
    if args.portspec is None and not args.ruleset:
        args.portspec = find_portspec()
    elif args.portspec and os.path.isdir(args.portspec):
        args.portspec = os.path.join(args.portspec, "portspec")
    if args.ruleset and not args.flows:
        ap.error("--ruleset needs --flows")

    preflight(args)
    timing = (args.fail_wait, max(args.timeout, args.fail_wait))
    families = {"iptables": [4], "ip6tables": [6], "nft": [4, 6]}[args.backend]
    started = time.monotonic()

    # Render everything first: a broken renderer fails before any namespace exists.
    runs = []
    if args.ruleset:
        with open(args.ruleset) as f:
            rules = f.read()
        with open(args.flows) as f:
            flows = json.load(f)
        zoning = "interface" if args.zones == "interface" else "address"
        runs.append((zoning, args.role, "complete", rules, flows, None))
    elif args.mutants:
        # One complete ruleset, then a copy of it without each of its rules
        # in turn: the lab must notice every one of them missing.
        zoning = "interface" if args.zones == "interface" else "address"
        role = "central" if args.role == "all" else args.role
        sets = portspec_sets(role, zoning)
        rules = portspec_render(args.portspec, args.backend, args.mode, False, sets)
        flows = portspec_flows(args.portspec, sets)
        runs.append((zoning, role, "complete", rules, flows, None))
        lines = rules.split("\n")
        for i, line in enumerate(lines):
            if flow_rule(line, args.backend):
                mutant = "\n".join(lines[:i] + lines[i + 1:])
                runs.append((zoning, role, "complete", mutant, flows, line.strip()))
        if len(runs) == 1:
            raise LabError("no rule to take out of the ruleset")
    else:
        for zoning, role, shape in configs(args):
            sets = portspec_sets(role, zoning)
            rules = portspec_render(args.portspec, args.backend, args.mode,
                                    shape == "fragment", sets)
            flows = portspec_flows(args.portspec, sets)
            runs.append((zoning, role, shape, rules, flows, None))
    if not runs:
        raise LabError("nothing to run")

    remove_stale()
    ports = sorted(set().union(*(probe_ports(r[4]) for r in runs)))
    nlabs = max(1, min(args.parallel, len(runs)))
    topos = [Topology("%d-" % i if nlabs > 1 else "") for i in range(nlabs)]
    outputs = [None] * len(runs)
    done = threading.Condition()

    def worker(index):
        lines = []
        try:
            sports = prepare(topos[index], families, ports, timing, runs, lines)
            setup = (lines, [])
        except Exception as e:  # reported in order by the main thread
            setup = (lines + ["ERROR: %s" % e], ["setup: %s" % e])
            sports = None
        for i in range(index, len(runs), nlabs):
            if sports is None:
                result = setup if i == index else ([], [])
            else:
                result = run_once(topos[index], args, runs[i], families, ports, sports, timing)
                if runs[i][5] is None and result[1] and all(map(load_can_explain, result[1])):
                    # Load can delay or drop what must pass, never let through
                    # what must fail: one more attempt tells the two apart.
                    again = run_once(topos[index], args, runs[i], families, ports, sports,
                                     timing)
                    note = ["retry: the first attempt had %d late or lost probes (%s); "
                            "the second %s" % (len(result[1]), result[1][0],
                                               "passed" if not again[1] else "failed too")]
                    result = (result[0] + note + again[0], again[1])
                if i == index:
                    result = (setup[0] + result[0], result[1])
            with done:
                outputs[i] = result
                done.notify_all()

    failures = []
    try:
        for i in range(nlabs):
            threading.Thread(target=worker, args=(i,), daemon=True).start()
        deadline = time.monotonic() + 120 + len(runs) * (timing[1] + 30)
        for i in range(len(runs)):
            with done:
                while outputs[i] is None:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise LabError("the lab did not finish in time")
                    done.wait(min(left, 1.0))
                lines, bad = outputs[i]
            for line in lines:
                log(line)
            failures += bad
    finally:
        for topo in topos:
            topo.close()
    log("%s: %d problem(s) in %.1f s" % ("FAIL" if failures else "PASS", len(failures),
                                        time.monotonic() - started))
    return 1 if failures else 0


def prepare(topo, families, ports, timing, runs, lines):
    """Builds one lab, starts the listeners and proves the plumbing."""
    topo.build()
    for role in AGENT_HOSTS:
        rep = topo.agents[role].call({"op": "listen", "tcp": ports, "udp": ports})
        if rep["errors"]:
            raise LabError("listeners in %s: %s" % (role, "; ".join(rep["errors"])))
    sports = SourcePorts()
    # Resolve every neighbour first: a burst of hundreds of packets to an
    # unresolved neighbour overflows its queue, and the dropped SYNs would
    # only go out again a second later.
    warm = [p for p in make_probes([], families, [ports[0]], sports) if p.proto == "udp"]
    run_batch(topo, warm, timing, expect_all_pass=True)
    # The plumbing first: without rules everything must get through.
    # On a busy machine a first attempt may run out of time; a second one
    # that fails too means the lab is broken.
    for _attempt in range(2):
        control = make_probes(runs[0][4], families, ports, sports)
        elapsed = run_batch(topo, control, timing, expect_all_pass=True)
        bad = violations(control, expect_all_pass=True)
        if not bad:
            break
    lines.append("setup %s: %d namespaces, %d ports, control run %d probes in %.2f s: %s" % (
        topo.tag.rstrip("-"), len(topo.ns), len(ports), len(control), elapsed,
        "ok" if not bad else "BROKEN"))
    if bad:
        lines.extend("  " + line for line in bad[:20])
        raise LabError("the lab's plumbing is broken (no rules loaded)")
    return sports


def run_once(topo, args, run_, families, ports, sports, timing):
    try:
        return run_config(topo, args, run_, families, ports, sports, timing)
    except Exception as e:  # pylint: disable=broad-except
        return (["ERROR: %s" % e], ["%s" % e])


def load_can_explain(problem):
    """True for a problem that a busy machine can cause: a probe that must
    pass came late or not at all, an FTP transfer that timed out, a socket
    still busy.  Never for traffic that got through when it must not."""
    if "MUST FAIL" in problem or "not closed to a plain connection" in problem:
        return False
    if "no probe for the flow" in problem or "do not load" in problem:
        return False
    return True


def run_config(topo, args, run_, families, ports, sports, timing, ftp=True):
    """Loads one ruleset and probes it; returns (output lines, problems)."""
    zoning, role, shape, rules, flows, mutant = run_
    if mutant:
        # A ruleset without one of its rules: any problem kills it.
        label = "%s %s zones-by-%s role=%s without `%s`" % (args.backend, args.mode, zoning,
                                                             role, mutant)
        # Passing probes took milliseconds in the intact ruleset; the ones the
        # missing rule blocks need not be waited for long.
        quick = (timing[0], min(timing[1], 1.5))
        _lines, bad = run_config(topo, args, run_[:5] + (None,), families, ports, sports, quick,
                                 ftp="helper" in mutant)
        if bad:
            return ["ok   killed (%d problems): %s" % (len(bad), label)], []
        return ["FAIL survived: %s" % label], ["the lab did not notice: %s" % label]
    lines = []
    label = "%s %s zones-by-%s role=%s %s" % (args.backend, args.mode, zoning, role, shape)
    where = "appliance" if args.mode == "host" else "router"
    fw = Firewall(topo, where, args.backend, args.iptables_variant)
    fw.reset()
    try:
        if shape == "fragment":
            fw.load_fragment(rules, args.mode)
        else:
            fw.load(rules)
    except LabError as e:
        lines.append("FAIL %s: the rules do not load\n  %s" % (label, e))
        return lines, ["%s: the rules do not load: %s" % (label, e)]
    # Forget every neighbour: IPv6 neighbour discovery has to work through
    # the rules now, as it must once the entries from before expire.  Then
    # resolve them again with the flows the rules allow, so that the burst
    # below does not overflow the queues of unresolved neighbours.
    for name in topo.ns.values():
        run(["ip", "-n", name, "neigh", "flush", "all"])
    probes = make_probes(flows, families, ports, sports)
    warm = make_probes(flows, families, [ports[0]], sports)
    warm = [p for p in warm if p.proto == "udp"] + [
        p for p in make_probes(flows, families, sorted({p.port for p in probes if p.flow}),
                               sports) if p.flow]
    run_batch(topo, warm, (0.0, min(2.0, timing[1] / 2)))
    missing = check_coverage(flows, probes, families)
    elapsed = run_batch(topo, probes, timing)
    bad = [label + ": " + m for m in violations(probes)]
    bad += ["%s: no probe for the flow %s" % (label, m) for m in missing]
    has_ftp = any(f["protocol"] == "tcp" and f["direction"] == "outbound"
                  and f["zone"] == "inside" and f["port"] <= 21 <= f["port_last"]
                  for f in flows)
    ftp_note = ""
    if has_ftp and ftp and not args.no_ftp:
        for family in families:
            # The data port must be closed to a plain connection, so that
            # the transfer can only pass as RELATED via the helper.
            direct = [p for p in probes if p.src == "appliance" and p.dst == "inside"
                      and p.proto == "tcp" and p.port == FTP_PASV_PORT and p.family == family]
            if not direct or any(p.result == "ok" for p in direct):
                bad.append("%s: the FTP data port %d is not closed to a plain connection "
                           "(IPv%d), so the FTP test proves nothing"
                           % (label, FTP_PASV_PORT, family))
            err = ftp_check(topo, family, min(timing[1], 5.0))
            if err:
                bad.append("%s: %s" % (label, err))
        ftp_note = ", FTP via the helper"
    npass = sum(1 for p in probes if p.flow is not None)
    lines.append("%s %s: %d flows, %d probes (%d must pass, %d must fail) in %.2f s%s" % (
        "ok  " if not bad else "FAIL", label, len(flows), len(probes), npass,
        len(probes) - npass, elapsed, ftp_note))
    if args.verbose:
        lines.extend("    %-8s %s" % (p.result, p.describe()) for p in probes)
    lines.extend("  " + line for line in bad)
    if bad:
        lines.append("  --- ruleset loaded in the %s ---" % where)
        lines.append("  " + fw.dump().replace("\n", "\n  "))
    return lines, bad


def flow_rule(line, backend):
    """Whether a rendered line is one a mutant leaves out: a rule that lets a
    flow or its replies through, or assigns the FTP helper.  (Not the RETURN
    that keeps inside addresses out of iptables' outside chain: without it a
    policy whose inside flows include the outside ones is still the same.)"""
    if backend == "nft":
        return bool(re.search(r"\bct state (new\b.*\b(accept|ct helper set)|established)\b",
                              line.strip()))
    return line.startswith("-A ") and any(k in line for k in (
        "--ctstate NEW", "--helper", "--ctstate ESTABLISHED"))


def _terminate(signum, _frame):
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    # Background jobs of a non-interactive shell start with SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    try:
        sys.exit(main())
    except LabError as e:
        log("ERROR: %s" % e)
        sys.exit(1)
    except KeyboardInterrupt:
        log("interrupted")
        sys.exit(130)
