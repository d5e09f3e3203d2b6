# SPDX-License-Identifier: MIT
"""The packet lab's runner: renders every ruleset, builds labs and probes
each ruleset in one of them, then reports in order."""

import argparse
import json
import os
import shutil
import threading
import time
from dataclasses import dataclass
from typing import Optional

from failures import Failure, Kind, LabError
from probes import FTP_PASV_PORT, Context, SourcePorts, check_coverage, ftp_check, \
    make_probes, probe_ports, run_batch, violations
from rulesets import Firewall, mutants, portspec_flows, portspec_render, portspec_sets, \
    zone_interfaces
from shell import fail_or_skip, log, run
from topology import AGENT_HOSTS, HERE, PREFIX, Topology, remove_stale


@dataclass
class Run:
    zoning: str
    role: str
    shape: str
    rules: str
    flows: list
    mutant: Optional[str] = None
    error: Optional[str] = None   # why portspec could not render it


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
        path = os.path.join(build, "cli", "portspec")
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return os.path.normpath(path)
    return None


def configs(args):
    zonings = ["address", "interface"] if args.zones == "both" else [args.zones]
    roles = ["central", "member", "standalone"] if args.role == "all" else [args.role]
    shapes = ["complete", "fragment"] if args.shape == "both" else [args.shape]
    for zoning in zonings:
        for role in roles:
            for shape in shapes:
                yield zoning, role, shape


def parse_args(argv, doc):
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    ap.add_argument("--backend", choices=["iptables", "ip6tables", "nft"], required=True)
    ap.add_argument("--mode", choices=["host", "gateway"], required=True)
    ap.add_argument("--portspec", help="the portspec executable")
    ap.add_argument("--shape", choices=["complete", "fragment", "both"], default="both")
    ap.add_argument("--zones", choices=["address", "interface", "both"], default="both",
                    help="zones by address, or also by interface (gateway: the router's "
                         "interface per zone; host: the appliance's), or both")
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
    return args


def plan_runs(args):
    """Renders everything first: a broken renderer fails before any namespace exists."""
    runs = []
    if args.ruleset:
        with open(args.ruleset) as f:
            rules = f.read()
        with open(args.flows) as f:
            flows = json.load(f)
        zoning = "interface" if args.zones == "interface" else "address"
        runs.append(Run(zoning, args.role, "complete", rules, flows))
    elif args.mutants:
        # One complete ruleset, then a copy of it without each of its rules
        # in turn: the lab must notice every one of them missing.
        zoning = "interface" if args.zones == "interface" else "address"
        role = "central" if args.role == "all" else args.role
        sets = portspec_sets(role, zoning, args.mode)
        rules = portspec_render(args.portspec, args.backend, args.mode, False, sets)
        flows = portspec_flows(args.portspec, sets)
        runs.append(Run(zoning, role, "complete", rules, flows))
        for mutant, line in mutants(rules, args.backend):
            runs.append(Run(zoning, role, "complete", mutant, flows, line))
    else:
        for zoning, role, shape in configs(args):
            sets = portspec_sets(role, zoning, args.mode)
            try:
                rules = portspec_render(args.portspec, args.backend, args.mode,
                                        shape == "fragment", sets)
                flows = portspec_flows(args.portspec, sets)
            except LabError as e:
                # One profile the renderer refuses fails alone; the others run.
                runs.append(Run(zoning, role, shape, "", [], error=str(e)))
                continue
            runs.append(Run(zoning, role, shape, rules, flows))
    if not runs:
        raise LabError("nothing to run")
    return runs


def main(argv, doc):
    args = parse_args(argv, doc)
    preflight(args)
    timing = (args.fail_wait, max(args.timeout, args.fail_wait))
    families = {"iptables": [4], "ip6tables": [6], "nft": [4, 6]}[args.backend]
    started = time.monotonic()
    runs = plan_runs(args)

    remove_stale()
    ports = sorted(set(probe_ports([])).union(*(probe_ports(r.flows) for r in runs)))
    nlabs = max(1, min(args.parallel, len(runs)))
    topos = [Topology("%d-" % i if nlabs > 1 else "") for i in range(nlabs)]
    outputs = [None] * len(runs)
    done = threading.Condition()

    def worker(index):
        lines = []
        try:
            sports = prepare(topos[index], args.mode, families, ports, timing, runs, lines)
            setup = (lines, [])
        except Exception as e:  # reported in order by the main thread
            setup = (lines + ["ERROR: %s" % e], [Failure(Kind.ERROR, "setup: %s" % e)])
            sports = None
        for i in range(index, len(runs), nlabs):
            if sports is None:
                result = setup if i == index else ([], [])
            else:
                result = run_once(topos[index], args, runs[i], families, ports, sports, timing)
                if runs[i].mutant is None and result[1] and all(
                        f.kind.load_can_explain for f in result[1]):
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
    kinds = sorted({f.kind.value for f in failures})
    log("%s: %d problem(s)%s in %.1f s" % ("FAIL" if failures else "PASS", len(failures),
                                          " (%s)" % ", ".join(kinds) if kinds else "",
                                          time.monotonic() - started))
    return 1 if failures else 0


def prepare(topo, mode, families, ports, timing, runs, lines):
    """Builds one lab, starts the listeners and proves the plumbing, for
    each way the runs route (host mode with an interface per zone uses the
    appliance's second link)."""
    topo.build()
    for role in AGENT_HOSTS:
        rep = topo.agents[role].call({"op": "listen", "tcp": ports, "udp": ports})
        if rep["errors"]:
            raise LabError("listeners in %s: %s" % (role, "; ".join(rep["errors"])))
    sports = SourcePorts()
    for direct in sorted({mode == "host" and r.zoning == "interface" for r in runs}):
        ctx = Context(mode, "interface" if direct else "address", {})
        topo.use_direct_link(direct)
        # Resolve every neighbour first: a burst of hundreds of packets to an
        # unresolved neighbour overflows its queue, and the dropped SYNs would
        # only go out again a second later.
        warm = [p for p in make_probes([], families, [ports[0]], sports, ctx)
                if p.proto == "udp"]
        run_batch(topo, warm, timing, expect_all_pass=True)
        # The plumbing first: without rules everything must get through.
        # On a busy machine a first attempt may run out of time; a second one
        # that fails too means the lab is broken.
        for _attempt in range(2):
            control = make_probes(runs[0].flows, families, ports, sports, ctx)
            elapsed = run_batch(topo, control, timing, expect_all_pass=True)
            bad = violations(control, expect_all_pass=True)
            if not bad:
                break
        lines.append("setup %s (%s): %d namespaces, %d ports, control run %d probes in %.2f s: "
                     "%s" % (topo.tag.rstrip("-"), "appliance-inside link" if direct
                             else "via the router", len(topo.ns), len(ports),
                             len(control), elapsed, "ok" if not bad else "BROKEN"))
        if bad:
            lines.extend("  %s" % f for f in bad[:20])
            raise LabError("the lab's plumbing is broken (no rules loaded)")
    return sports


def run_once(topo, args, run_, families, ports, sports, timing):
    try:
        return run_config(topo, args, run_, families, ports, sports, timing)
    except Exception as e:  # pylint: disable=broad-except
        return (["ERROR: %s" % e], [Failure(Kind.ERROR, "%s" % e)])


def run_mutant(topo, args, run_, families, ports, sports, timing):
    """A ruleset without one of its rules: any problem kills it."""
    label = "%s %s zones-by-%s role=%s without `%s`" % (args.backend, args.mode, run_.zoning,
                                                         run_.role, run_.mutant)
    # Passing probes took milliseconds in the intact ruleset; the ones the
    # missing rule blocks need not be waited for long.
    quick = (timing[0], min(timing[1], 1.5))
    intact = Run(run_.zoning, run_.role, run_.shape, run_.rules, run_.flows)
    _lines, bad = run_config(topo, args, intact, families, ports, sports, quick,
                             ftp="helper" in run_.mutant)
    if bad:
        return ["ok   killed (%d problems): %s" % (len(bad), label)], []
    return ["FAIL survived: %s" % label], [Failure(Kind.SURVIVED,
                                                   "the lab did not notice: %s" % label)]


def run_config(topo, args, run_, families, ports, sports, timing, ftp=True):
    """Loads one ruleset and probes it; returns (output lines, failures)."""
    if run_.mutant:
        return run_mutant(topo, args, run_, families, ports, sports, timing)
    lines = []
    label = "%s %s zones-by-%s role=%s %s" % (args.backend, args.mode, run_.zoning, run_.role,
                                               run_.shape)
    if run_.error:
        return (["FAIL %s: portspec does not render it\n  %s" % (label, run_.error)],
                [Failure(Kind.NO_RENDER, "%s: portspec does not render it: %s"
                         % (label, run_.error))])
    ctx = Context(args.mode, run_.zoning, zone_interfaces(args.mode, run_.zoning))
    where = "appliance" if args.mode == "host" else "router"
    topo.use_direct_link(args.mode == "host" and run_.zoning == "interface")
    fw = Firewall(topo, where, args.backend, args.iptables_variant)
    fw.reset()
    try:
        if run_.shape == "fragment":
            fw.load_fragment(run_.rules, args.mode)
        else:
            fw.load(run_.rules)
    except LabError as e:
        lines.append("FAIL %s: the rules do not load\n  %s" % (label, e))
        return lines, [Failure(Kind.NO_LOAD, "%s: the rules do not load: %s" % (label, e))]
    # Forget every neighbour: IPv6 neighbour discovery has to work through
    # the rules now, as it must once the entries from before expire.  Then
    # resolve them again with the flows the rules allow, so that the burst
    # below does not overflow the queues of unresolved neighbours.
    for name in topo.ns.values():
        run(["ip", "-n", name, "neigh", "flush", "all"])
    flows = run_.flows
    probes = make_probes(flows, families, ports, sports, ctx)
    warm = make_probes(flows, families, [ports[0]], sports, ctx)
    warm = [p for p in warm if p.proto == "udp"] + [
        p for p in make_probes(flows, families, sorted({p.port for p in probes if p.flow}),
                               sports, ctx) if p.flow]
    run_batch(topo, warm, (0.0, min(2.0, timing[1] / 2)))
    missing = check_coverage(flows, probes, families, ctx)
    elapsed = run_batch(topo, probes, timing)
    bad = violations(probes, label)
    bad += [Failure(Kind.NO_PROBE, "%s: no probe for the flow %s" % (label, m)) for m in missing]
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
                bad.append(Failure(Kind.FTP_DATA_OPEN,
                                   "%s: the FTP data port %d is not closed to a plain "
                                   "connection (IPv%d), so the FTP test proves nothing"
                                   % (label, FTP_PASV_PORT, family)))
            err = ftp_check(topo, family, min(timing[1], 5.0))
            if err:
                bad.append(Failure(Kind.FTP, "%s: %s" % (label, err)))
        ftp_note = ", FTP via the helper"
    npass = sum(1 for p in probes if p.flow is not None)
    lines.append("%s %s: %d flows, %d probes (%d must pass, %d must fail) in %.2f s%s" % (
        "ok  " if not bad else "FAIL", label, len(flows), len(probes), npass,
        len(probes) - npass, elapsed, ftp_note))
    if args.verbose:
        lines.extend("    %-8s %s" % (p.result, p.describe()) for p in probes)
    lines.extend("  %s" % f for f in bad)
    if bad:
        lines.append("  --- ruleset loaded in the %s ---" % where)
        lines.append("  " + fw.dump().replace("\n", "\n  "))
    return lines, bad
